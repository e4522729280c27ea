import { sql, type Expression, type SqlBool } from 'kysely';
import type { Tlp } from '../domain/taxonomy.js';
import { hasRole, type Principal } from './principal.js';
import { labelAllows, labelFilter, type Labelled } from './tlp.js';

/**
 * STIX objects the hub keeps as they came (issue 15): the objects it does not model (threat-actor,
 * malware, report, …). Each carries the TLP of its markings and belongs to the organization that
 * imported it: CLEAR/GREEN every partner; AMBER/AMBER_STRICT the importing organization and the
 * coordinators (the same audience as a sighting: nobody has widened it); RED the user who imported it.
 * Everything the hub models (indicators, sightings, incidents, notes, relationships) is exported under
 * those objects' own rules (incidents.ts, indicators.ts).
 */

export interface KeptObjectAccessFacts {
  tlp: Tlp;
  organizationId: string;
  reportedBy: string | null;
}

export function keptLabel(f: KeptObjectAccessFacts): Labelled {
  return {
    tlp: f.tlp,
    lawEnforcementSensitive: false,
    organizationId: f.organizationId,
    inAudience: () => false,
    isRecipient: (userId) => f.reportedBy === userId,
  };
}

export function canSeeKeptObject(p: Principal, f: KeptObjectAccessFacts): boolean {
  return labelAllows(p, keptLabel(f));
}

/** Query form of canSeeKeptObject over `stix_kept` aliased `alias`. */
export function visibleKeptObjects(p: Principal, alias = 'stix_kept') {
  return (): Expression<SqlBool> => {
    const col = (c: string) => sql.ref(`${alias}.${c}`);
    return labelFilter(p, {
      col,
      ownerColumn: 'organization_id',
      hasLawEnforcementFlag: false,
      audience: () => null,
      recipient: (userId) => sql<SqlBool>`${col('reported_by')} = ${userId}::uuid`,
    });
  };
}

/**
 * Importing a STIX bundle as an organization's records: an ANALYST of that organization (as for indicators),
 * or the operator at the shell for any organization (indicators and kept objects only: sightings, incidents,
 * notes and relationships need a reporting analyst).
 */
export function canImportStixFor(p: Principal, organizationId: string): boolean {
  return p.kind === 'system' || ((hasRole(p, 'ANALYST') || hasRole(p, 'COORDINATOR')) && p.organization.id === organizationId);
}

/** TAXII can_write on a collection: analysts (their posts become their organization's records). */
export function canWriteStix(p: Principal): boolean {
  return p.kind === 'user' && (hasRole(p, 'ANALYST') || hasRole(p, 'COORDINATOR'));
}

/** Deleting a kept object over TAXII: an analyst of the organization that imported it. */
export function canDeleteKeptObject(p: Principal, f: KeptObjectAccessFacts): boolean {
  return canWriteStix(p) && p.kind === 'user' && p.organization.id === f.organizationId && canSeeKeptObject(p, f);
}

/**
 * Exports meant for CISA's AIS (issue 15, item 6): never TLP:RED, and no personal data (named users,
 * e-mail addresses) beyond the submitting organization's identity.
 */
export const AIS_REFUSED_TLPS: readonly Tlp[] = ['RED'];
