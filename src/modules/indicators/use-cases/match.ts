import type { Principal } from '../../../access/principal.js';
import { InputError } from '../../../errors.js';
import { findIndicatorsByIds, matchQuery, type IndicatorRow } from '../indicators.repository.js';
import { observableOf, type IndicatorType, type MatchVia } from '../normalize.js';
import { visibilityOf, type IndicatorReportsDeps } from './deps.js';
import { MAX_BATCH } from './report.js';

/** Matching raw observables against the indicators the principal may see. */

export interface ObservableMatch {
  index: number;
  input: string;
  type: IndicatorType;
  value: string;
  indicator: IndicatorRow;
  via: MatchVia;
}

/**
 * Up to 10,000 raw values, types detected: exact matches, plus addresses inside reported CIDRs. Only
 * indicators with a visible, unexpired report (or a visible sighting) match.
 */
export async function matchObservables(deps: IndicatorReportsDeps, principal: Principal, values: readonly string[], includeExpired: boolean) {
  if (values.length > MAX_BATCH) throw new InputError('values', `at most ${MAX_BATCH.toLocaleString('en-US')} values per call (got ${values.length})`);
  // One row per probe: an observable is looked up as itself and as the hosts and domains it names.
  const idx: number[] = [];
  const types: string[] = [];
  const canon: string[] = [];
  const vias: string[] = [];
  const observed = new Map<number, { type: IndicatorType; value: string }>();
  const invalid: Array<{ index: number; input: string; reason: string }> = [];
  values.forEach((raw, i) => {
    const o = observableOf(raw);
    if (!o.ok) {
      invalid.push({ index: i, input: raw, reason: o.reason });
      return;
    }
    observed.set(i, { type: o.type, value: o.value });
    for (const p of o.probes) {
      idx.push(i);
      types.push(p.type);
      canon.push(p.value);
      vias.push(p.via);
    }
  });
  if (idx.length === 0) return { matches: [] as ObservableMatch[], invalid };
  const rows = await matchQuery(deps.db, visibilityOf(principal), idx, types, canon, includeExpired, vias);
  const indicators = new Map((await findIndicatorsByIds(deps.db, [...new Set(rows.map((r) => r.indicator_id))])).map((r) => [r.id, r]));
  // An indicator found through two probes of one observable is one match.
  const seen = new Set<string>();
  const matches: ObservableMatch[] = [];
  for (const r of rows) {
    const key = `${r.i}/${r.indicator_id}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const o = observed.get(r.i)!;
    matches.push({ index: r.i, input: values[r.i]!, type: o.type, value: o.value, indicator: indicators.get(r.indicator_id)!, via: r.via });
  }
  return { matches, invalid };
}
