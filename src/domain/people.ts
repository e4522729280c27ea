/** Who takes part (domain.md): the roles a user may hold and the kinds of partner organization. */

export const ROLES = ['VIEWER', 'ANALYST', 'COORDINATOR', 'ORG_ADMIN', 'AUDITOR', 'HUB_ADMIN'] as const;
export type Role = (typeof ROLES)[number];

export const PARTNER_KINDS = ['COUNTY', 'SECRETARY_OF_STATE', 'CAL_OES', 'CISA', 'FBI', 'CHP', 'EI_ISAC', 'CDT', 'OTHER'] as const;
export type PartnerKind = (typeof PARTNER_KINDS)[number];
