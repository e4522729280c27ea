import { canSeeIncident, visibleIncidents } from '../../access/incidents.js';
import type { Principal } from '../../access/principal.js';
import type { Handle } from '../../infra/handle.js';
import { findVisibleIncidents, type IncidentRow } from './incidents.repository.js';
import { isUuid } from './incidents.validation.js';

/**
 * The one answer to "which of these incidents may P see" (issue 13), without auditing: links between
 * objects, loaders, references named in other modules' inputs. One statement whether the ids are hidden
 * or unknown (neither answers sooner than the other); the in-memory rule checked again at no cost (it
 * agrees with the query form: test/access-matrix.test.ts). Malformed ids are simply not visible.
 */
export async function visibleAmong(h: Handle, principal: Principal, ids: readonly string[]): Promise<Map<string, IncidentRow>> {
  const found = await findVisibleIncidents(h, visibleIncidents(principal), [...new Set(ids.filter(isUuid))]);
  return new Map(found.filter((f) => canSeeIncident(principal, f.facts)).map((f) => [f.incident.id, f.incident]));
}

/** The incident if P may see it, else null (absent and invisible look the same): visibleAmong of one id. */
export async function visibleIncident(h: Handle, principal: Principal, id: string): Promise<IncidentRow | null> {
  return (await visibleAmong(h, principal, [id])).get(id) ?? null;
}
