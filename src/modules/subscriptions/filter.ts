import { SEVERITIES, severityRank, type IncidentCategory, type IncidentDomain, type Severity } from '../../domain/taxonomy.js';
import { isOneOf } from '../../domain/unions.js';
import type { IndicatorType } from '../../domain/indicator-types.js';

/** What a saved subscription wants: incidents matching these conditions, and (optionally) indicator alerts. */
export interface AlertFilter {
  severityAtLeast: Severity | null;
  domains: IncidentDomain[];
  categories: IncidentCategory[];
  /** Organization ids of counties. */
  affectedCountyIds: string[];
  /** Indicator alerts of these types; empty with includeIndicators: every type. */
  indicatorTypes: IndicatorType[];
  includeIndicators: boolean;
  /** null: real incidents only; true: exercises only; false: real only. */
  exercise: boolean | null;
}

export function incidentMatches(
  f: AlertFilter,
  i: { severity: Severity; domain: IncidentDomain; category: IncidentCategory; exercise: boolean },
  affectedCountyIds: readonly string[],
): boolean {
  if (f.severityAtLeast && severityRank(i.severity) < severityRank(f.severityAtLeast)) return false;
  if (f.domains.length && !f.domains.includes(i.domain)) return false;
  if (f.categories.length && !f.categories.includes(i.category)) return false;
  if (f.affectedCountyIds.length && !f.affectedCountyIds.some((c) => affectedCountyIds.includes(c))) return false;
  if (i.exercise !== (f.exercise === true)) return false;
  return true;
}

export function indicatorMatches(f: AlertFilter, type: IndicatorType): boolean {
  if (!f.includeIndicators && f.indicatorTypes.length === 0) return false;
  return f.indicatorTypes.length === 0 || f.indicatorTypes.includes(type);
}

export const isSeverity = (s: string): s is Severity => isOneOf(SEVERITIES, s);
