/** The incident taxonomy of domain.md: severities, statuses and their transitions, categories by domain, TLP. */

export const SEVERITIES = ['LOW', 'MODERATE', 'HIGH', 'CRITICAL'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const severityRank = (s: Severity): number => SEVERITIES.indexOf(s) + 1;

export const TLPS = ['CLEAR', 'GREEN', 'AMBER', 'AMBER_STRICT', 'RED'] as const;
export type Tlp = (typeof TLPS)[number];
/** Wider labels first: CLEAR (0) is the widest, RED (4) the narrowest. */
export const tlpNarrowness = (t: Tlp): number => TLPS.indexOf(t);

export const STATUSES = ['REPORTED', 'TRIAGED', 'INVESTIGATING', 'CONTAINED', 'RESOLVED', 'CLOSED', 'REJECTED', 'MERGED'] as const;
export type IncidentStatus = (typeof STATUSES)[number];
export const OPEN_STATUSES: ReadonlySet<IncidentStatus> = new Set(['REPORTED', 'TRIAGED', 'INVESTIGATING', 'CONTAINED']);
/** Statuses after which nothing is routed or paged any more. */
export const FINISHED_STATUSES: ReadonlySet<IncidentStatus> = new Set(['RESOLVED', 'CLOSED', 'REJECTED', 'MERGED']);

const FORWARD: Record<IncidentStatus, IncidentStatus[]> = {
  REPORTED: ['TRIAGED'],
  TRIAGED: ['INVESTIGATING'],
  INVESTIGATING: ['CONTAINED'],
  CONTAINED: ['RESOLVED'],
  RESOLVED: ['CLOSED', 'INVESTIGATING'],
  CLOSED: [],
  REJECTED: [],
  MERGED: [],
};

/** The statuses an incident may move to from `from` (MERGED only through mergeIncident). */
export function allowedTransitions(from: IncidentStatus): IncidentStatus[] {
  const next = [...FORWARD[from]];
  if (OPEN_STATUSES.has(from)) next.push('REJECTED', 'MERGED');
  return next;
}

export const DOMAINS = ['CYBER', 'PHYSICAL', 'INFORMATION', 'OTHER'] as const;
export type IncidentDomain = (typeof DOMAINS)[number];

export const CATEGORY_DOMAIN = {
  VOTER_REGISTRATION_INTRUSION: 'CYBER',
  ELECTION_NIGHT_REPORTING_DISRUPTION: 'CYBER',
  PHISHING: 'CYBER',
  RANSOMWARE: 'CYBER',
  ACCOUNT_COMPROMISE: 'CYBER',
  WEBSITE_SPOOFING: 'CYBER',
  EPOLLBOOK_DISRUPTION: 'CYBER',
  VOTING_SYSTEM_TAMPERING: 'CYBER',
  VENDOR_COMPROMISE: 'CYBER',
  MALWARE: 'CYBER',
  DENIAL_OF_SERVICE: 'CYBER',
  DATA_EXPOSURE: 'CYBER',
  INSIDER_THREAT: 'CYBER',
  THREAT_TO_ELECTION_WORKERS: 'PHYSICAL',
  DROP_BOX_TAMPERING: 'PHYSICAL',
  POLLING_PLACE_DISRUPTION: 'PHYSICAL',
  SUSPICIOUS_MAIL: 'PHYSICAL',
  CHAIN_OF_CUSTODY_BREACH: 'PHYSICAL',
  CONTINUITY_EVENT: 'PHYSICAL',
  MISINFORMATION: 'INFORMATION',
  IMPERSONATION_OF_OFFICIALS: 'INFORMATION',
  FOREIGN_INFLUENCE: 'INFORMATION',
  OTHER: 'OTHER',
} as const satisfies Record<string, IncidentDomain>;
export type IncidentCategory = keyof typeof CATEGORY_DOMAIN;
export const CATEGORIES = Object.keys(CATEGORY_DOMAIN) as IncidentCategory[];

/** What an incident's timeline records (incident_timeline.kind). */
export const TIMELINE_ENTRY_KINDS = [
  'FILED',
  'UPDATED',
  'COMMENT',
  'STATUS_CHANGED',
  'SEVERITY_CHANGED',
  'SHARED',
  'TLP_CHANGED',
  'LES_CHANGED',
  'ASSIGNED',
  'MERGED',
  'ESCALATION_ACKNOWLEDGED',
  'ESCALATED',
] as const;
export type TimelineEntryKind = (typeof TIMELINE_ENTRY_KINDS)[number];

export const AFFECTED_ASSETS = [
  'VOTER_REGISTRATION_SYSTEM',
  'EPOLLBOOK',
  'ELECTION_NIGHT_REPORTING',
  'VOTING_SYSTEM',
  'EMAIL',
  'PUBLIC_WEBSITE',
  'SOCIAL_MEDIA_ACCOUNT',
  'NETWORK',
  'BALLOT_DROP_BOX',
  'VOTE_CENTER',
  'ELECTIONS_OFFICE',
  'BALLOTS',
  'STAFF',
  'OTHER',
] as const;
export type AffectedAsset = (typeof AFFECTED_ASSETS)[number];

export const LIMITS = { title: 200, summary: 20_000, comment: 20_000, note: 20_000, externalReferences: 50, shareTargets: 200 } as const;
