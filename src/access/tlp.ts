import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { Tlp } from '../domain/taxonomy.js';
import type { Principal } from './principal.js';

/**
 * The one TLP rule (access-policy.md, "Incidents", rules 1 and 2), shared by incidents, indicator reports
 * and sightings, in its two forms: `labelDenial` in memory and `labelFilter` as a query condition. What
 * differs between the three objects is only who their audience and named recipients are; the callers in
 * incidents.ts and indicators.ts say that, this file says what the label makes of it.
 */

/** Who looks: a user, or an organization's users who are not named recipients (routing targets). */
export interface Viewer {
  organizationId: string;
  isCoordinatorOrg: boolean;
  isLawEnforcementOrg: boolean;
  /** null: no particular user, so no named recipient. */
  userId: string | null;
}

/** What the label rule needs to know about a labelled object. */
export interface Labelled {
  tlp: Tlp;
  lawEnforcementSensitive: boolean;
  /** The reporting organization: always in the audience, and may always see its own LES objects. */
  organizationId: string;
  /** The other organizations of the AMBER audience (besides the reporting one and the coordinators). */
  inAudience(organizationId: string): boolean;
  /** The RED named recipients. */
  isRecipient(userId: string): boolean;
}

export type LabelDenial = 'LAW_ENFORCEMENT' | 'AUDIENCE' | 'RECIPIENT';

export function viewerOf(p: Principal): Viewer | null {
  if (p.kind !== 'user') return null;
  return { organizationId: p.organization.id, isCoordinatorOrg: p.isCoordinatorOrg, isLawEnforcementOrg: p.isLawEnforcementOrg, userId: p.userId };
}

/** Whether the viewer's organization is in the AMBER audience. */
export function isInLabelAudience(v: Viewer, o: Labelled): boolean {
  return v.isCoordinatorOrg || o.organizationId === v.organizationId || o.inAudience(v.organizationId);
}

/** Why the label keeps the viewer out (null: it lets them see): the LES rule first, then the TLP rule. */
export function labelDenial(v: Viewer, o: Labelled): LabelDenial | null {
  if (o.lawEnforcementSensitive && !v.isLawEnforcementOrg && o.organizationId !== v.organizationId) return 'LAW_ENFORCEMENT';
  switch (o.tlp) {
    case 'CLEAR':
    case 'GREEN':
      return null;
    case 'AMBER':
    case 'AMBER_STRICT':
      return isInLabelAudience(v, o) ? null : 'AUDIENCE';
    case 'RED':
      return v.userId !== null && o.isRecipient(v.userId) ? null : 'RECIPIENT';
  }
}

/** The in-memory form for a principal: the system principal manages structure and is shown no content. */
export function labelAllows(p: Principal, o: Labelled): boolean {
  const v = viewerOf(p);
  return v !== null && labelDenial(v, o) === null;
}

/** How a table holds its label, for the query form. */
export interface LabelColumns {
  /** `col('tlp')` and friends: a column of the labelled table, by name. */
  col(name: string): RawBuilder<unknown>;
  /** The column with the reporting organization. */
  ownerColumn: string;
  /** Whether the table has a law_enforcement_sensitive column (a sighting carries a TLP only). */
  hasLawEnforcementFlag: boolean;
  /** The other AMBER audience organizations as a condition on the viewer's organization; null: none. */
  audience(organizationId: string): RawBuilder<SqlBool> | null;
  /** The RED named recipients as a condition on the viewer. */
  recipient(userId: string): RawBuilder<SqlBool>;
}

/**
 * The query form: a WHERE condition that holds exactly for the rows `labelAllows` allows. Built per
 * principal, so constant parts (coordinator, law enforcement) fold away in JavaScript rather than in SQL.
 */
export function labelFilter(p: Principal, t: LabelColumns): RawBuilder<SqlBool> {
  if (p.kind !== 'user') return sql<SqlBool>`false`;
  const { col } = t;
  const org = p.organization.id;
  const own = sql<SqlBool>`${col(t.ownerColumn)} = ${org}::uuid`;
  const others = t.audience(org);
  const audience = p.isCoordinatorOrg ? sql<SqlBool>`true` : others ? sql<SqlBool>`(${own} or ${others})` : own;
  const tlp = sql<SqlBool>`(${col('tlp')} in ('CLEAR', 'GREEN')
      or (${col('tlp')} in ('AMBER', 'AMBER_STRICT') and ${audience})
      or (${col('tlp')} = 'RED' and ${t.recipient(p.userId)}))`;
  if (!t.hasLawEnforcementFlag || p.isLawEnforcementOrg) return tlp;
  return sql<SqlBool>`((not ${col('law_enforcement_sensitive')} or ${own}) and ${tlp})`;
}
