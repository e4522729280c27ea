import type { PartnerKind } from '../../access/principal.js';
import { CALIFORNIA_COUNTIES } from './counties.data.js';

/** The task force's partner directory as seeded on every fresh hub (domain.md). */

export interface PartnerDefinition {
  slug: string;
  name: string;
  kind: PartnerKind;
  fips: string | null;
  duties: ReadonlyArray<{ name: string; description: string }>;
}

export function countySlug(countyName: string): string {
  return `county-${countyName.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')}`;
}

const COUNTY_DUTIES = [{ name: 'rov-oncall', description: "The registrar's on-call election official" }];

export const STATE_AND_FEDERAL_PARTNERS: readonly PartnerDefinition[] = [
  {
    slug: 'sos',
    name: 'California Secretary of State, Election Security Program',
    kind: 'SECRETARY_OF_STATE',
    fips: null,
    duties: [
      { name: 'security-duty', description: 'Election Security Program duty analyst, 24/7 in election season' },
      { name: 'security-lead', description: 'Program lead (second level)' },
      { name: 'misinformation-desk', description: 'Handles false-information reports' },
    ],
  },
  {
    slug: 'cal-oes',
    name: "California Governor's Office of Emergency Services (Cal OES, Cal-CSIC)",
    kind: 'CAL_OES',
    fips: null,
    duties: [
      { name: 'csic-watch', description: 'Cal-CSIC watch officer' },
      { name: 'warning-center', description: 'State Warning Center' },
    ],
  },
  {
    slug: 'cisa',
    name: 'DHS Cybersecurity and Infrastructure Security Agency (CISA)',
    kind: 'CISA',
    fips: null,
    duties: [{ name: 'election-advisor', description: 'Regional election security advisor' }],
  },
  {
    slug: 'fbi',
    name: 'Federal Bureau of Investigation, election crimes coordinators',
    kind: 'FBI',
    fips: null,
    duties: [{ name: 'election-crimes', description: 'Election crimes coordinator' }],
  },
  {
    slug: 'chp',
    name: 'California Highway Patrol',
    kind: 'CHP',
    fips: null,
    duties: [{ name: 'duty-officer', description: 'CHP emergency notification duty officer' }],
  },
  {
    slug: 'ei-isac',
    name: 'Elections Infrastructure ISAC',
    kind: 'EI_ISAC',
    fips: null,
    duties: [{ name: 'soc', description: 'Security operations center' }],
  },
  { slug: 'cdt', name: 'California Department of Technology', kind: 'CDT', fips: null, duties: [] },
];

export const SEEDED_PARTNERS: readonly PartnerDefinition[] = [
  ...CALIFORNIA_COUNTIES.map(
    (c): PartnerDefinition => ({
      slug: countySlug(c.name),
      name: `${c.name} County Elections`,
      kind: 'COUNTY',
      fips: c.fips,
      duties: COUNTY_DUTIES,
    }),
  ),
  ...STATE_AND_FEDERAL_PARTNERS,
];
