/* eslint-disable */
// Generated from schema.graphql by `npm run codegen`. Do not edit.
import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { OrganizationModel as OrganizationModelModel, DutyModel as DutyModelModel, UserModel as UserModelModel, ApiTokenModel as ApiTokenModelModel, IncidentModel as IncidentModelModel, IncidentConnectionModel as IncidentConnectionModelModel, TimelineEntryModel as TimelineEntryModelModel, TimelineConnectionModel as TimelineConnectionModelModel, IncidentAssigneeModel as IncidentAssigneeModelModel, AuditEntryModel as AuditEntryModelModel, RoutingRuleModel as RoutingRuleModelModel, EscalationModel as EscalationModelModel, NotificationModel as NotificationModelModel, DeliveryAttemptModel as DeliveryAttemptModelModel, RoutingTargetModel as RoutingTargetModelModel, IndicatorModel as IndicatorModelModel, IndicatorReportModel as IndicatorReportModelModel, SightingModel as SightingModelModel, IndicatorReportResultModel as IndicatorReportResultModelModel, IndicatorConnectionModel as IndicatorConnectionModelModel, ObservableMatchModel as ObservableMatchModelModel, AlertSubscriptionModel as AlertSubscriptionModelModel, AlertFilterModel as AlertFilterModelModel, AlertDeliveryModel as AlertDeliveryModelModel, AuditEntryConnectionModel as AuditEntryConnectionModelModel } from './models.js';
import type { UserPrincipal as UserPrincipalModel } from '../access/principal.js';
import type { ScheduleModel as ScheduleModelModel, OnCallModel as OnCallModelModel, OverrideRow as OverrideRowModel, ContactMethodRow as ContactMethodRowModel } from '../modules/oncall/index.js';
import type { IncidentCorrelationModel as IncidentCorrelationModelModel } from '../modules/indicators/index.js';
import type { IncidentEventModel as IncidentEventModelModel, IncidentEventPage as IncidentEventPageModel, IndicatorAlertModel as IndicatorAlertModelModel, IndicatorAlertPage as IndicatorAlertPageModel } from '../modules/alerts/index.js';
import type { GraphQLContext } from './context.js';
export type Maybe<T> = T | null;
export type InputMaybe<T> = T | null | undefined;
export type Omit<T, K extends keyof T> = Pick<T, Exclude<keyof T, K>>;
export type RequireFields<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** An RFC 3339 date-time with seconds and a zone (e.g. 2026-11-03T21:00:00-08:00), in the years 2000 to 2099; returned in UTC. */
  DateTime: { input: Date; output: Date; }
  /** Arbitrary JSON. */
  JSON: { input: unknown; output: unknown; }
};

export type AddContactMethodInput = {
  /** Whose method: your own e-mail, or a user you manage. */
  email: Scalars['String']['input'];
  kind: ContactMethodKind;
  /** An e-mail address (EMAIL), an http(s) URL (WEBHOOK) or an E.164 number (SMS). */
  target: Scalars['String']['input'];
};

export type AddScheduleOverrideInput = {
  duty: Scalars['String']['input'];
  from: Scalars['DateTime']['input'];
  organization: Scalars['String']['input'];
  to: Scalars['DateTime']['input'];
  /** E-mail of the user who takes over: an active user of the organization. */
  user: Scalars['String']['input'];
};

export type AddedContactMethod = {
  __typename?: 'AddedContactMethod';
  contactMethod: ContactMethod;
  /**
   * WEBHOOK only: the signing secret (`whsec_…`, Standard Webhooks), with which the hub signs every request
   * to this URL. Shown once: store it now in the receiver.
   */
  webhookSecret: Maybe<Scalars['String']['output']>;
};

export type AffectedAsset =
  | 'BALLOTS'
  | 'BALLOT_DROP_BOX'
  | 'ELECTIONS_OFFICE'
  | 'ELECTION_NIGHT_REPORTING'
  | 'EMAIL'
  | 'EPOLLBOOK'
  | 'NETWORK'
  | 'OTHER'
  | 'PUBLIC_WEBSITE'
  | 'SOCIAL_MEDIA_ACCOUNT'
  | 'STAFF'
  | 'VOTER_REGISTRATION_SYSTEM'
  | 'VOTE_CENTER'
  | 'VOTING_SYSTEM';

export type AlertChannel =
  | 'EMAIL'
  /** Signed per Standard Webhooks, like pages. */
  | 'WEBHOOK';

export type AlertDelivery = {
  __typename?: 'AlertDelivery';
  attempts: Array<DeliveryAttempt>;
  channel: AlertChannel;
  createdAt: Scalars['DateTime']['output'];
  deliveredAt: Maybe<Scalars['DateTime']['output']>;
  id: Scalars['ID']['output'];
  /** Incidents and indicators it carried (or would have). */
  items: Scalars['Int']['output'];
  kind: Scalars['String']['output'];
  status: NotificationStatus;
  statusReason: Maybe<Scalars['String']['output']>;
};

export type AlertFilter = {
  __typename?: 'AlertFilter';
  affectedCounties: Array<Organization>;
  categories: Array<IncidentCategory>;
  domains: Array<IncidentDomain>;
  exercise: Maybe<Scalars['Boolean']['output']>;
  includeIndicators: Scalars['Boolean']['output'];
  indicatorTypes: Array<IndicatorType>;
  severityAtLeast: Maybe<Severity>;
};

export type AlertFilterInput = {
  /** County slugs: incidents naming any of them. */
  affectedCounties?: InputMaybe<Array<Scalars['String']['input']>>;
  categories?: InputMaybe<Array<IncidentCategory>>;
  domains?: InputMaybe<Array<IncidentDomain>>;
  /** Exercise incidents only (true); absent or false: real incidents only. */
  exercise?: InputMaybe<Scalars['Boolean']['input']>;
  /** Indicator alerts of every type. */
  includeIndicators?: InputMaybe<Scalars['Boolean']['input']>;
  /** Indicator alerts of these types (implies includeIndicators). */
  indicatorTypes?: InputMaybe<Array<IndicatorType>>;
  severityAtLeast?: InputMaybe<Severity>;
};

export type AlertMode =
  /** Every day at 07:00 Pacific. */
  | 'DAILY_DIGEST'
  /** Every hour on the hour: what happened since the last digest (nothing: no message). */
  | 'HOURLY_DIGEST'
  /** One alert per event, as it happens. */
  | 'IMMEDIATE';

/** A saved subscription: what you (or your organization) want to hear about, how and how often. */
export type AlertSubscription = {
  __typename?: 'AlertSubscription';
  channels: Array<AlertChannel>;
  createdAt: Scalars['DateTime']['output'];
  /** The most recent deliveries. */
  deliveries: Array<AlertDelivery>;
  email: Maybe<Scalars['String']['output']>;
  filter: AlertFilter;
  id: Scalars['ID']['output'];
  lastDigestAt: Maybe<Scalars['DateTime']['output']>;
  mode: AlertMode;
  name: Scalars['String']['output'];
  organization: Organization;
  /** The user whose rights apply; null for an organization subscription (the organization's rights, never TLP:RED). */
  owner: Maybe<User>;
  paused: Scalars['Boolean']['output'];
  webhookUrl: Maybe<Scalars['String']['output']>;
};


/** A saved subscription: what you (or your organization) want to hear about, how and how often. */
export type AlertSubscriptionDeliveriesArgs = {
  first?: InputMaybe<Scalars['Int']['input']>;
};

export type ApiToken = {
  __typename?: 'ApiToken';
  createdAt: Scalars['DateTime']['output'];
  expiresAt: Maybe<Scalars['DateTime']['output']>;
  id: Scalars['ID']['output'];
  /** Who issued it when you did not: `operator (estf token issue)` for the hub operator's CLI (audited). Null: you did. */
  issuedBy: Maybe<Scalars['String']['output']>;
  lastUsedAt: Maybe<Scalars['DateTime']['output']>;
  name: Scalars['String']['output'];
  /** The first characters of the token, by which it is named. */
  prefix: Scalars['String']['output'];
  revokedAt: Maybe<Scalars['DateTime']['output']>;
};

/** The whole audit chain verified, as `estf audit verify` does: every keyed hash, against the signed checkpoints. */
export type AuditChainVerification = {
  __typename?: 'AuditChainVerification';
  /** The first entry that does not verify; null when ok or when only a checkpoint line is forged. */
  brokenAt: Maybe<Scalars['Int']['output']>;
  /** Signed checkpoints the chain was checked against. */
  checkpoints: Scalars['Int']['output'];
  /** Entries verified (before the break, when broken). */
  entries: Scalars['Int']['output'];
  /** True when every entry and every checkpoint line verifies. */
  ok: Scalars['Boolean']['output'];
  /** Why it does not verify; null when ok. */
  reason: Maybe<Scalars['String']['output']>;
  /** One line, as `estf audit verify` prints it: `ok 1234 entries` or `broken at entry 5: …`. */
  summary: Scalars['String']['output'];
};

/** One entry of the tamper-evident audit log. */
export type AuditEntry = {
  __typename?: 'AuditEntry';
  action: Scalars['String']['output'];
  actorEmail: Maybe<Scalars['String']['output']>;
  actorOrganization: Maybe<Scalars['String']['output']>;
  at: Scalars['DateTime']['output'];
  /** What changed; null when you may not see the object. */
  change: Maybe<Scalars['JSON']['output']>;
  clientAddress: Maybe<Scalars['String']['output']>;
  hash: Scalars['String']['output'];
  objectId: Maybe<Scalars['String']['output']>;
  objectType: Scalars['String']['output'];
  requestId: Maybe<Scalars['String']['output']>;
  /** Position in the hash chain. */
  seq: Scalars['Int']['output'];
  tokenPrefix: Maybe<Scalars['String']['output']>;
};

export type AuditEntryConnection = {
  __typename?: 'AuditEntryConnection';
  edges: Array<AuditEntryEdge>;
  pageInfo: PageInfo;
  totalCount: Scalars['Int']['output'];
};

export type AuditEntryEdge = {
  __typename?: 'AuditEntryEdge';
  cursor: Scalars['String']['output'];
  node: AuditEntry;
};

export type AuditLogFilter = {
  actions?: InputMaybe<Array<Scalars['String']['input']>>;
  actorEmail?: InputMaybe<Scalars['String']['input']>;
  objectId?: InputMaybe<Scalars['String']['input']>;
  objectType?: InputMaybe<Scalars['String']['input']>;
  since?: InputMaybe<Scalars['DateTime']['input']>;
  until?: InputMaybe<Scalars['DateTime']['input']>;
};

export type ContactMethod = {
  __typename?: 'ContactMethod';
  createdAt: Scalars['DateTime']['output'];
  /** Set when delivery stopped using the method for good (a webhook that answered 410 Gone). */
  disabledAt: Maybe<Scalars['DateTime']['output']>;
  disabledReason: Maybe<Scalars['String']['output']>;
  id: Scalars['ID']['output'];
  kind: ContactMethodKind;
  /** Set once the method has been removed. */
  removedAt: Maybe<Scalars['DateTime']['output']>;
  /** The e-mail address, webhook URL or E.164 number. */
  target: Scalars['String']['output'];
  user: User;
  /** When a test page (sendTestPage) last reached the person through this method; null until one does. */
  verifiedAt: Maybe<Scalars['DateTime']['output']>;
};

/** How a user is reached when paged. Every usable method of a paged user is used. */
export type ContactMethodKind =
  /** An e-mail address. */
  | 'EMAIL'
  /** A phone number in E.164 form, e.g. +19165550123. */
  | 'SMS'
  /** An http(s) URL receiving signed POSTs (Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature). */
  | 'WEBHOOK';

export type CreateAlertSubscriptionInput = {
  channels: Array<AlertChannel>;
  /** Default: your own address (user subscriptions). */
  email?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<AlertFilterInput>;
  mode: AlertMode;
  name: Scalars['String']['input'];
  /** An organization's slug, for an organization subscription (its ORG_ADMIN); absent: your own. */
  organization?: InputMaybe<Scalars['String']['input']>;
  webhookUrl?: InputMaybe<Scalars['String']['input']>;
};

export type CreateUserInput = {
  email: Scalars['String']['input'];
  name: Scalars['String']['input'];
  /** The organization's slug. */
  organization: Scalars['String']['input'];
  roles: Array<Role>;
};

export type CreatedAlertSubscription = {
  __typename?: 'CreatedAlertSubscription';
  subscription: AlertSubscription;
  /** The webhook signing secret (WEBHOOK channel): shown once. */
  webhookSecret: Maybe<Scalars['String']['output']>;
};

export type DeliveryAttempt = {
  __typename?: 'DeliveryAttempt';
  at: Scalars['DateTime']['output'];
  error: Maybe<Scalars['String']['output']>;
  httpStatus: Maybe<Scalars['Int']['output']>;
  latencyMs: Scalars['Int']['output'];
  outcome: DeliveryOutcome;
};

export type DeliveryOutcome =
  | 'DELIVERED'
  | 'GONE'
  | 'HTTP_ERROR'
  | 'NETWORK_ERROR'
  | 'REFUSED'
  | 'TIMEOUT';

/** A named on-call function of one organization, e.g. `security-duty`. */
export type Duty = {
  __typename?: 'Duty';
  description: Scalars['String']['output'];
  id: Scalars['ID']['output'];
  name: Scalars['String']['output'];
  organization: Organization;
};

/** The paging of one incident by one routing rule. */
export type Escalation = {
  __typename?: 'Escalation';
  acknowledgedAt: Maybe<Scalars['DateTime']['output']>;
  acknowledgedBy: Maybe<User>;
  createdAt: Scalars['DateTime']['output'];
  id: Scalars['ID']['output'];
  incident: Incident;
  /** 1-based level that is paged next (or was paged last when no longer active). */
  level: Scalars['Int']['output'];
  nextEscalationAt: Maybe<Scalars['DateTime']['output']>;
  notifications: Array<Notification>;
  rule: Scalars['String']['output'];
  state: EscalationState;
  /** Targets of this escalation's policy that may not see the incident now: never paged or informed. */
  suppressedTargets: Array<SuppressedRoutingTarget>;
};

export type EscalationLevel = {
  __typename?: 'EscalationLevel';
  /** Seconds until the next level (or the next repeat of the last level) is paged. */
  ackTimeoutSeconds: Scalars['Int']['output'];
  targets: Array<RoutingTarget>;
};

export type EscalationLevelInput = {
  ackTimeoutSeconds: Scalars['Int']['input'];
  targets: Array<RoutingTargetInput>;
};

export type EscalationState =
  | 'ACKNOWLEDGED'
  /** Paging: the next level is due at nextEscalationAt. */
  | 'ACTIVE'
  /** Every level was paged and nobody acknowledged. */
  | 'EXHAUSTED'
  /** The incident was resolved, closed, rejected or merged. */
  | 'RESOLVED';

/** A reference to the same incident elsewhere, e.g. an FBI case number or a CISA ticket. */
export type ExternalReference = {
  __typename?: 'ExternalReference';
  identifier: Scalars['String']['output'];
  source: Scalars['String']['output'];
  url: Maybe<Scalars['String']['output']>;
};

export type ExternalReferenceInput = {
  identifier: Scalars['String']['input'];
  /** Who holds the reference, e.g. FBI, CISA, EI-ISAC. */
  source: Scalars['String']['input'];
  url?: InputMaybe<Scalars['String']['input']>;
};

export type FileIncidentInput = {
  affectedAssets?: InputMaybe<Array<AffectedAsset>>;
  /** County slugs, e.g. ["county-orange"]. */
  affectedCounties?: InputMaybe<Array<Scalars['String']['input']>>;
  category: IncidentCategory;
  detectedAt?: InputMaybe<Scalars['DateTime']['input']>;
  exercise?: InputMaybe<Scalars['Boolean']['input']>;
  externalReferences?: InputMaybe<Array<ExternalReferenceInput>>;
  lawEnforcementSensitive?: InputMaybe<Scalars['Boolean']['input']>;
  occurredAt?: InputMaybe<Scalars['DateTime']['input']>;
  severity: Severity;
  /** Organization slugs to add to the audience. */
  shareWith?: InputMaybe<Array<Scalars['String']['input']>>;
  /** Also share with the organizations the matching routing rules page or notify that could not see it otherwise (see suppressedRoutingTargets). Not for TLP:RED. */
  shareWithRoutingTargets?: InputMaybe<Scalars['Boolean']['input']>;
  /** E-mails of named recipients (required for TLP:RED). */
  shareWithUsers?: InputMaybe<Array<Scalars['String']['input']>>;
  /** At most 20,000 characters. */
  summary: Scalars['String']['input'];
  /** At most 200 characters. */
  title: Scalars['String']['input'];
  tlp: Tlp;
};

/** A security incident filed with the task force. */
export type Incident = {
  __typename?: 'Incident';
  affectedAssets: Array<AffectedAsset>;
  affectedCounties: Array<Organization>;
  assignee: Maybe<IncidentAssignee>;
  category: IncidentCategory;
  /** Only the comments of the timeline. */
  comments: IncidentTimelineConnection;
  /** Set on a statewide incident the hub opened from cross-county correlation; null otherwise. */
  correlation: Maybe<IncidentCorrelation>;
  createdAt: Scalars['DateTime']['output'];
  detectedAt: Maybe<Scalars['DateTime']['output']>;
  domain: IncidentDomain;
  /** Incidents merged into this one that you may see. */
  duplicates: Array<Incident>;
  /** Escalations started by routing rules for this incident. */
  escalations: Array<Escalation>;
  /** Filed during a tabletop exercise or drill. */
  exercise: Scalars['Boolean']['output'];
  externalReferences: Array<ExternalReference>;
  id: Scalars['ID']['output'];
  /** Law-enforcement sensitive: only law-enforcement organizations and the reporting organization see it. */
  lawEnforcementSensitive: Scalars['Boolean']['output'];
  /** The incident this one duplicates, when merged (null when you may not see it). */
  mergedInto: Maybe<Incident>;
  occurredAt: Maybe<Scalars['DateTime']['output']>;
  /** TLP:RED named recipients (besides the reporting user). */
  recipients: Array<User>;
  /** Human-friendly and never reused, e.g. ESTF-2026-00042. */
  reference: Scalars['String']['output'];
  reportedAt: Scalars['DateTime']['output'];
  reportingOrganization: Organization;
  reportingUser: User;
  severity: Severity;
  /** Organizations it was explicitly shared with. */
  sharedWith: Array<Organization>;
  status: IncidentStatus;
  summary: Scalars['String']['output'];
  /** Targets of the routing rules matching the incident now that may not see it: their pages and notifications are suppressed. Share with them (shareIncident routingTargets: true) if they should know. */
  suppressedRoutingTargets: Array<SuppressedRoutingTarget>;
  /** Everything that happened to the incident, oldest first. */
  timeline: IncidentTimelineConnection;
  title: Scalars['String']['output'];
  tlp: Tlp;
  updatedAt: Scalars['DateTime']['output'];
  /** Increases with every change; pass it to updateIncident as expectedVersion. */
  version: Scalars['Int']['output'];
};


/** A security incident filed with the task force. */
export type IncidentCommentsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


/** A security incident filed with the task force. */
export type IncidentTimelineArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};

export type IncidentAssignee = {
  __typename?: 'IncidentAssignee';
  organization: Organization;
  user: Maybe<User>;
};

export type IncidentCategory =
  | 'ACCOUNT_COMPROMISE'
  | 'CHAIN_OF_CUSTODY_BREACH'
  | 'CONTINUITY_EVENT'
  | 'DATA_EXPOSURE'
  | 'DENIAL_OF_SERVICE'
  | 'DROP_BOX_TAMPERING'
  | 'ELECTION_NIGHT_REPORTING_DISRUPTION'
  | 'EPOLLBOOK_DISRUPTION'
  | 'FOREIGN_INFLUENCE'
  | 'IMPERSONATION_OF_OFFICIALS'
  | 'INSIDER_THREAT'
  | 'MALWARE'
  | 'MISINFORMATION'
  | 'OTHER'
  | 'PHISHING'
  | 'POLLING_PLACE_DISRUPTION'
  | 'RANSOMWARE'
  | 'SUSPICIOUS_MAIL'
  | 'THREAT_TO_ELECTION_WORKERS'
  | 'VENDOR_COMPROMISE'
  | 'VOTER_REGISTRATION_INTRUSION'
  | 'VOTING_SYSTEM_TAMPERING'
  | 'WEBSITE_SPOOFING';

export type IncidentConnection = {
  __typename?: 'IncidentConnection';
  edges: Array<IncidentEdge>;
  pageInfo: PageInfo;
  /** Visible incidents matching the filter. */
  totalCount: Scalars['Int']['output'];
};

/**
 * How a statewide incident came to be: the hub opened it because several counties reported or sighted one
 * indicator within the correlation window. What it links to is filtered by your rights when you read it.
 */
export type IncidentCorrelation = {
  __typename?: 'IncidentCorrelation';
  /** The contributing counties you may know of: every one for coordinators, only your own for a county. */
  counties: Array<Organization>;
  /** How many counties reported or sighted it. */
  countyCount: Scalars['Int']['output'];
  /** County incidents linked to the indicator through reports you may see, and that you may see. */
  countyIncidents: Array<Incident>;
  /** The indicator; null when none of its reports or sightings is visible to you. */
  indicator: Maybe<Indicator>;
};

export type IncidentDomain =
  | 'CYBER'
  | 'INFORMATION'
  | 'OTHER'
  | 'PHYSICAL';

export type IncidentEdge = {
  __typename?: 'IncidentEdge';
  cursor: Scalars['String']['output'];
  node: Incident;
};

/**
 * One entry of the hub's event log about an incident you may see. Live events and `events(after:)` carry
 * the same entries with the same cursors.
 */
export type IncidentEvent = {
  __typename?: 'IncidentEvent';
  /** When the change was made. */
  at: Scalars['DateTime']['output'];
  /**
   * What changed, where the kind has something to say: {from, to} for STATUS_CHANGED, SEVERITY_CHANGED,
   * TLP_CHANGED and LES_CHANGED; {fields} for UPDATED; {rules, manual} for ESCALATED; {rule, via} for
   * ACKNOWLEDGED; null otherwise.
   */
  change: Maybe<Scalars['JSON']['output']>;
  /**
   * The event's position in the log: a later event has a larger cursor. Keep the last one you processed and
   * pass it to `events(after:)` after a disconnection to receive exactly what you missed.
   */
  cursor: Scalars['String']['output'];
  /** The incident as it is now, as you may see it (not as it was when the event happened). */
  incident: Incident;
  kind: IncidentEventKind;
};

export type IncidentEventConnection = {
  __typename?: 'IncidentEventConnection';
  edges: Array<IncidentEventEdge>;
  pageInfo: PageInfo;
  /** Visible events matching the filter after the cursor. */
  totalCount: Scalars['Int']['output'];
};

export type IncidentEventEdge = {
  __typename?: 'IncidentEventEdge';
  cursor: Scalars['String']['output'];
  node: IncidentEvent;
};

/**
 * Which incident events to receive. Conditions apply to the incident as it is when the event is delivered
 * (or listed); absent fields do not filter.
 */
export type IncidentEventFilter = {
  /** A county's slug, e.g. county-orange. */
  affectedCounty?: InputMaybe<Scalars['String']['input']>;
  categories?: InputMaybe<Array<IncidentCategory>>;
  domains?: InputMaybe<Array<IncidentDomain>>;
  /** Events of exercise incidents are left out unless this is true (then only they are sent). */
  exercise?: InputMaybe<Scalars['Boolean']['input']>;
  /** Only the events of one incident. */
  incident?: InputMaybe<Scalars['ID']['input']>;
  kinds?: InputMaybe<Array<IncidentEventKind>>;
  /** An organization's slug. */
  reportingOrganization?: InputMaybe<Scalars['String']['input']>;
  severityAtLeast?: InputMaybe<Severity>;
  statuses?: InputMaybe<Array<IncidentStatus>>;
  tlp?: InputMaybe<Array<Tlp>>;
};

/** What happened to an incident. */
export type IncidentEventKind =
  /** Someone acknowledged a page (change.rule, change.via). */
  | 'ACKNOWLEDGED'
  | 'ASSIGNED'
  | 'COMMENTED'
  /** Paging started (a routing rule matched) or was pushed to the next level by hand (change.rules, change.manual). */
  | 'ESCALATED'
  | 'FILED'
  | 'LES_CHANGED'
  | 'SEVERITY_CHANGED'
  /** Its audience was widened. */
  | 'SHARED'
  /** Moved along its life cycle, merged included (change.from, change.to). */
  | 'STATUS_CHANGED'
  | 'TLP_CHANGED'
  /** Fields of the incident were edited (change.fields names them). */
  | 'UPDATED';

export type IncidentFilter = {
  /** A county's slug, e.g. county-orange. */
  affectedCounty?: InputMaybe<Scalars['String']['input']>;
  categories?: InputMaybe<Array<IncidentCategory>>;
  domains?: InputMaybe<Array<IncidentDomain>>;
  /** Exercise incidents are left out unless this is true (then only they are listed). */
  exercise?: InputMaybe<Scalars['Boolean']['input']>;
  occurredAfter?: InputMaybe<Scalars['DateTime']['input']>;
  occurredBefore?: InputMaybe<Scalars['DateTime']['input']>;
  /** An organization's slug. */
  reportingOrganization?: InputMaybe<Scalars['String']['input']>;
  severityAtLeast?: InputMaybe<Severity>;
  statuses?: InputMaybe<Array<IncidentStatus>>;
  /** Full-text search over title and summary. */
  text?: InputMaybe<Scalars['String']['input']>;
  tlp?: InputMaybe<Array<Tlp>>;
  updatedSince?: InputMaybe<Scalars['DateTime']['input']>;
};

export type IncidentOrder = {
  direction: OrderDirection;
  field: IncidentOrderField;
};

export type IncidentOrderField =
  | 'OCCURRED_AT'
  | 'REPORTED_AT'
  | 'SEVERITY'
  | 'UPDATED_AT';

/** Where an incident is in its life (domain.md): REPORTED → TRIAGED → INVESTIGATING → CONTAINED → RESOLVED → CLOSED; any open status → REJECTED or MERGED; RESOLVED → INVESTIGATING (reopened). */
export type IncidentStatus =
  | 'CLOSED'
  | 'CONTAINED'
  | 'INVESTIGATING'
  | 'MERGED'
  | 'REJECTED'
  | 'REPORTED'
  | 'RESOLVED'
  | 'TRIAGED';

export type IncidentTimelineConnection = {
  __typename?: 'IncidentTimelineConnection';
  edges: Array<IncidentTimelineEdge>;
  pageInfo: PageInfo;
  totalCount: Scalars['Int']['output'];
};

export type IncidentTimelineEdge = {
  __typename?: 'IncidentTimelineEdge';
  cursor: Scalars['String']['output'];
  node: IncidentTimelineEntry;
};

export type IncidentTimelineEntry = {
  __typename?: 'IncidentTimelineEntry';
  actor: Maybe<User>;
  actorOrganization: Maybe<Organization>;
  at: Scalars['DateTime']['output'];
  /** The comment's body (COMMENT) or the note given with a transition. */
  body: Maybe<Scalars['String']['output']>;
  /** What changed, e.g. {"from":"REPORTED","to":"TRIAGED"}; only what you may see. */
  change: Maybe<Scalars['JSON']['output']>;
  id: Scalars['ID']['output'];
  kind: TimelineEntryKind;
};

/** An observable value, e.g. a phishing domain. What is shown of it is built only from what you may see. */
export type Indicator = {
  __typename?: 'Indicator';
  /** On a warning list (private range, the state's own domain, a well-known benign domain): never correlated. */
  benign: Scalars['Boolean']['output'];
  benignReason: Maybe<Scalars['String']['output']>;
  /** From the reports and sightings you may see. */
  firstSeen: Maybe<Scalars['DateTime']['output']>;
  id: Scalars['ID']['output'];
  lastSeen: Maybe<Scalars['DateTime']['output']>;
  /** Incidents linked through reports you may see, or correlated from it, that you may see. */
  linkedIncidents: Array<Incident>;
  /** Reports you may see. */
  reports: Array<IndicatorReport>;
  /** All sightings, as a number: counts reveal no organization. */
  sightingCount: Scalars['Int']['output'];
  /** How many organizations sighted it, as a number. */
  sightingOrganizationCount: Scalars['Int']['output'];
  /** Sightings you may see (at most 500, newest first). */
  sightings: Array<Sighting>;
  type: IndicatorType;
  /** The canonical form (lower-case domain, RFC 5952 IPv6, refanged URL, …). */
  value: Scalars['String']['output'];
};


/** An observable value, e.g. a phishing domain. What is shown of it is built only from what you may see. */
export type IndicatorSightingCountArgs = {
  since?: InputMaybe<Scalars['DateTime']['input']>;
};


/** An observable value, e.g. a phishing domain. What is shown of it is built only from what you may see. */
export type IndicatorSightingOrganizationCountArgs = {
  since?: InputMaybe<Scalars['DateTime']['input']>;
};


/** An observable value, e.g. a phishing domain. What is shown of it is built only from what you may see. */
export type IndicatorSightingsArgs = {
  since?: InputMaybe<Scalars['DateTime']['input']>;
};

/**
 * A report, sighting or correlation of an indicator, shown only when you may see what it is about: the
 * report itself, the sighting itself, or the statewide incident and the indicator. Live alerts and
 * `indicatorAlerts(after:)` carry the same alerts with the same cursors.
 */
export type IndicatorAlert = {
  __typename?: 'IndicatorAlert';
  /** When it was reported, sighted (recorded in the hub: see `sighting.seenAt`) or correlated. */
  at: Scalars['DateTime']['output'];
  /**
   * The alert's position in the hub's event log: a later alert has a larger cursor (a decimal number). Keep
   * the last one you processed and pass it to `indicatorAlerts(after:)` after a disconnection.
   */
  cursor: Scalars['String']['output'];
  /** CORRELATED: the statewide incident the hub opened or widened, as it is now. Null for the other kinds. */
  incident: Maybe<Incident>;
  /** The indicator as it is now, as you may see it. */
  indicator: Indicator;
  kind: IndicatorAlertKind;
  /** REPORTED: the organization's report, as it is now. Null for the other kinds. */
  report: Maybe<IndicatorReport>;
  /** SIGHTED: the sighting. Null for the other kinds. */
  sighting: Maybe<Sighting>;
};

export type IndicatorAlertConnection = {
  __typename?: 'IndicatorAlertConnection';
  edges: Array<IndicatorAlertEdge>;
  pageInfo: PageInfo;
  /** Visible alerts matching the filter after the cursor. */
  totalCount: Scalars['Int']['output'];
};

export type IndicatorAlertEdge = {
  __typename?: 'IndicatorAlertEdge';
  cursor: Scalars['String']['output'];
  node: IndicatorAlert;
};

/**
 * Which indicator alerts to receive. Conditions apply to the indicator, its reports and links as they are
 * when the alert is delivered (or listed), and count only what you may see; absent fields do not filter.
 */
export type IndicatorAlertFilter = {
  /** 0–100. REPORTED: the report's confidence; SIGHTED, CORRELATED: the highest of the indicator's reports you may see. */
  confidenceAtLeast?: InputMaybe<Scalars['Int']['input']>;
  /** Include values on a warning list (default false). */
  includeBenign?: InputMaybe<Scalars['Boolean']['input']>;
  kinds?: InputMaybe<Array<IndicatorAlertKind>>;
  /** Only indicators linked to this incident, by reports you may see or a correlation; an incident you may not see matches nothing. */
  linkedIncident?: InputMaybe<Scalars['ID']['input']>;
  /** true: only indicators linked to an incident you may see (by reports you may see, or a correlation); false: only the others. */
  linkedToIncident?: InputMaybe<Scalars['Boolean']['input']>;
  /** Reported or sighted by this organization (slug); CORRELATED alerts are left out. */
  organization?: InputMaybe<Scalars['String']['input']>;
  /** The label of what the alert is about: the report (REPORTED), the sighting (SIGHTED), the incident (CORRELATED). */
  tlp?: InputMaybe<Array<Tlp>>;
  types?: InputMaybe<Array<IndicatorType>>;
};

/** What happened to an indicator. */
export type IndicatorAlertKind =
  /** Reports and sightings from enough counties made the hub open a statewide incident for it, or widen it. */
  | 'CORRELATED'
  /** An organization reported the indicator (its first report, or its report again). */
  | 'REPORTED'
  /** An organization sighted it. */
  | 'SIGHTED';

export type IndicatorConnection = {
  __typename?: 'IndicatorConnection';
  edges: Array<IndicatorEdge>;
  pageInfo: PageInfo;
  totalCount: Scalars['Int']['output'];
};

export type IndicatorEdge = {
  __typename?: 'IndicatorEdge';
  cursor: Scalars['String']['output'];
  node: Indicator;
};

export type IndicatorFilter = {
  /** Include warning-list values (default false). */
  includeBenign?: InputMaybe<Scalars['Boolean']['input']>;
  /** Linked to this incident by reports you may see. */
  linkedIncident?: InputMaybe<Scalars['ID']['input']>;
  /** Reported by this organization (slug), in reports you may see. */
  reportedBy?: InputMaybe<Scalars['String']['input']>;
  /** Seen or reported since. */
  seenSince?: InputMaybe<Scalars['DateTime']['input']>;
  /** Part of the value. */
  text?: InputMaybe<Scalars['String']['input']>;
  types?: InputMaybe<Array<IndicatorType>>;
};

/** One organization's report of an indicator, under its own TLP and audience. */
export type IndicatorReport = {
  __typename?: 'IndicatorReport';
  confidence: Scalars['Int']['output'];
  createdAt: Scalars['DateTime']['output'];
  description: Maybe<Scalars['String']['output']>;
  id: Scalars['ID']['output'];
  /** Null when none, or when you may not see it. */
  incident: Maybe<Incident>;
  lawEnforcementSensitive: Scalars['Boolean']['output'];
  organization: Organization;
  reportedBy: Maybe<User>;
  tlp: Tlp;
  updatedAt: Scalars['DateTime']['output'];
  validFrom: Scalars['DateTime']['output'];
  validUntil: Maybe<Scalars['DateTime']['output']>;
};

export type IndicatorReportInput = {
  /** 0–100, default 50. */
  confidence?: InputMaybe<Scalars['Int']['input']>;
  description?: InputMaybe<Scalars['String']['input']>;
  incidentId?: InputMaybe<Scalars['ID']['input']>;
  lawEnforcementSensitive?: InputMaybe<Scalars['Boolean']['input']>;
  shareWith?: InputMaybe<Array<Scalars['String']['input']>>;
  shareWithUsers?: InputMaybe<Array<Scalars['String']['input']>>;
  tlp: Tlp;
  /** Detected from the value when absent. */
  type?: InputMaybe<IndicatorType>;
  validFrom?: InputMaybe<Scalars['DateTime']['input']>;
  /** Reports past validUntil are not matched unless asked for. */
  validUntil?: InputMaybe<Scalars['DateTime']['input']>;
  /** Raw value; defanged forms (hxxp://, [.]) are accepted. */
  value: Scalars['String']['input'];
};

/** The outcome of one item of reportIndicators. */
export type IndicatorReportResult = {
  __typename?: 'IndicatorReportResult';
  /** The value was new to you: no report or sighting of it that you may see existed before (reports you may not see do not count). */
  created: Scalars['Boolean']['output'];
  error: Maybe<Scalars['String']['output']>;
  field: Maybe<Scalars['String']['output']>;
  /** Position in the input list. */
  index: Scalars['Int']['output'];
  indicator: Maybe<Indicator>;
  ok: Scalars['Boolean']['output'];
};

export type IndicatorType =
  /** An IPv4 or IPv6 network, stored as its network address. */
  | 'CIDR'
  | 'DOMAIN'
  | 'EMAIL'
  | 'IPV4'
  | 'IPV6'
  | 'MD5'
  /** E.164, e.g. +19165550100. */
  | 'PHONE'
  | 'SHA1'
  | 'SHA256'
  /** platform:handle, e.g. x:fake_sos_ca. */
  | 'SOCIAL_ACCOUNT'
  | 'URL';

export type InvalidObservable = {
  __typename?: 'InvalidObservable';
  index: Scalars['Int']['output'];
  input: Scalars['String']['output'];
  reason: Scalars['String']['output'];
};

export type IssueApiTokenInput = {
  /** Whose token: your own e-mail. */
  email: Scalars['String']['input'];
  /** A lifetime such as `90d`, `12h`, `2w`; absent for a token that does not expire. */
  expiresIn?: InputMaybe<Scalars['String']['input']>;
  /** A label, e.g. `siem-integration`. */
  name?: InputMaybe<Scalars['String']['input']>;
};

export type IssuedApiToken = {
  __typename?: 'IssuedApiToken';
  apiToken: ApiToken;
  /** The token itself: shown once, store it now. */
  token: Scalars['String']['output'];
};

export type LinkIndicatorInput = {
  incidentId: Scalars['ID']['input'];
  type: IndicatorType;
  value: Scalars['String']['input'];
};

/** Which rule matched an observable to an indicator. */
export type MatchKind =
  /** An address inside a reported network. */
  | 'CIDR'
  /** An e-mail address whose domain is, or is below, a reported domain. */
  | 'EMAIL_DOMAIN'
  /** The same type and canonical value. */
  | 'EXACT'
  /** An address or host name written with a port (45.33.17.9:443, [2001:db8::1]:443, evil.example:443) that is reported. */
  | 'HOST_PORT'
  /** A host below a reported domain, up to its registrable domain (public suffix list): login.evil.example matches evil.example; other.co.uk never matches co.uk. */
  | 'SUBDOMAIN'
  /** A URL whose host is a reported domain or address. */
  | 'URL_HOST';

export type MatchResult = {
  __typename?: 'MatchResult';
  invalid: Array<InvalidObservable>;
  matches: Array<ObservableMatch>;
};

export type Mutation = {
  __typename?: 'Mutation';
  /** Stops an escalation: a paged user, or an analyst of a targeted organization. */
  acknowledgeEscalation: Escalation;
  /** Adds a contact method for yourself or a user you manage; a webhook's signing secret is returned here once. */
  addContactMethod: AddedContactMethod;
  addIncidentComment: IncidentTimelineEntry;
  /** Puts someone on call for a duty for a while, over the rotation. ORG_ADMIN of the organization, or a COORDINATOR. */
  addScheduleOverride: ScheduleOverride;
  /** Assigns an incident to an organization and optionally one of its users (coordinators). */
  assignIncident: Incident;
  createAlertSubscription: CreatedAlertSubscription;
  createRoutingRule: RoutingRule;
  /** Adds a user to an organization (ORG_ADMIN of that organization, or HUB_ADMIN). */
  createUser: User;
  /** Deactivates a user: their tokens stop working at once. */
  deactivateUser: User;
  deleteAlertSubscription: Scalars['Boolean']['output'];
  deleteRoutingRule: Scalars['Boolean']['output'];
  /** Pages the next level of every open escalation of the incident now. */
  escalateIncident: Array<Escalation>;
  /** Files an incident (ANALYST). */
  fileIncident: Incident;
  /** Imports a STIX 2.1 bundle (JSON text) as your organization's records (ANALYST); every object gets a result. */
  importStixBundle: StixImportResult;
  /** Issues an API token for yourself; the token is returned here once and never again. Nobody mints a token for someone else (an admin may revoke). */
  issueApiToken: IssuedApiToken;
  /** Links your organization's report of the indicator to an incident you may see. */
  linkIndicatorToIncident: IndicatorReport;
  /** Marks an incident as a duplicate of another (coordinators); both link to each other. */
  mergeIncident: Incident;
  pauseAlertSubscription: AlertSubscription;
  /** Reactivates a deactivated user: their tokens that are neither revoked nor expired work again (ORG_ADMIN of their organization, or HUB_ADMIN). */
  reactivateUser: User;
  /** Removes a contact method: pages stop using it at once. */
  removeContactMethod: ContactMethod;
  /** Removes an override; the rotation (or an earlier override) applies again. */
  removeScheduleOverride: ScheduleOverride;
  /** Reports up to 10,000 indicators: a result per item; invalid items are reported and the valid ones stored. */
  reportIndicators: Array<IndicatorReportResult>;
  reportSighting: Sighting;
  resumeAlertSubscription: AlertSubscription;
  /** Revokes a token by its prefix (e.g. `estf_AbCd1234`). */
  revokeApiToken: ApiToken;
  revokeIndicatorReport: IndicatorReport;
  /**
   * Sends a test message through a contact method (its user, their organization's ORG_ADMIN or a hub
   * admin). Delivered: verifiedAt is set (and a method disabled by a 410 is enabled again). Failed:
   * verifiedAt is cleared (a 410 disables it). The routing preflight counts only methods that reached
   * someone in the last 90 days.
   */
  sendTestPage: TestPageResult;
  /** Sets the AIS consent label of an organization's STIX identity (its ORG_ADMIN, or a HUB_ADMIN). */
  setAisConsent: Scalars['Boolean']['output'];
  setIncidentLawEnforcementSensitive: Incident;
  /**
   * Changes the TLP label: wider only by the reporting organization, narrower also by coordinators.
   * Narrowing to RED needs named recipients: pass their e-mails in `recipients` unless it already has some.
   */
  setIncidentTlp: Incident;
  /**
   * Creates a duty's schedule or replaces its rotation; overrides are kept. ORG_ADMIN of the duty's
   * organization, or a COORDINATOR.
   */
  setSchedule: Schedule;
  /** Replaces a user's roles (ORG_ADMIN of their organization, or HUB_ADMIN; granting or removing HUB_ADMIN or AUDITOR: HUB_ADMIN only). */
  setUserRoles: User;
  /** Widens the audience: organizations (AMBER, AMBER_STRICT) or named users (RED); `routingTargets: true` adds the organizations of its shareable suppressedRoutingTargets. */
  shareIncident: Incident;
  /** Moves an incident along its life cycle; TRIAGED and REJECTED by coordinators, the rest by the reporting organization or coordinators. */
  transitionIncident: Incident;
  /** Changes a subscription (its owner, or an ORG_ADMIN of its organization); absent fields stay as they are. */
  updateAlertSubscription: UpdatedAlertSubscription;
  /** Edits an incident: its reporting organization's analysts; coordinators may change severity. CONFLICT when expectedVersion is stale. */
  updateIncident: Incident;
  /** Replaces a rule (coordinators). Running escalations keep the policy they started with. */
  updateRoutingRule: RoutingRule;
};


export type MutationAcknowledgeEscalationArgs = {
  id: Scalars['ID']['input'];
};


export type MutationAddContactMethodArgs = {
  input: AddContactMethodInput;
};


export type MutationAddIncidentCommentArgs = {
  body: Scalars['String']['input'];
  id: Scalars['ID']['input'];
};


export type MutationAddScheduleOverrideArgs = {
  input: AddScheduleOverrideInput;
};


export type MutationAssignIncidentArgs = {
  id: Scalars['ID']['input'];
  organization: Scalars['String']['input'];
  user?: InputMaybe<Scalars['String']['input']>;
};


export type MutationCreateAlertSubscriptionArgs = {
  input: CreateAlertSubscriptionInput;
};


export type MutationCreateRoutingRuleArgs = {
  input: RoutingRuleInput;
};


export type MutationCreateUserArgs = {
  input: CreateUserInput;
};


export type MutationDeactivateUserArgs = {
  email: Scalars['String']['input'];
};


export type MutationDeleteAlertSubscriptionArgs = {
  id: Scalars['ID']['input'];
};


export type MutationDeleteRoutingRuleArgs = {
  name: Scalars['String']['input'];
};


export type MutationEscalateIncidentArgs = {
  id: Scalars['ID']['input'];
  note?: InputMaybe<Scalars['String']['input']>;
};


export type MutationFileIncidentArgs = {
  input: FileIncidentInput;
};


export type MutationImportStixBundleArgs = {
  bundle: Scalars['String']['input'];
};


export type MutationIssueApiTokenArgs = {
  input: IssueApiTokenInput;
};


export type MutationLinkIndicatorToIncidentArgs = {
  input: LinkIndicatorInput;
};


export type MutationMergeIncidentArgs = {
  id: Scalars['ID']['input'];
  intoId: Scalars['ID']['input'];
};


export type MutationPauseAlertSubscriptionArgs = {
  id: Scalars['ID']['input'];
};


export type MutationReactivateUserArgs = {
  email: Scalars['String']['input'];
};


export type MutationRemoveContactMethodArgs = {
  id: Scalars['ID']['input'];
};


export type MutationRemoveScheduleOverrideArgs = {
  id: Scalars['ID']['input'];
};


export type MutationReportIndicatorsArgs = {
  input: Array<IndicatorReportInput>;
};


export type MutationReportSightingArgs = {
  input: ReportSightingInput;
};


export type MutationResumeAlertSubscriptionArgs = {
  id: Scalars['ID']['input'];
};


export type MutationRevokeApiTokenArgs = {
  prefix: Scalars['String']['input'];
};


export type MutationRevokeIndicatorReportArgs = {
  id: Scalars['ID']['input'];
};


export type MutationSendTestPageArgs = {
  id: Scalars['ID']['input'];
};


export type MutationSetAisConsentArgs = {
  consent: Scalars['String']['input'];
  organization: Scalars['String']['input'];
};


export type MutationSetIncidentLawEnforcementSensitiveArgs = {
  id: Scalars['ID']['input'];
  value: Scalars['Boolean']['input'];
};


export type MutationSetIncidentTlpArgs = {
  id: Scalars['ID']['input'];
  recipients?: InputMaybe<Array<Scalars['String']['input']>>;
  tlp: Tlp;
};


export type MutationSetScheduleArgs = {
  input: SetScheduleInput;
};


export type MutationSetUserRolesArgs = {
  email: Scalars['String']['input'];
  roles: Array<Role>;
};


export type MutationShareIncidentArgs = {
  id: Scalars['ID']['input'];
  organizations?: InputMaybe<Array<Scalars['String']['input']>>;
  routingTargets?: InputMaybe<Scalars['Boolean']['input']>;
  users?: InputMaybe<Array<Scalars['String']['input']>>;
};


export type MutationTransitionIncidentArgs = {
  id: Scalars['ID']['input'];
  note?: InputMaybe<Scalars['String']['input']>;
  to: IncidentStatus;
};


export type MutationUpdateAlertSubscriptionArgs = {
  id: Scalars['ID']['input'];
  input: UpdateAlertSubscriptionInput;
};


export type MutationUpdateIncidentArgs = {
  expectedVersion: Scalars['Int']['input'];
  id: Scalars['ID']['input'];
  input: UpdateIncidentInput;
};


export type MutationUpdateRoutingRuleArgs = {
  expectedVersion: Scalars['Int']['input'];
  input: RoutingRuleInput;
};

export type Notification = {
  __typename?: 'Notification';
  attempts: Array<DeliveryAttempt>;
  channel: ContactMethodKind;
  createdAt: Scalars['DateTime']['output'];
  deliveredAt: Maybe<Scalars['DateTime']['output']>;
  id: Scalars['ID']['output'];
  kind: NotificationKind;
  /** 1-based level of a page; null for a notify. */
  level: Maybe<Scalars['Int']['output']>;
  loop: Scalars['Int']['output'];
  recipient: User;
  status: NotificationStatus;
  statusReason: Maybe<Scalars['String']['output']>;
};

export type NotificationKind =
  | 'NOTIFY'
  | 'PAGE';

export type NotificationStatus =
  | 'CANCELLED'
  | 'DELIVERED'
  | 'FAILED'
  | 'PENDING'
  /** Not sent: the recipient may not see the incident. */
  | 'SUPPRESSED';

export type NotifyTarget = {
  __typename?: 'NotifyTarget';
  /** Only for incidents of these categories (empty: always). */
  categories: Array<IncidentCategory>;
  target: RoutingTarget;
};

export type NotifyTargetInput = {
  categories?: InputMaybe<Array<IncidentCategory>>;
  target: RoutingTargetInput;
};

export type ObservableMatch = {
  __typename?: 'ObservableMatch';
  /** Position of the value in the input list. */
  index: Scalars['Int']['output'];
  indicator: Indicator;
  input: Scalars['String']['output'];
  type: IndicatorType;
  /** The canonical form of the input (for an address or host with a port, the address or host). */
  value: Scalars['String']['output'];
  via: MatchKind;
};

/** Who is on call for a duty at an instant. */
export type OnCallAnswer = {
  __typename?: 'OnCallAnswer';
  /** The instant asked about. */
  at: Scalars['DateTime']['output'];
  /** The override that put them on call (source OVERRIDE). */
  override: Maybe<ScheduleOverride>;
  schedule: Schedule;
  /** When it ends, by the same rules (an override starting ends a shift early); null when no hand-off is scheduled. */
  shiftEnd: Maybe<Scalars['DateTime']['output']>;
  /**
   * When this person's uninterrupted time on call began: a hand-off, the start of their override, or the end
   * of an override that had interrupted their shift. Null when there is no hand-off before (a one-person rotation).
   */
  shiftStart: Maybe<Scalars['DateTime']['output']>;
  source: OnCallSource;
  user: User;
};

/** Whether the person on call is there by the rotation or by an override. */
export type OnCallSource =
  | 'OVERRIDE'
  | 'ROTATION';

export type OrderDirection =
  | 'ASC'
  | 'DESC';

/** A task-force partner: a county elections office or a state or federal agency. */
export type Organization = {
  __typename?: 'Organization';
  /** On-call functions of this organization. */
  duties: Array<Duty>;
  /** The county's FIPS code (counties only). */
  fips: Maybe<Scalars['String']['output']>;
  id: Scalars['ID']['output'];
  /** Coordinator organizations are in every incident's audience (except TLP:RED and LES). */
  isCoordinator: Scalars['Boolean']['output'];
  /** FBI and CHP: may see law-enforcement-sensitive incidents. */
  isLawEnforcement: Scalars['Boolean']['output'];
  kind: PartnerKind;
  name: Scalars['String']['output'];
  slug: Scalars['String']['output'];
};

export type PageInfo = {
  __typename?: 'PageInfo';
  endCursor: Maybe<Scalars['String']['output']>;
  hasNextPage: Scalars['Boolean']['output'];
};

/** The kind of a task-force partner. */
export type PartnerKind =
  | 'CAL_OES'
  | 'CDT'
  | 'CHP'
  | 'CISA'
  | 'COUNTY'
  | 'EI_ISAC'
  | 'FBI'
  | 'OTHER'
  | 'SECRETARY_OF_STATE';

/** A rule level that would page nobody right now. */
export type PreflightProblem = {
  __typename?: 'PreflightProblem';
  duty: Scalars['String']['output'];
  /** 1-based level; null for a notify target. */
  level: Maybe<Scalars['Int']['output']>;
  organization: Scalars['String']['output'];
  problem: PreflightProblemKind;
  rule: Scalars['String']['output'];
  /** For NOBODY_MAY_SEE and SUPPRESSED_BY_LABEL: the incident shape, filed by a county: GREEN (also CLEAR), AMBER (also AMBER_STRICT), GREEN LES or AMBER LES. */
  shape: Maybe<Scalars['String']['output']>;
  target: Scalars['String']['output'];
  userEmail: Maybe<Scalars['String']['output']>;
};

export type PreflightProblemKind =
  /** For an incident of this shape, every organization the rule pages may not see it: nobody able to act is paged. */
  | 'NOBODY_MAY_SEE'
  /** The schedule names nobody (active) right now. */
  | 'NOBODY_ON_CALL'
  /** The on-call person has no usable contact method. */
  | 'NO_CONTACT_METHOD'
  /** The duty has no on-call schedule. */
  | 'NO_SCHEDULE'
  /** No organization has that duty. */
  | 'NO_SUCH_DUTY'
  /**
   * The on-call person's methods exist but none is known to work: each failed its last delivery, or none
   * has delivered a page or a test page (sendTestPage) in the last 90 days.
   */
  | 'NO_WORKING_CONTACT_METHOD'
  /** This notify target may not see an incident of this shape: it is never informed unless the incident is shared with it. */
  | 'SUPPRESSED_BY_LABEL';

export type Query = {
  __typename?: 'Query';
  /** Your subscriptions, or (ORG_ADMIN) your organization's. */
  alertSubscriptions: Array<AlertSubscription>;
  /** API tokens of a user: your own, or of users you manage. */
  apiTokens: Array<ApiToken>;
  /** Verifies the audit chain now (AUDITOR); walks the whole log. */
  auditChainVerification: AuditChainVerification;
  /** The audit log, newest first (AUDITOR). */
  auditLog: AuditEntryConnection;
  /** A user's contact methods: visible to the user, their organization's ORG_ADMINs and HUB_ADMINs only. */
  contactMethods: Array<ContactMethod>;
  /**
   * The events after a cursor that you may see and the filter matches, oldest first: the catch-up after a
   * disconnection. Without `after`, from the start of the log. `first` defaults to 50, at most 500.
   */
  events: IncidentEventConnection;
  /** An incident by id; null when it does not exist or you may not see it. */
  incident: Maybe<Incident>;
  /** An incident by reference, e.g. ESTF-2026-00042; null when it does not exist or you may not see it. */
  incidentByReference: Maybe<Incident>;
  /** Incidents you may see, newest first by default. `first` defaults to 50, at most 500. */
  incidents: IncidentConnection;
  /** One indicator by type and value (any spelling); null when unknown or not visible. */
  indicator: Maybe<Indicator>;
  /**
   * The indicator alerts after a cursor that you may see and the filter matches, oldest first: the catch-up
   * of the `indicatorAlerts` subscription. Without `after`, from the start of the log. `first` defaults to 50,
   * at most 500.
   */
  indicatorAlerts: IndicatorAlertConnection;
  indicators: IndicatorConnection;
  /**
   * Looks up to 10,000 raw values (types detected): exact matches, addresses inside reported networks, URLs by
   * host, host names by their parent domains up to the registrable domain, e-mail addresses by domain, and
   * addresses or host names with a port (log shapes: `45.33.17.9:443`). Each match says which rule (`via`).
   */
  matchObservables: MatchResult;
  /**
   * An incident (by id or reference) and the indicators linked to it that you may see, as a MISP event
   * (`{"Event": {…}}`, JSON a MISP instance imports). Indicators imported from MISP keep their MISP type, value,
   * to_ids and uuid. NOT_FOUND for an incident you may not see; BAD_USER_INPUT for an exercise or a TLP:RED incident
   * (neither leaves the hub).
   */
  mispEvent: Scalars['JSON']['output'];
  /** Open escalations that are paging you. */
  myPages: Array<Escalation>;
  /**
   * Who is on call for a duty at an instant (default: now), e.g. `onCall(organization: "sos", duty:
   * "security-duty")`; null when the duty has no schedule. Readable by every partner.
   */
  onCall: Maybe<OnCallAnswer>;
  /** One partner by slug, e.g. `county-los-angeles`; null when there is none. */
  organization: Maybe<Organization>;
  /** The partner directory, optionally of one kind. */
  organizations: Array<Organization>;
  /** Rule levels that would page nobody right now, and rule × incident shapes whose pages or notifications the label suppresses. */
  routingPreflight: Array<PreflightProblem>;
  /** Every routing rule, by position (readable by every partner). */
  routingRules: Array<RoutingRule>;
  /** The on-call schedule of a duty; null when it has none. Readable by every partner. */
  schedule: Maybe<Schedule>;
  /** A STIX 2.1 bundle: one incident (with its notes, relationships and indicators), or everything you may see that matches the filter. */
  stixBundle: StixExport;
  /** Users of an organization (default: your own). ORG_ADMINs see their own; HUB_ADMINs any. */
  users: Array<User>;
  /** Who the token belongs to. */
  viewer: Viewer;
};


export type QueryAlertSubscriptionsArgs = {
  organization?: InputMaybe<Scalars['String']['input']>;
};


export type QueryApiTokensArgs = {
  email: Scalars['String']['input'];
};


export type QueryAuditLogArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<AuditLogFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryContactMethodsArgs = {
  email: Scalars['String']['input'];
};


export type QueryEventsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<IncidentEventFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryIncidentArgs = {
  id: Scalars['ID']['input'];
};


export type QueryIncidentByReferenceArgs = {
  reference: Scalars['String']['input'];
};


export type QueryIncidentsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<IncidentFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
  orderBy?: InputMaybe<IncidentOrder>;
};


export type QueryIndicatorArgs = {
  type: IndicatorType;
  value: Scalars['String']['input'];
};


export type QueryIndicatorAlertsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<IndicatorAlertFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryIndicatorsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<IndicatorFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryMatchObservablesArgs = {
  includeExpired?: InputMaybe<Scalars['Boolean']['input']>;
  values: Array<Scalars['String']['input']>;
};


export type QueryMispEventArgs = {
  incident: Scalars['ID']['input'];
};


export type QueryOnCallArgs = {
  at?: InputMaybe<Scalars['DateTime']['input']>;
  duty: Scalars['String']['input'];
  organization: Scalars['String']['input'];
};


export type QueryOrganizationArgs = {
  slug: Scalars['String']['input'];
};


export type QueryOrganizationsArgs = {
  kind?: InputMaybe<PartnerKind>;
};


export type QueryScheduleArgs = {
  duty: Scalars['String']['input'];
  organization: Scalars['String']['input'];
};


export type QueryStixBundleArgs = {
  filter?: InputMaybe<StixFilter>;
  incident?: InputMaybe<Scalars['ID']['input']>;
};


export type QueryUsersArgs = {
  organization?: InputMaybe<Scalars['String']['input']>;
};

export type ReportSightingInput = {
  /** Default 1. */
  count?: InputMaybe<Scalars['Int']['input']>;
  /** Default: now. */
  seenAt?: InputMaybe<Scalars['DateTime']['input']>;
  tlp: Tlp;
  type?: InputMaybe<IndicatorType>;
  value: Scalars['String']['input'];
};

/** A user's roles (access-policy.md). */
export type Role =
  /** Files incidents, comments, reports indicators, acknowledges pages. */
  | 'ANALYST'
  /** Reads the audit log. */
  | 'AUDITOR'
  /** At a coordinator organization: triages incidents, manages routing and schedules. */
  | 'COORDINATOR'
  /** Manages partners and users of any organization. */
  | 'HUB_ADMIN'
  /** Manages their own organization's users, tokens, contact methods and schedules. */
  | 'ORG_ADMIN'
  /** Reads what the access policy lets them see. */
  | 'VIEWER';

/** A routing rule: which incidents it matches and the escalation policy it starts. */
export type RoutingRule = {
  __typename?: 'RoutingRule';
  categories: Array<IncidentCategory>;
  description: Scalars['String']['output'];
  domains: Array<IncidentDomain>;
  enabled: Scalars['Boolean']['output'];
  id: Scalars['ID']['output'];
  levels: Array<EscalationLevel>;
  name: Scalars['String']['output'];
  notify: Array<NotifyTarget>;
  /** Rules are listed by position. */
  position: Scalars['Int']['output'];
  /** How many times the last level is paged in all. */
  repeatLastLevel: Scalars['Int']['output'];
  severityAtLeast: Maybe<Severity>;
  updatedAt: Scalars['DateTime']['output'];
  version: Scalars['Int']['output'];
};

export type RoutingRuleInput = {
  categories?: InputMaybe<Array<IncidentCategory>>;
  description?: InputMaybe<Scalars['String']['input']>;
  domains?: InputMaybe<Array<IncidentDomain>>;
  enabled?: InputMaybe<Scalars['Boolean']['input']>;
  levels: Array<EscalationLevelInput>;
  /** Lower-case letters, digits and dashes; fixed once created. */
  name: Scalars['String']['input'];
  notify?: InputMaybe<Array<NotifyTargetInput>>;
  position?: InputMaybe<Scalars['Int']['input']>;
  repeatLastLevel?: InputMaybe<Scalars['Int']['input']>;
  severityAtLeast?: InputMaybe<Severity>;
};

/** Who a level pages or a notify target informs. */
export type RoutingTarget = {
  __typename?: 'RoutingTarget';
  duty: Scalars['String']['output'];
  kind: TargetKind;
  /** Human-readable, e.g. sos/security-duty. */
  label: Scalars['String']['output'];
  organization: Maybe<Scalars['String']['output']>;
  partnerKind: Maybe<PartnerKind>;
};

export type RoutingTargetInput = {
  duty: Scalars['String']['input'];
  kind: TargetKind;
  /** Organization slug (DUTY). */
  organization?: InputMaybe<Scalars['String']['input']>;
  /** Partner kind (PARTNER_KIND). */
  partnerKind?: InputMaybe<PartnerKind>;
};

/**
 * A duty's on-call schedule: a rotation of users taking shifts in turn, plus overrides. Shifts follow the
 * local wall clock of the time zone: a 09:00 hand-off stays at 09:00 across daylight-saving changes, so the
 * 24-hour shift containing one lasts 23 or 25 hours.
 */
export type Schedule = {
  __typename?: 'Schedule';
  duty: Duty;
  /** Local time of day of the hand-off, HH:MM. */
  handoffTime: Scalars['String']['output'];
  id: Scalars['ID']['output'];
  /** Overrides that are not over yet, earliest first; all of them with `includePast: true`. */
  overrides: Array<ScheduleOverride>;
  /** Users in rotation order. */
  participants: Array<User>;
  /** Shift length in wall-clock hours (24 = daily, 168 = weekly). */
  shiftLengthHours: Scalars['Int']['output'];
  /**
   * Local date (YYYY-MM-DD) on which the first participant's shift begins at the hand-off time; the
   * rotation repeats from there in both directions.
   */
  startDate: Scalars['String']['output'];
  /** IANA time zone whose wall clock the shifts follow. */
  timeZone: Scalars['String']['output'];
  updatedAt: Scalars['DateTime']['output'];
};


/**
 * A duty's on-call schedule: a rotation of users taking shifts in turn, plus overrides. Shifts follow the
 * local wall clock of the time zone: a 09:00 hand-off stays at 09:00 across daylight-saving changes, so the
 * 24-hour shift containing one lasts 23 or 25 hours.
 */
export type ScheduleOverridesArgs = {
  includePast?: InputMaybe<Scalars['Boolean']['input']>;
};

/** Someone on call for a duty from one instant to another, over the rotation. Where overrides overlap, the latest created wins. */
export type ScheduleOverride = {
  __typename?: 'ScheduleOverride';
  createdAt: Scalars['DateTime']['output'];
  /** Inclusive. */
  from: Scalars['DateTime']['output'];
  id: Scalars['ID']['output'];
  /** Exclusive. */
  to: Scalars['DateTime']['output'];
  user: User;
};

export type SetScheduleInput = {
  /** The duty's name, e.g. `security-duty`. */
  duty: Scalars['String']['input'];
  /** Local time of day of the hand-off, HH:MM (24-hour). */
  handoffTime: Scalars['String']['input'];
  /** The organization's slug. */
  organization: Scalars['String']['input'];
  /** E-mail addresses of active users of the organization, in rotation order. */
  participants: Array<Scalars['String']['input']>;
  /** Shift length in wall-clock hours, 1 to 672 (24 = daily, 168 = weekly). */
  shiftLengthHours: Scalars['Int']['input'];
  /** YYYY-MM-DD on which the first participant's first shift begins; absent: today in the time zone. */
  startDate?: InputMaybe<Scalars['String']['input']>;
  /** IANA time zone; absent: America/Los_Angeles. */
  timeZone?: InputMaybe<Scalars['String']['input']>;
};

/** How bad it is. */
export type Severity =
  | 'CRITICAL'
  | 'HIGH'
  | 'LOW'
  | 'MODERATE';

/** We saw this value at this time. */
export type Sighting = {
  __typename?: 'Sighting';
  count: Scalars['Int']['output'];
  id: Scalars['ID']['output'];
  organization: Organization;
  seenAt: Scalars['DateTime']['output'];
  tlp: Tlp;
};

/** A STIX 2.1 bundle of what you may see. */
export type StixExport = {
  __typename?: 'StixExport';
  /** The bundle (type, id, objects) as JSON. */
  bundle: Scalars['JSON']['output'];
  objectCount: Scalars['Int']['output'];
  /** Objects left out of an AIS export, and why. */
  refused: Array<StixRefusal>;
};

/** What a STIX export covers. */
export type StixFilter = {
  /** Meant for CISA AIS: your organization's objects only, no TLP:RED, no personal data (e-mail addresses removed). */
  ais?: InputMaybe<Scalars['Boolean']['input']>;
  /** Only objects modified at or after. */
  since?: InputMaybe<Scalars['DateTime']['input']>;
  /** Only these STIX types, e.g. ["indicator", "sighting"]; the identities and markings they name come along. */
  types?: InputMaybe<Array<Scalars['String']['input']>>;
};

export type StixImportResult = {
  __typename?: 'StixImportResult';
  imported: Scalars['Int']['output'];
  kept: Scalars['Int']['output'];
  /** The importing organization's slug. */
  organization: Scalars['String']['output'];
  refused: Scalars['Int']['output'];
  results: Array<StixObjectResult>;
  total: Scalars['Int']['output'];
  unchanged: Scalars['Int']['output'];
};

export type StixObjectOutcome =
  /** Became (or already was) one of the hub's records. */
  | 'IMPORTED'
  /** Kept as it came: a valid STIX 2.1 object the hub does not model. */
  | 'KEPT'
  /** Not taken; the message names the object and the property. */
  | 'REFUSED';

export type StixObjectResult = {
  __typename?: 'StixObjectResult';
  /** False when the hub already held exactly this (a repeated import). */
  changed: Scalars['Boolean']['output'];
  id: Maybe<Scalars['String']['output']>;
  /** Position in the bundle's objects (0-based). */
  index: Scalars['Int']['output'];
  message: Scalars['String']['output'];
  outcome: StixObjectOutcome;
  type: Maybe<Scalars['String']['output']>;
};

export type StixRefusal = {
  __typename?: 'StixRefusal';
  id: Scalars['String']['output'];
  reason: Scalars['String']['output'];
};

/**
 * Live events, over Server-Sent Events (POST /graphql with `Accept: text/event-stream` and the
 * Authorization header) or WebSocket (the graphql-ws protocol on /graphql, the token in the connection
 * parameters as `authorization`). Each event is checked against your rights when it is delivered; a stream
 * whose token is revoked or expires, or whose user is deactivated, ends with UNAUTHENTICATED within seconds.
 */
export type Subscription = {
  __typename?: 'Subscription';
  /** Events of incidents you may see that match the filter, from now on, in cursor order. */
  incidentEvents: IncidentEvent;
  /** Reports, sightings and correlations of indicators that you may see and the filter matches, from now on, in cursor order. */
  indicatorAlerts: IndicatorAlert;
};


/**
 * Live events, over Server-Sent Events (POST /graphql with `Accept: text/event-stream` and the
 * Authorization header) or WebSocket (the graphql-ws protocol on /graphql, the token in the connection
 * parameters as `authorization`). Each event is checked against your rights when it is delivered; a stream
 * whose token is revoked or expires, or whose user is deactivated, ends with UNAUTHENTICATED within seconds.
 */
export type SubscriptionIncidentEventsArgs = {
  filter?: InputMaybe<IncidentEventFilter>;
};


/**
 * Live events, over Server-Sent Events (POST /graphql with `Accept: text/event-stream` and the
 * Authorization header) or WebSocket (the graphql-ws protocol on /graphql, the token in the connection
 * parameters as `authorization`). Each event is checked against your rights when it is delivered; a stream
 * whose token is revoked or expires, or whose user is deactivated, ends with UNAUTHENTICATED within seconds.
 */
export type SubscriptionIndicatorAlertsArgs = {
  filter?: InputMaybe<IndicatorAlertFilter>;
};

/** A routing target that may not see the incident: its pages or notifications are suppressed. */
export type SuppressedRoutingTarget = {
  __typename?: 'SuppressedRoutingTarget';
  duty: Scalars['String']['output'];
  /** 1-based level; null for a notify target. */
  level: Maybe<Scalars['Int']['output']>;
  /** The organization's slug. */
  organization: Scalars['String']['output'];
  /** Why it may not see the incident. */
  reason: Scalars['String']['output'];
  rule: Scalars['String']['output'];
  /** Sharing the incident with the organization would let it see it (shareIncident with routingTargets: true). */
  shareable: Scalars['Boolean']['output'];
  /** The target as the rule names it, e.g. cisa/election-advisor. */
  target: Scalars['String']['output'];
};

export type TargetKind =
  /** A duty of each county the incident names as affected. */
  | 'AFFECTED_COUNTIES'
  /** A duty of one organization (organization + duty). */
  | 'DUTY'
  /** A duty of every organization of a partner kind (partnerKind + duty). */
  | 'PARTNER_KIND'
  /** A duty of the organization that reported the incident. */
  | 'REPORTING_ORGANIZATION';

/** What a test page did. */
export type TestPageResult = {
  __typename?: 'TestPageResult';
  contactMethod: ContactMethod;
  /** True when the receiver accepted the test message. */
  delivered: Scalars['Boolean']['output'];
  error: Maybe<Scalars['String']['output']>;
  outcome: DeliveryOutcome;
};

export type TimelineEntryKind =
  | 'ASSIGNED'
  | 'COMMENT'
  /** Someone paged the next level now (escalateIncident). */
  | 'ESCALATED'
  /** An escalation of the incident was acknowledged. */
  | 'ESCALATION_ACKNOWLEDGED'
  | 'FILED'
  | 'LES_CHANGED'
  | 'MERGED'
  | 'SEVERITY_CHANGED'
  | 'SHARED'
  | 'STATUS_CHANGED'
  | 'TLP_CHANGED'
  | 'UPDATED';

/** Traffic Light Protocol 2.0 label. */
export type Tlp =
  /** The audience: the reporting organization, coordinators, affected counties, organizations it was shared with. */
  | 'AMBER'
  /** As AMBER, but only the reporting organization's analysts or coordinators may widen it. */
  | 'AMBER_STRICT'
  /** May leave the hub (public feeds). */
  | 'CLEAR'
  /** Every task-force partner; may not leave the hub. */
  | 'GREEN'
  /** Named recipients only: the reporting user and the users it was shared with. */
  | 'RED';

export type UpdateAlertSubscriptionInput = {
  channels?: InputMaybe<Array<AlertChannel>>;
  email?: InputMaybe<Scalars['String']['input']>;
  /** Replaces the whole filter. */
  filter?: InputMaybe<AlertFilterInput>;
  mode?: InputMaybe<AlertMode>;
  name?: InputMaybe<Scalars['String']['input']>;
  webhookUrl?: InputMaybe<Scalars['String']['input']>;
};

/** Fields to change; absent fields stay as they are. */
export type UpdateIncidentInput = {
  affectedAssets?: InputMaybe<Array<AffectedAsset>>;
  affectedCounties?: InputMaybe<Array<Scalars['String']['input']>>;
  category?: InputMaybe<IncidentCategory>;
  detectedAt?: InputMaybe<Scalars['DateTime']['input']>;
  externalReferences?: InputMaybe<Array<ExternalReferenceInput>>;
  occurredAt?: InputMaybe<Scalars['DateTime']['input']>;
  severity?: InputMaybe<Severity>;
  summary?: InputMaybe<Scalars['String']['input']>;
  title?: InputMaybe<Scalars['String']['input']>;
};

export type UpdatedAlertSubscription = {
  __typename?: 'UpdatedAlertSubscription';
  subscription: AlertSubscription;
  /** A new webhook signing secret when this change added the WEBHOOK channel: shown once. */
  webhookSecret: Maybe<Scalars['String']['output']>;
};

export type User = {
  __typename?: 'User';
  active: Scalars['Boolean']['output'];
  createdAt: Scalars['DateTime']['output'];
  email: Scalars['String']['output'];
  id: Scalars['ID']['output'];
  name: Scalars['String']['output'];
  organization: Organization;
  roles: Array<Role>;
};

export type Viewer = {
  __typename?: 'Viewer';
  organization: Organization;
  /** The prefix of the token this request used. */
  tokenPrefix: Maybe<Scalars['String']['output']>;
  user: User;
};



export type ResolverTypeWrapper<T> = Promise<T> | T;


export type ResolverWithResolve<TResult, TParent, TContext, TArgs> = {
  resolve: ResolverFn<TResult, TParent, TContext, TArgs>;
};
export type Resolver<TResult, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = ResolverFn<TResult, TParent, TContext, TArgs> | ResolverWithResolve<TResult, TParent, TContext, TArgs>;

export type ResolverFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => Promise<TResult> | TResult;

export type SubscriptionSubscribeFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => AsyncIterable<TResult> | Promise<AsyncIterable<TResult>>;

export type SubscriptionResolveFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

export interface SubscriptionSubscriberObject<TResult, TKey extends string, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<{ [key in TKey]: TResult }, TParent, TContext, TArgs>;
  resolve?: SubscriptionResolveFn<TResult, { [key in TKey]: TResult }, TContext, TArgs>;
}

export interface SubscriptionResolverObject<TResult, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<any, TParent, TContext, TArgs>;
  resolve: SubscriptionResolveFn<TResult, any, TContext, TArgs>;
}

export type SubscriptionObject<TResult, TKey extends string, TParent, TContext, TArgs> =
  | SubscriptionSubscriberObject<TResult, TKey, TParent, TContext, TArgs>
  | SubscriptionResolverObject<TResult, TParent, TContext, TArgs>;

export type SubscriptionResolver<TResult, TKey extends string, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> =
  | ((...args: any[]) => SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>)
  | SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>;

export type TypeResolveFn<TTypes, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (
  parent: TParent,
  context: TContext,
  info: GraphQLResolveInfo
) => Maybe<TTypes> | Promise<Maybe<TTypes>>;

export type IsTypeOfResolverFn<T = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (obj: T, context: TContext, info: GraphQLResolveInfo) => boolean | Promise<boolean>;

export type NextResolverFn<T> = () => Promise<T>;

export type DirectiveResolverFn<TResult = Record<PropertyKey, never>, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = (
  next: NextResolverFn<TResult>,
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;





/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = {
  AddContactMethodInput: AddContactMethodInput;
  AddScheduleOverrideInput: AddScheduleOverrideInput;
  AddedContactMethod: ResolverTypeWrapper<Omit<AddedContactMethod, 'contactMethod'> & { contactMethod: ResolversTypes['ContactMethod'] }>;
  AffectedAsset: AffectedAsset;
  AlertChannel: AlertChannel;
  AlertDelivery: ResolverTypeWrapper<AlertDeliveryModelModel>;
  AlertFilter: ResolverTypeWrapper<AlertFilterModelModel>;
  AlertFilterInput: AlertFilterInput;
  AlertMode: AlertMode;
  AlertSubscription: ResolverTypeWrapper<AlertSubscriptionModelModel>;
  ApiToken: ResolverTypeWrapper<ApiTokenModelModel>;
  AuditChainVerification: ResolverTypeWrapper<AuditChainVerification>;
  AuditEntry: ResolverTypeWrapper<AuditEntryModelModel>;
  AuditEntryConnection: ResolverTypeWrapper<AuditEntryConnectionModelModel>;
  AuditEntryEdge: ResolverTypeWrapper<Omit<AuditEntryEdge, 'node'> & { node: ResolversTypes['AuditEntry'] }>;
  AuditLogFilter: AuditLogFilter;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  ContactMethod: ResolverTypeWrapper<ContactMethodRowModel>;
  ContactMethodKind: ContactMethodKind;
  CreateAlertSubscriptionInput: CreateAlertSubscriptionInput;
  CreateUserInput: CreateUserInput;
  CreatedAlertSubscription: ResolverTypeWrapper<Omit<CreatedAlertSubscription, 'subscription'> & { subscription: ResolversTypes['AlertSubscription'] }>;
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  DeliveryAttempt: ResolverTypeWrapper<DeliveryAttemptModelModel>;
  DeliveryOutcome: DeliveryOutcome;
  Duty: ResolverTypeWrapper<DutyModelModel>;
  Escalation: ResolverTypeWrapper<EscalationModelModel>;
  EscalationLevel: ResolverTypeWrapper<Omit<EscalationLevel, 'targets'> & { targets: Array<ResolversTypes['RoutingTarget']> }>;
  EscalationLevelInput: EscalationLevelInput;
  EscalationState: EscalationState;
  ExternalReference: ResolverTypeWrapper<ExternalReference>;
  ExternalReferenceInput: ExternalReferenceInput;
  FileIncidentInput: FileIncidentInput;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  Incident: ResolverTypeWrapper<IncidentModelModel>;
  IncidentAssignee: ResolverTypeWrapper<IncidentAssigneeModelModel>;
  IncidentCategory: IncidentCategory;
  IncidentConnection: ResolverTypeWrapper<IncidentConnectionModelModel>;
  IncidentCorrelation: ResolverTypeWrapper<IncidentCorrelationModelModel>;
  IncidentDomain: IncidentDomain;
  IncidentEdge: ResolverTypeWrapper<Omit<IncidentEdge, 'node'> & { node: ResolversTypes['Incident'] }>;
  IncidentEvent: ResolverTypeWrapper<IncidentEventModelModel>;
  IncidentEventConnection: ResolverTypeWrapper<IncidentEventPageModel>;
  IncidentEventEdge: ResolverTypeWrapper<Omit<IncidentEventEdge, 'node'> & { node: ResolversTypes['IncidentEvent'] }>;
  IncidentEventFilter: IncidentEventFilter;
  IncidentEventKind: IncidentEventKind;
  IncidentFilter: IncidentFilter;
  IncidentOrder: IncidentOrder;
  IncidentOrderField: IncidentOrderField;
  IncidentStatus: IncidentStatus;
  IncidentTimelineConnection: ResolverTypeWrapper<TimelineConnectionModelModel>;
  IncidentTimelineEdge: ResolverTypeWrapper<Omit<IncidentTimelineEdge, 'node'> & { node: ResolversTypes['IncidentTimelineEntry'] }>;
  IncidentTimelineEntry: ResolverTypeWrapper<TimelineEntryModelModel>;
  Indicator: ResolverTypeWrapper<IndicatorModelModel>;
  IndicatorAlert: ResolverTypeWrapper<IndicatorAlertModelModel>;
  IndicatorAlertConnection: ResolverTypeWrapper<IndicatorAlertPageModel>;
  IndicatorAlertEdge: ResolverTypeWrapper<Omit<IndicatorAlertEdge, 'node'> & { node: ResolversTypes['IndicatorAlert'] }>;
  IndicatorAlertFilter: IndicatorAlertFilter;
  IndicatorAlertKind: IndicatorAlertKind;
  IndicatorConnection: ResolverTypeWrapper<IndicatorConnectionModelModel>;
  IndicatorEdge: ResolverTypeWrapper<Omit<IndicatorEdge, 'node'> & { node: ResolversTypes['Indicator'] }>;
  IndicatorFilter: IndicatorFilter;
  IndicatorReport: ResolverTypeWrapper<IndicatorReportModelModel>;
  IndicatorReportInput: IndicatorReportInput;
  IndicatorReportResult: ResolverTypeWrapper<IndicatorReportResultModelModel>;
  IndicatorType: IndicatorType;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  InvalidObservable: ResolverTypeWrapper<InvalidObservable>;
  IssueApiTokenInput: IssueApiTokenInput;
  IssuedApiToken: ResolverTypeWrapper<Omit<IssuedApiToken, 'apiToken'> & { apiToken: ResolversTypes['ApiToken'] }>;
  JSON: ResolverTypeWrapper<Scalars['JSON']['output']>;
  LinkIndicatorInput: LinkIndicatorInput;
  MatchKind: MatchKind;
  MatchResult: ResolverTypeWrapper<Omit<MatchResult, 'matches'> & { matches: Array<ResolversTypes['ObservableMatch']> }>;
  Mutation: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Notification: ResolverTypeWrapper<NotificationModelModel>;
  NotificationKind: NotificationKind;
  NotificationStatus: NotificationStatus;
  NotifyTarget: ResolverTypeWrapper<Omit<NotifyTarget, 'target'> & { target: ResolversTypes['RoutingTarget'] }>;
  NotifyTargetInput: NotifyTargetInput;
  ObservableMatch: ResolverTypeWrapper<ObservableMatchModelModel>;
  OnCallAnswer: ResolverTypeWrapper<OnCallModelModel>;
  OnCallSource: OnCallSource;
  OrderDirection: OrderDirection;
  Organization: ResolverTypeWrapper<OrganizationModelModel>;
  PageInfo: ResolverTypeWrapper<PageInfo>;
  PartnerKind: PartnerKind;
  PreflightProblem: ResolverTypeWrapper<PreflightProblem>;
  PreflightProblemKind: PreflightProblemKind;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  ReportSightingInput: ReportSightingInput;
  Role: Role;
  RoutingRule: ResolverTypeWrapper<RoutingRuleModelModel>;
  RoutingRuleInput: RoutingRuleInput;
  RoutingTarget: ResolverTypeWrapper<RoutingTargetModelModel>;
  RoutingTargetInput: RoutingTargetInput;
  Schedule: ResolverTypeWrapper<ScheduleModelModel>;
  ScheduleOverride: ResolverTypeWrapper<OverrideRowModel>;
  SetScheduleInput: SetScheduleInput;
  Severity: Severity;
  Sighting: ResolverTypeWrapper<SightingModelModel>;
  StixExport: ResolverTypeWrapper<StixExport>;
  StixFilter: StixFilter;
  StixImportResult: ResolverTypeWrapper<StixImportResult>;
  StixObjectOutcome: StixObjectOutcome;
  StixObjectResult: ResolverTypeWrapper<StixObjectResult>;
  StixRefusal: ResolverTypeWrapper<StixRefusal>;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  Subscription: ResolverTypeWrapper<Record<PropertyKey, never>>;
  SuppressedRoutingTarget: ResolverTypeWrapper<SuppressedRoutingTarget>;
  TargetKind: TargetKind;
  TestPageResult: ResolverTypeWrapper<Omit<TestPageResult, 'contactMethod'> & { contactMethod: ResolversTypes['ContactMethod'] }>;
  TimelineEntryKind: TimelineEntryKind;
  Tlp: Tlp;
  UpdateAlertSubscriptionInput: UpdateAlertSubscriptionInput;
  UpdateIncidentInput: UpdateIncidentInput;
  UpdatedAlertSubscription: ResolverTypeWrapper<Omit<UpdatedAlertSubscription, 'subscription'> & { subscription: ResolversTypes['AlertSubscription'] }>;
  User: ResolverTypeWrapper<UserModelModel>;
  Viewer: ResolverTypeWrapper<UserPrincipalModel>;
};

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = {
  AddContactMethodInput: AddContactMethodInput;
  AddScheduleOverrideInput: AddScheduleOverrideInput;
  AddedContactMethod: Omit<AddedContactMethod, 'contactMethod'> & { contactMethod: ResolversParentTypes['ContactMethod'] };
  AlertDelivery: AlertDeliveryModelModel;
  AlertFilter: AlertFilterModelModel;
  AlertFilterInput: AlertFilterInput;
  AlertSubscription: AlertSubscriptionModelModel;
  ApiToken: ApiTokenModelModel;
  AuditChainVerification: AuditChainVerification;
  AuditEntry: AuditEntryModelModel;
  AuditEntryConnection: AuditEntryConnectionModelModel;
  AuditEntryEdge: Omit<AuditEntryEdge, 'node'> & { node: ResolversParentTypes['AuditEntry'] };
  AuditLogFilter: AuditLogFilter;
  Boolean: Scalars['Boolean']['output'];
  ContactMethod: ContactMethodRowModel;
  CreateAlertSubscriptionInput: CreateAlertSubscriptionInput;
  CreateUserInput: CreateUserInput;
  CreatedAlertSubscription: Omit<CreatedAlertSubscription, 'subscription'> & { subscription: ResolversParentTypes['AlertSubscription'] };
  DateTime: Scalars['DateTime']['output'];
  DeliveryAttempt: DeliveryAttemptModelModel;
  Duty: DutyModelModel;
  Escalation: EscalationModelModel;
  EscalationLevel: Omit<EscalationLevel, 'targets'> & { targets: Array<ResolversParentTypes['RoutingTarget']> };
  EscalationLevelInput: EscalationLevelInput;
  ExternalReference: ExternalReference;
  ExternalReferenceInput: ExternalReferenceInput;
  FileIncidentInput: FileIncidentInput;
  ID: Scalars['ID']['output'];
  Incident: IncidentModelModel;
  IncidentAssignee: IncidentAssigneeModelModel;
  IncidentConnection: IncidentConnectionModelModel;
  IncidentCorrelation: IncidentCorrelationModelModel;
  IncidentEdge: Omit<IncidentEdge, 'node'> & { node: ResolversParentTypes['Incident'] };
  IncidentEvent: IncidentEventModelModel;
  IncidentEventConnection: IncidentEventPageModel;
  IncidentEventEdge: Omit<IncidentEventEdge, 'node'> & { node: ResolversParentTypes['IncidentEvent'] };
  IncidentEventFilter: IncidentEventFilter;
  IncidentFilter: IncidentFilter;
  IncidentOrder: IncidentOrder;
  IncidentTimelineConnection: TimelineConnectionModelModel;
  IncidentTimelineEdge: Omit<IncidentTimelineEdge, 'node'> & { node: ResolversParentTypes['IncidentTimelineEntry'] };
  IncidentTimelineEntry: TimelineEntryModelModel;
  Indicator: IndicatorModelModel;
  IndicatorAlert: IndicatorAlertModelModel;
  IndicatorAlertConnection: IndicatorAlertPageModel;
  IndicatorAlertEdge: Omit<IndicatorAlertEdge, 'node'> & { node: ResolversParentTypes['IndicatorAlert'] };
  IndicatorAlertFilter: IndicatorAlertFilter;
  IndicatorConnection: IndicatorConnectionModelModel;
  IndicatorEdge: Omit<IndicatorEdge, 'node'> & { node: ResolversParentTypes['Indicator'] };
  IndicatorFilter: IndicatorFilter;
  IndicatorReport: IndicatorReportModelModel;
  IndicatorReportInput: IndicatorReportInput;
  IndicatorReportResult: IndicatorReportResultModelModel;
  Int: Scalars['Int']['output'];
  InvalidObservable: InvalidObservable;
  IssueApiTokenInput: IssueApiTokenInput;
  IssuedApiToken: Omit<IssuedApiToken, 'apiToken'> & { apiToken: ResolversParentTypes['ApiToken'] };
  JSON: Scalars['JSON']['output'];
  LinkIndicatorInput: LinkIndicatorInput;
  MatchResult: Omit<MatchResult, 'matches'> & { matches: Array<ResolversParentTypes['ObservableMatch']> };
  Mutation: Record<PropertyKey, never>;
  Notification: NotificationModelModel;
  NotifyTarget: Omit<NotifyTarget, 'target'> & { target: ResolversParentTypes['RoutingTarget'] };
  NotifyTargetInput: NotifyTargetInput;
  ObservableMatch: ObservableMatchModelModel;
  OnCallAnswer: OnCallModelModel;
  Organization: OrganizationModelModel;
  PageInfo: PageInfo;
  PreflightProblem: PreflightProblem;
  Query: Record<PropertyKey, never>;
  ReportSightingInput: ReportSightingInput;
  RoutingRule: RoutingRuleModelModel;
  RoutingRuleInput: RoutingRuleInput;
  RoutingTarget: RoutingTargetModelModel;
  RoutingTargetInput: RoutingTargetInput;
  Schedule: ScheduleModelModel;
  ScheduleOverride: OverrideRowModel;
  SetScheduleInput: SetScheduleInput;
  Sighting: SightingModelModel;
  StixExport: StixExport;
  StixFilter: StixFilter;
  StixImportResult: StixImportResult;
  StixObjectResult: StixObjectResult;
  StixRefusal: StixRefusal;
  String: Scalars['String']['output'];
  Subscription: Record<PropertyKey, never>;
  SuppressedRoutingTarget: SuppressedRoutingTarget;
  TestPageResult: Omit<TestPageResult, 'contactMethod'> & { contactMethod: ResolversParentTypes['ContactMethod'] };
  UpdateAlertSubscriptionInput: UpdateAlertSubscriptionInput;
  UpdateIncidentInput: UpdateIncidentInput;
  UpdatedAlertSubscription: Omit<UpdatedAlertSubscription, 'subscription'> & { subscription: ResolversParentTypes['AlertSubscription'] };
  User: UserModelModel;
  Viewer: UserPrincipalModel;
};

export type AddedContactMethodResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['AddedContactMethod'] = ResolversParentTypes['AddedContactMethod']> = {
  contactMethod?: Resolver<ResolversTypes['ContactMethod'], ParentType, ContextType>;
  webhookSecret?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
};

export type AlertDeliveryResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['AlertDelivery'] = ResolversParentTypes['AlertDelivery']> = {
  attempts?: Resolver<Array<ResolversTypes['DeliveryAttempt']>, ParentType, ContextType>;
  channel?: Resolver<ResolversTypes['AlertChannel'], ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  deliveredAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  items?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  kind?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  status?: Resolver<ResolversTypes['NotificationStatus'], ParentType, ContextType>;
  statusReason?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
};

export type AlertFilterResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['AlertFilter'] = ResolversParentTypes['AlertFilter']> = {
  affectedCounties?: Resolver<Array<ResolversTypes['Organization']>, ParentType, ContextType>;
  categories?: Resolver<Array<ResolversTypes['IncidentCategory']>, ParentType, ContextType>;
  domains?: Resolver<Array<ResolversTypes['IncidentDomain']>, ParentType, ContextType>;
  exercise?: Resolver<Maybe<ResolversTypes['Boolean']>, ParentType, ContextType>;
  includeIndicators?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  indicatorTypes?: Resolver<Array<ResolversTypes['IndicatorType']>, ParentType, ContextType>;
  severityAtLeast?: Resolver<Maybe<ResolversTypes['Severity']>, ParentType, ContextType>;
};

export type AlertSubscriptionResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['AlertSubscription'] = ResolversParentTypes['AlertSubscription']> = {
  channels?: Resolver<Array<ResolversTypes['AlertChannel']>, ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  deliveries?: Resolver<Array<ResolversTypes['AlertDelivery']>, ParentType, ContextType, Partial<AlertSubscriptionDeliveriesArgs>>;
  email?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  filter?: Resolver<ResolversTypes['AlertFilter'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  lastDigestAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  mode?: Resolver<ResolversTypes['AlertMode'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  organization?: Resolver<ResolversTypes['Organization'], ParentType, ContextType>;
  owner?: Resolver<Maybe<ResolversTypes['User']>, ParentType, ContextType>;
  paused?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  webhookUrl?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
};

export type ApiTokenResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['ApiToken'] = ResolversParentTypes['ApiToken']> = {
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  expiresAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  issuedBy?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  lastUsedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  prefix?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  revokedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
};

export type AuditChainVerificationResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['AuditChainVerification'] = ResolversParentTypes['AuditChainVerification']> = {
  brokenAt?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  checkpoints?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  entries?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  ok?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  reason?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  summary?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type AuditEntryResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['AuditEntry'] = ResolversParentTypes['AuditEntry']> = {
  action?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  actorEmail?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  actorOrganization?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  at?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  change?: Resolver<Maybe<ResolversTypes['JSON']>, ParentType, ContextType>;
  clientAddress?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  hash?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  objectId?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  objectType?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  requestId?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  seq?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  tokenPrefix?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
};

export type AuditEntryConnectionResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['AuditEntryConnection'] = ResolversParentTypes['AuditEntryConnection']> = {
  edges?: Resolver<Array<ResolversTypes['AuditEntryEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
  totalCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type AuditEntryEdgeResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['AuditEntryEdge'] = ResolversParentTypes['AuditEntryEdge']> = {
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['AuditEntry'], ParentType, ContextType>;
};

export type ContactMethodResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['ContactMethod'] = ResolversParentTypes['ContactMethod']> = {
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  disabledAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  disabledReason?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  kind?: Resolver<ResolversTypes['ContactMethodKind'], ParentType, ContextType>;
  removedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  target?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  user?: Resolver<ResolversTypes['User'], ParentType, ContextType>;
  verifiedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
};

export type CreatedAlertSubscriptionResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['CreatedAlertSubscription'] = ResolversParentTypes['CreatedAlertSubscription']> = {
  subscription?: Resolver<ResolversTypes['AlertSubscription'], ParentType, ContextType>;
  webhookSecret?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
};

export interface DateTimeScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['DateTime'], any> {
  name: 'DateTime';
}

export type DeliveryAttemptResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['DeliveryAttempt'] = ResolversParentTypes['DeliveryAttempt']> = {
  at?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  error?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  httpStatus?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  latencyMs?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  outcome?: Resolver<ResolversTypes['DeliveryOutcome'], ParentType, ContextType>;
};

export type DutyResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Duty'] = ResolversParentTypes['Duty']> = {
  description?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  organization?: Resolver<ResolversTypes['Organization'], ParentType, ContextType>;
};

export type EscalationResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Escalation'] = ResolversParentTypes['Escalation']> = {
  acknowledgedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  acknowledgedBy?: Resolver<Maybe<ResolversTypes['User']>, ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  incident?: Resolver<ResolversTypes['Incident'], ParentType, ContextType>;
  level?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  nextEscalationAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  notifications?: Resolver<Array<ResolversTypes['Notification']>, ParentType, ContextType>;
  rule?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  state?: Resolver<ResolversTypes['EscalationState'], ParentType, ContextType>;
  suppressedTargets?: Resolver<Array<ResolversTypes['SuppressedRoutingTarget']>, ParentType, ContextType>;
};

export type EscalationLevelResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['EscalationLevel'] = ResolversParentTypes['EscalationLevel']> = {
  ackTimeoutSeconds?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  targets?: Resolver<Array<ResolversTypes['RoutingTarget']>, ParentType, ContextType>;
};

export type ExternalReferenceResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['ExternalReference'] = ResolversParentTypes['ExternalReference']> = {
  identifier?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  source?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  url?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
};

export type IncidentResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Incident'] = ResolversParentTypes['Incident']> = {
  affectedAssets?: Resolver<Array<ResolversTypes['AffectedAsset']>, ParentType, ContextType>;
  affectedCounties?: Resolver<Array<ResolversTypes['Organization']>, ParentType, ContextType>;
  assignee?: Resolver<Maybe<ResolversTypes['IncidentAssignee']>, ParentType, ContextType>;
  category?: Resolver<ResolversTypes['IncidentCategory'], ParentType, ContextType>;
  comments?: Resolver<ResolversTypes['IncidentTimelineConnection'], ParentType, ContextType, Partial<IncidentCommentsArgs>>;
  correlation?: Resolver<Maybe<ResolversTypes['IncidentCorrelation']>, ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  detectedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  domain?: Resolver<ResolversTypes['IncidentDomain'], ParentType, ContextType>;
  duplicates?: Resolver<Array<ResolversTypes['Incident']>, ParentType, ContextType>;
  escalations?: Resolver<Array<ResolversTypes['Escalation']>, ParentType, ContextType>;
  exercise?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  externalReferences?: Resolver<Array<ResolversTypes['ExternalReference']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  lawEnforcementSensitive?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  mergedInto?: Resolver<Maybe<ResolversTypes['Incident']>, ParentType, ContextType>;
  occurredAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  recipients?: Resolver<Array<ResolversTypes['User']>, ParentType, ContextType>;
  reference?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  reportedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  reportingOrganization?: Resolver<ResolversTypes['Organization'], ParentType, ContextType>;
  reportingUser?: Resolver<ResolversTypes['User'], ParentType, ContextType>;
  severity?: Resolver<ResolversTypes['Severity'], ParentType, ContextType>;
  sharedWith?: Resolver<Array<ResolversTypes['Organization']>, ParentType, ContextType>;
  status?: Resolver<ResolversTypes['IncidentStatus'], ParentType, ContextType>;
  summary?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  suppressedRoutingTargets?: Resolver<Array<ResolversTypes['SuppressedRoutingTarget']>, ParentType, ContextType>;
  timeline?: Resolver<ResolversTypes['IncidentTimelineConnection'], ParentType, ContextType, Partial<IncidentTimelineArgs>>;
  title?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  tlp?: Resolver<ResolversTypes['Tlp'], ParentType, ContextType>;
  updatedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  version?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type IncidentAssigneeResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['IncidentAssignee'] = ResolversParentTypes['IncidentAssignee']> = {
  organization?: Resolver<ResolversTypes['Organization'], ParentType, ContextType>;
  user?: Resolver<Maybe<ResolversTypes['User']>, ParentType, ContextType>;
};

export type IncidentConnectionResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['IncidentConnection'] = ResolversParentTypes['IncidentConnection']> = {
  edges?: Resolver<Array<ResolversTypes['IncidentEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
  totalCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type IncidentCorrelationResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['IncidentCorrelation'] = ResolversParentTypes['IncidentCorrelation']> = {
  counties?: Resolver<Array<ResolversTypes['Organization']>, ParentType, ContextType>;
  countyCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  countyIncidents?: Resolver<Array<ResolversTypes['Incident']>, ParentType, ContextType>;
  indicator?: Resolver<Maybe<ResolversTypes['Indicator']>, ParentType, ContextType>;
};

export type IncidentEdgeResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['IncidentEdge'] = ResolversParentTypes['IncidentEdge']> = {
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['Incident'], ParentType, ContextType>;
};

export type IncidentEventResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['IncidentEvent'] = ResolversParentTypes['IncidentEvent']> = {
  at?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  change?: Resolver<Maybe<ResolversTypes['JSON']>, ParentType, ContextType>;
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  incident?: Resolver<ResolversTypes['Incident'], ParentType, ContextType>;
  kind?: Resolver<ResolversTypes['IncidentEventKind'], ParentType, ContextType>;
};

export type IncidentEventConnectionResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['IncidentEventConnection'] = ResolversParentTypes['IncidentEventConnection']> = {
  edges?: Resolver<Array<ResolversTypes['IncidentEventEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
  totalCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type IncidentEventEdgeResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['IncidentEventEdge'] = ResolversParentTypes['IncidentEventEdge']> = {
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['IncidentEvent'], ParentType, ContextType>;
};

export type IncidentTimelineConnectionResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['IncidentTimelineConnection'] = ResolversParentTypes['IncidentTimelineConnection']> = {
  edges?: Resolver<Array<ResolversTypes['IncidentTimelineEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
  totalCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type IncidentTimelineEdgeResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['IncidentTimelineEdge'] = ResolversParentTypes['IncidentTimelineEdge']> = {
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['IncidentTimelineEntry'], ParentType, ContextType>;
};

export type IncidentTimelineEntryResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['IncidentTimelineEntry'] = ResolversParentTypes['IncidentTimelineEntry']> = {
  actor?: Resolver<Maybe<ResolversTypes['User']>, ParentType, ContextType>;
  actorOrganization?: Resolver<Maybe<ResolversTypes['Organization']>, ParentType, ContextType>;
  at?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  body?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  change?: Resolver<Maybe<ResolversTypes['JSON']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  kind?: Resolver<ResolversTypes['TimelineEntryKind'], ParentType, ContextType>;
};

export type IndicatorResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Indicator'] = ResolversParentTypes['Indicator']> = {
  benign?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  benignReason?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  firstSeen?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  lastSeen?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  linkedIncidents?: Resolver<Array<ResolversTypes['Incident']>, ParentType, ContextType>;
  reports?: Resolver<Array<ResolversTypes['IndicatorReport']>, ParentType, ContextType>;
  sightingCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType, Partial<IndicatorSightingCountArgs>>;
  sightingOrganizationCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType, Partial<IndicatorSightingOrganizationCountArgs>>;
  sightings?: Resolver<Array<ResolversTypes['Sighting']>, ParentType, ContextType, Partial<IndicatorSightingsArgs>>;
  type?: Resolver<ResolversTypes['IndicatorType'], ParentType, ContextType>;
  value?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type IndicatorAlertResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['IndicatorAlert'] = ResolversParentTypes['IndicatorAlert']> = {
  at?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  incident?: Resolver<Maybe<ResolversTypes['Incident']>, ParentType, ContextType>;
  indicator?: Resolver<ResolversTypes['Indicator'], ParentType, ContextType>;
  kind?: Resolver<ResolversTypes['IndicatorAlertKind'], ParentType, ContextType>;
  report?: Resolver<Maybe<ResolversTypes['IndicatorReport']>, ParentType, ContextType>;
  sighting?: Resolver<Maybe<ResolversTypes['Sighting']>, ParentType, ContextType>;
};

export type IndicatorAlertConnectionResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['IndicatorAlertConnection'] = ResolversParentTypes['IndicatorAlertConnection']> = {
  edges?: Resolver<Array<ResolversTypes['IndicatorAlertEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
  totalCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type IndicatorAlertEdgeResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['IndicatorAlertEdge'] = ResolversParentTypes['IndicatorAlertEdge']> = {
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['IndicatorAlert'], ParentType, ContextType>;
};

export type IndicatorConnectionResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['IndicatorConnection'] = ResolversParentTypes['IndicatorConnection']> = {
  edges?: Resolver<Array<ResolversTypes['IndicatorEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
  totalCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type IndicatorEdgeResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['IndicatorEdge'] = ResolversParentTypes['IndicatorEdge']> = {
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['Indicator'], ParentType, ContextType>;
};

export type IndicatorReportResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['IndicatorReport'] = ResolversParentTypes['IndicatorReport']> = {
  confidence?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  description?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  incident?: Resolver<Maybe<ResolversTypes['Incident']>, ParentType, ContextType>;
  lawEnforcementSensitive?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  organization?: Resolver<ResolversTypes['Organization'], ParentType, ContextType>;
  reportedBy?: Resolver<Maybe<ResolversTypes['User']>, ParentType, ContextType>;
  tlp?: Resolver<ResolversTypes['Tlp'], ParentType, ContextType>;
  updatedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  validFrom?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  validUntil?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
};

export type IndicatorReportResultResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['IndicatorReportResult'] = ResolversParentTypes['IndicatorReportResult']> = {
  created?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  error?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  field?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  index?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  indicator?: Resolver<Maybe<ResolversTypes['Indicator']>, ParentType, ContextType>;
  ok?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
};

export type InvalidObservableResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['InvalidObservable'] = ResolversParentTypes['InvalidObservable']> = {
  index?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  input?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  reason?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type IssuedApiTokenResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['IssuedApiToken'] = ResolversParentTypes['IssuedApiToken']> = {
  apiToken?: Resolver<ResolversTypes['ApiToken'], ParentType, ContextType>;
  token?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export interface JsonScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['JSON'], any> {
  name: 'JSON';
}

export type MatchResultResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['MatchResult'] = ResolversParentTypes['MatchResult']> = {
  invalid?: Resolver<Array<ResolversTypes['InvalidObservable']>, ParentType, ContextType>;
  matches?: Resolver<Array<ResolversTypes['ObservableMatch']>, ParentType, ContextType>;
};

export type MutationResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = {
  acknowledgeEscalation?: Resolver<ResolversTypes['Escalation'], ParentType, ContextType, RequireFields<MutationAcknowledgeEscalationArgs, 'id'>>;
  addContactMethod?: Resolver<ResolversTypes['AddedContactMethod'], ParentType, ContextType, RequireFields<MutationAddContactMethodArgs, 'input'>>;
  addIncidentComment?: Resolver<ResolversTypes['IncidentTimelineEntry'], ParentType, ContextType, RequireFields<MutationAddIncidentCommentArgs, 'body' | 'id'>>;
  addScheduleOverride?: Resolver<ResolversTypes['ScheduleOverride'], ParentType, ContextType, RequireFields<MutationAddScheduleOverrideArgs, 'input'>>;
  assignIncident?: Resolver<ResolversTypes['Incident'], ParentType, ContextType, RequireFields<MutationAssignIncidentArgs, 'id' | 'organization'>>;
  createAlertSubscription?: Resolver<ResolversTypes['CreatedAlertSubscription'], ParentType, ContextType, RequireFields<MutationCreateAlertSubscriptionArgs, 'input'>>;
  createRoutingRule?: Resolver<ResolversTypes['RoutingRule'], ParentType, ContextType, RequireFields<MutationCreateRoutingRuleArgs, 'input'>>;
  createUser?: Resolver<ResolversTypes['User'], ParentType, ContextType, RequireFields<MutationCreateUserArgs, 'input'>>;
  deactivateUser?: Resolver<ResolversTypes['User'], ParentType, ContextType, RequireFields<MutationDeactivateUserArgs, 'email'>>;
  deleteAlertSubscription?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType, RequireFields<MutationDeleteAlertSubscriptionArgs, 'id'>>;
  deleteRoutingRule?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType, RequireFields<MutationDeleteRoutingRuleArgs, 'name'>>;
  escalateIncident?: Resolver<Array<ResolversTypes['Escalation']>, ParentType, ContextType, RequireFields<MutationEscalateIncidentArgs, 'id'>>;
  fileIncident?: Resolver<ResolversTypes['Incident'], ParentType, ContextType, RequireFields<MutationFileIncidentArgs, 'input'>>;
  importStixBundle?: Resolver<ResolversTypes['StixImportResult'], ParentType, ContextType, RequireFields<MutationImportStixBundleArgs, 'bundle'>>;
  issueApiToken?: Resolver<ResolversTypes['IssuedApiToken'], ParentType, ContextType, RequireFields<MutationIssueApiTokenArgs, 'input'>>;
  linkIndicatorToIncident?: Resolver<ResolversTypes['IndicatorReport'], ParentType, ContextType, RequireFields<MutationLinkIndicatorToIncidentArgs, 'input'>>;
  mergeIncident?: Resolver<ResolversTypes['Incident'], ParentType, ContextType, RequireFields<MutationMergeIncidentArgs, 'id' | 'intoId'>>;
  pauseAlertSubscription?: Resolver<ResolversTypes['AlertSubscription'], ParentType, ContextType, RequireFields<MutationPauseAlertSubscriptionArgs, 'id'>>;
  reactivateUser?: Resolver<ResolversTypes['User'], ParentType, ContextType, RequireFields<MutationReactivateUserArgs, 'email'>>;
  removeContactMethod?: Resolver<ResolversTypes['ContactMethod'], ParentType, ContextType, RequireFields<MutationRemoveContactMethodArgs, 'id'>>;
  removeScheduleOverride?: Resolver<ResolversTypes['ScheduleOverride'], ParentType, ContextType, RequireFields<MutationRemoveScheduleOverrideArgs, 'id'>>;
  reportIndicators?: Resolver<Array<ResolversTypes['IndicatorReportResult']>, ParentType, ContextType, RequireFields<MutationReportIndicatorsArgs, 'input'>>;
  reportSighting?: Resolver<ResolversTypes['Sighting'], ParentType, ContextType, RequireFields<MutationReportSightingArgs, 'input'>>;
  resumeAlertSubscription?: Resolver<ResolversTypes['AlertSubscription'], ParentType, ContextType, RequireFields<MutationResumeAlertSubscriptionArgs, 'id'>>;
  revokeApiToken?: Resolver<ResolversTypes['ApiToken'], ParentType, ContextType, RequireFields<MutationRevokeApiTokenArgs, 'prefix'>>;
  revokeIndicatorReport?: Resolver<ResolversTypes['IndicatorReport'], ParentType, ContextType, RequireFields<MutationRevokeIndicatorReportArgs, 'id'>>;
  sendTestPage?: Resolver<ResolversTypes['TestPageResult'], ParentType, ContextType, RequireFields<MutationSendTestPageArgs, 'id'>>;
  setAisConsent?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType, RequireFields<MutationSetAisConsentArgs, 'consent' | 'organization'>>;
  setIncidentLawEnforcementSensitive?: Resolver<ResolversTypes['Incident'], ParentType, ContextType, RequireFields<MutationSetIncidentLawEnforcementSensitiveArgs, 'id' | 'value'>>;
  setIncidentTlp?: Resolver<ResolversTypes['Incident'], ParentType, ContextType, RequireFields<MutationSetIncidentTlpArgs, 'id' | 'tlp'>>;
  setSchedule?: Resolver<ResolversTypes['Schedule'], ParentType, ContextType, RequireFields<MutationSetScheduleArgs, 'input'>>;
  setUserRoles?: Resolver<ResolversTypes['User'], ParentType, ContextType, RequireFields<MutationSetUserRolesArgs, 'email' | 'roles'>>;
  shareIncident?: Resolver<ResolversTypes['Incident'], ParentType, ContextType, RequireFields<MutationShareIncidentArgs, 'id'>>;
  transitionIncident?: Resolver<ResolversTypes['Incident'], ParentType, ContextType, RequireFields<MutationTransitionIncidentArgs, 'id' | 'to'>>;
  updateAlertSubscription?: Resolver<ResolversTypes['UpdatedAlertSubscription'], ParentType, ContextType, RequireFields<MutationUpdateAlertSubscriptionArgs, 'id' | 'input'>>;
  updateIncident?: Resolver<ResolversTypes['Incident'], ParentType, ContextType, RequireFields<MutationUpdateIncidentArgs, 'expectedVersion' | 'id' | 'input'>>;
  updateRoutingRule?: Resolver<ResolversTypes['RoutingRule'], ParentType, ContextType, RequireFields<MutationUpdateRoutingRuleArgs, 'expectedVersion' | 'input'>>;
};

export type NotificationResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Notification'] = ResolversParentTypes['Notification']> = {
  attempts?: Resolver<Array<ResolversTypes['DeliveryAttempt']>, ParentType, ContextType>;
  channel?: Resolver<ResolversTypes['ContactMethodKind'], ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  deliveredAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  kind?: Resolver<ResolversTypes['NotificationKind'], ParentType, ContextType>;
  level?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  loop?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  recipient?: Resolver<ResolversTypes['User'], ParentType, ContextType>;
  status?: Resolver<ResolversTypes['NotificationStatus'], ParentType, ContextType>;
  statusReason?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
};

export type NotifyTargetResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['NotifyTarget'] = ResolversParentTypes['NotifyTarget']> = {
  categories?: Resolver<Array<ResolversTypes['IncidentCategory']>, ParentType, ContextType>;
  target?: Resolver<ResolversTypes['RoutingTarget'], ParentType, ContextType>;
};

export type ObservableMatchResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['ObservableMatch'] = ResolversParentTypes['ObservableMatch']> = {
  index?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  indicator?: Resolver<ResolversTypes['Indicator'], ParentType, ContextType>;
  input?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  type?: Resolver<ResolversTypes['IndicatorType'], ParentType, ContextType>;
  value?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  via?: Resolver<ResolversTypes['MatchKind'], ParentType, ContextType>;
};

export type OnCallAnswerResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['OnCallAnswer'] = ResolversParentTypes['OnCallAnswer']> = {
  at?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  override?: Resolver<Maybe<ResolversTypes['ScheduleOverride']>, ParentType, ContextType>;
  schedule?: Resolver<ResolversTypes['Schedule'], ParentType, ContextType>;
  shiftEnd?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  shiftStart?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  source?: Resolver<ResolversTypes['OnCallSource'], ParentType, ContextType>;
  user?: Resolver<ResolversTypes['User'], ParentType, ContextType>;
};

export type OrganizationResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Organization'] = ResolversParentTypes['Organization']> = {
  duties?: Resolver<Array<ResolversTypes['Duty']>, ParentType, ContextType>;
  fips?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  isCoordinator?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  isLawEnforcement?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  kind?: Resolver<ResolversTypes['PartnerKind'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  slug?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type PageInfoResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['PageInfo'] = ResolversParentTypes['PageInfo']> = {
  endCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  hasNextPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
};

export type PreflightProblemResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['PreflightProblem'] = ResolversParentTypes['PreflightProblem']> = {
  duty?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  level?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  organization?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  problem?: Resolver<ResolversTypes['PreflightProblemKind'], ParentType, ContextType>;
  rule?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  shape?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  target?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  userEmail?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
};

export type QueryResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = {
  alertSubscriptions?: Resolver<Array<ResolversTypes['AlertSubscription']>, ParentType, ContextType, Partial<QueryAlertSubscriptionsArgs>>;
  apiTokens?: Resolver<Array<ResolversTypes['ApiToken']>, ParentType, ContextType, RequireFields<QueryApiTokensArgs, 'email'>>;
  auditChainVerification?: Resolver<ResolversTypes['AuditChainVerification'], ParentType, ContextType>;
  auditLog?: Resolver<ResolversTypes['AuditEntryConnection'], ParentType, ContextType, Partial<QueryAuditLogArgs>>;
  contactMethods?: Resolver<Array<ResolversTypes['ContactMethod']>, ParentType, ContextType, RequireFields<QueryContactMethodsArgs, 'email'>>;
  events?: Resolver<ResolversTypes['IncidentEventConnection'], ParentType, ContextType, Partial<QueryEventsArgs>>;
  incident?: Resolver<Maybe<ResolversTypes['Incident']>, ParentType, ContextType, RequireFields<QueryIncidentArgs, 'id'>>;
  incidentByReference?: Resolver<Maybe<ResolversTypes['Incident']>, ParentType, ContextType, RequireFields<QueryIncidentByReferenceArgs, 'reference'>>;
  incidents?: Resolver<ResolversTypes['IncidentConnection'], ParentType, ContextType, Partial<QueryIncidentsArgs>>;
  indicator?: Resolver<Maybe<ResolversTypes['Indicator']>, ParentType, ContextType, RequireFields<QueryIndicatorArgs, 'type' | 'value'>>;
  indicatorAlerts?: Resolver<ResolversTypes['IndicatorAlertConnection'], ParentType, ContextType, Partial<QueryIndicatorAlertsArgs>>;
  indicators?: Resolver<ResolversTypes['IndicatorConnection'], ParentType, ContextType, Partial<QueryIndicatorsArgs>>;
  matchObservables?: Resolver<ResolversTypes['MatchResult'], ParentType, ContextType, RequireFields<QueryMatchObservablesArgs, 'values'>>;
  mispEvent?: Resolver<ResolversTypes['JSON'], ParentType, ContextType, RequireFields<QueryMispEventArgs, 'incident'>>;
  myPages?: Resolver<Array<ResolversTypes['Escalation']>, ParentType, ContextType>;
  onCall?: Resolver<Maybe<ResolversTypes['OnCallAnswer']>, ParentType, ContextType, RequireFields<QueryOnCallArgs, 'duty' | 'organization'>>;
  organization?: Resolver<Maybe<ResolversTypes['Organization']>, ParentType, ContextType, RequireFields<QueryOrganizationArgs, 'slug'>>;
  organizations?: Resolver<Array<ResolversTypes['Organization']>, ParentType, ContextType, Partial<QueryOrganizationsArgs>>;
  routingPreflight?: Resolver<Array<ResolversTypes['PreflightProblem']>, ParentType, ContextType>;
  routingRules?: Resolver<Array<ResolversTypes['RoutingRule']>, ParentType, ContextType>;
  schedule?: Resolver<Maybe<ResolversTypes['Schedule']>, ParentType, ContextType, RequireFields<QueryScheduleArgs, 'duty' | 'organization'>>;
  stixBundle?: Resolver<ResolversTypes['StixExport'], ParentType, ContextType, Partial<QueryStixBundleArgs>>;
  users?: Resolver<Array<ResolversTypes['User']>, ParentType, ContextType, Partial<QueryUsersArgs>>;
  viewer?: Resolver<ResolversTypes['Viewer'], ParentType, ContextType>;
};

export type RoutingRuleResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['RoutingRule'] = ResolversParentTypes['RoutingRule']> = {
  categories?: Resolver<Array<ResolversTypes['IncidentCategory']>, ParentType, ContextType>;
  description?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  domains?: Resolver<Array<ResolversTypes['IncidentDomain']>, ParentType, ContextType>;
  enabled?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  levels?: Resolver<Array<ResolversTypes['EscalationLevel']>, ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  notify?: Resolver<Array<ResolversTypes['NotifyTarget']>, ParentType, ContextType>;
  position?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  repeatLastLevel?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  severityAtLeast?: Resolver<Maybe<ResolversTypes['Severity']>, ParentType, ContextType>;
  updatedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  version?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type RoutingTargetResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['RoutingTarget'] = ResolversParentTypes['RoutingTarget']> = {
  duty?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  kind?: Resolver<ResolversTypes['TargetKind'], ParentType, ContextType>;
  label?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  organization?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  partnerKind?: Resolver<Maybe<ResolversTypes['PartnerKind']>, ParentType, ContextType>;
};

export type ScheduleResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Schedule'] = ResolversParentTypes['Schedule']> = {
  duty?: Resolver<ResolversTypes['Duty'], ParentType, ContextType>;
  handoffTime?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  overrides?: Resolver<Array<ResolversTypes['ScheduleOverride']>, ParentType, ContextType, RequireFields<ScheduleOverridesArgs, 'includePast'>>;
  participants?: Resolver<Array<ResolversTypes['User']>, ParentType, ContextType>;
  shiftLengthHours?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  startDate?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  timeZone?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  updatedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
};

export type ScheduleOverrideResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['ScheduleOverride'] = ResolversParentTypes['ScheduleOverride']> = {
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  from?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  to?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  user?: Resolver<ResolversTypes['User'], ParentType, ContextType>;
};

export type SightingResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Sighting'] = ResolversParentTypes['Sighting']> = {
  count?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  organization?: Resolver<ResolversTypes['Organization'], ParentType, ContextType>;
  seenAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  tlp?: Resolver<ResolversTypes['Tlp'], ParentType, ContextType>;
};

export type StixExportResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['StixExport'] = ResolversParentTypes['StixExport']> = {
  bundle?: Resolver<ResolversTypes['JSON'], ParentType, ContextType>;
  objectCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  refused?: Resolver<Array<ResolversTypes['StixRefusal']>, ParentType, ContextType>;
};

export type StixImportResultResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['StixImportResult'] = ResolversParentTypes['StixImportResult']> = {
  imported?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  kept?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  organization?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  refused?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  results?: Resolver<Array<ResolversTypes['StixObjectResult']>, ParentType, ContextType>;
  total?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  unchanged?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type StixObjectResultResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['StixObjectResult'] = ResolversParentTypes['StixObjectResult']> = {
  changed?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  id?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  index?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  message?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  outcome?: Resolver<ResolversTypes['StixObjectOutcome'], ParentType, ContextType>;
  type?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
};

export type StixRefusalResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['StixRefusal'] = ResolversParentTypes['StixRefusal']> = {
  id?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  reason?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type SubscriptionResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Subscription'] = ResolversParentTypes['Subscription']> = {
  incidentEvents?: SubscriptionResolver<ResolversTypes['IncidentEvent'], "incidentEvents", ParentType, ContextType, Partial<SubscriptionIncidentEventsArgs>>;
  indicatorAlerts?: SubscriptionResolver<ResolversTypes['IndicatorAlert'], "indicatorAlerts", ParentType, ContextType, Partial<SubscriptionIndicatorAlertsArgs>>;
};

export type SuppressedRoutingTargetResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['SuppressedRoutingTarget'] = ResolversParentTypes['SuppressedRoutingTarget']> = {
  duty?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  level?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  organization?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  reason?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  rule?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  shareable?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  target?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type TestPageResultResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['TestPageResult'] = ResolversParentTypes['TestPageResult']> = {
  contactMethod?: Resolver<ResolversTypes['ContactMethod'], ParentType, ContextType>;
  delivered?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  error?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  outcome?: Resolver<ResolversTypes['DeliveryOutcome'], ParentType, ContextType>;
};

export type UpdatedAlertSubscriptionResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['UpdatedAlertSubscription'] = ResolversParentTypes['UpdatedAlertSubscription']> = {
  subscription?: Resolver<ResolversTypes['AlertSubscription'], ParentType, ContextType>;
  webhookSecret?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
};

export type UserResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['User'] = ResolversParentTypes['User']> = {
  active?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  email?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  organization?: Resolver<ResolversTypes['Organization'], ParentType, ContextType>;
  roles?: Resolver<Array<ResolversTypes['Role']>, ParentType, ContextType>;
};

export type ViewerResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Viewer'] = ResolversParentTypes['Viewer']> = {
  organization?: Resolver<ResolversTypes['Organization'], ParentType, ContextType>;
  tokenPrefix?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  user?: Resolver<ResolversTypes['User'], ParentType, ContextType>;
};

export type Resolvers<ContextType = GraphQLContext> = {
  AddedContactMethod?: AddedContactMethodResolvers<ContextType>;
  AlertDelivery?: AlertDeliveryResolvers<ContextType>;
  AlertFilter?: AlertFilterResolvers<ContextType>;
  AlertSubscription?: AlertSubscriptionResolvers<ContextType>;
  ApiToken?: ApiTokenResolvers<ContextType>;
  AuditChainVerification?: AuditChainVerificationResolvers<ContextType>;
  AuditEntry?: AuditEntryResolvers<ContextType>;
  AuditEntryConnection?: AuditEntryConnectionResolvers<ContextType>;
  AuditEntryEdge?: AuditEntryEdgeResolvers<ContextType>;
  ContactMethod?: ContactMethodResolvers<ContextType>;
  CreatedAlertSubscription?: CreatedAlertSubscriptionResolvers<ContextType>;
  DateTime?: GraphQLScalarType;
  DeliveryAttempt?: DeliveryAttemptResolvers<ContextType>;
  Duty?: DutyResolvers<ContextType>;
  Escalation?: EscalationResolvers<ContextType>;
  EscalationLevel?: EscalationLevelResolvers<ContextType>;
  ExternalReference?: ExternalReferenceResolvers<ContextType>;
  Incident?: IncidentResolvers<ContextType>;
  IncidentAssignee?: IncidentAssigneeResolvers<ContextType>;
  IncidentConnection?: IncidentConnectionResolvers<ContextType>;
  IncidentCorrelation?: IncidentCorrelationResolvers<ContextType>;
  IncidentEdge?: IncidentEdgeResolvers<ContextType>;
  IncidentEvent?: IncidentEventResolvers<ContextType>;
  IncidentEventConnection?: IncidentEventConnectionResolvers<ContextType>;
  IncidentEventEdge?: IncidentEventEdgeResolvers<ContextType>;
  IncidentTimelineConnection?: IncidentTimelineConnectionResolvers<ContextType>;
  IncidentTimelineEdge?: IncidentTimelineEdgeResolvers<ContextType>;
  IncidentTimelineEntry?: IncidentTimelineEntryResolvers<ContextType>;
  Indicator?: IndicatorResolvers<ContextType>;
  IndicatorAlert?: IndicatorAlertResolvers<ContextType>;
  IndicatorAlertConnection?: IndicatorAlertConnectionResolvers<ContextType>;
  IndicatorAlertEdge?: IndicatorAlertEdgeResolvers<ContextType>;
  IndicatorConnection?: IndicatorConnectionResolvers<ContextType>;
  IndicatorEdge?: IndicatorEdgeResolvers<ContextType>;
  IndicatorReport?: IndicatorReportResolvers<ContextType>;
  IndicatorReportResult?: IndicatorReportResultResolvers<ContextType>;
  InvalidObservable?: InvalidObservableResolvers<ContextType>;
  IssuedApiToken?: IssuedApiTokenResolvers<ContextType>;
  JSON?: GraphQLScalarType;
  MatchResult?: MatchResultResolvers<ContextType>;
  Mutation?: MutationResolvers<ContextType>;
  Notification?: NotificationResolvers<ContextType>;
  NotifyTarget?: NotifyTargetResolvers<ContextType>;
  ObservableMatch?: ObservableMatchResolvers<ContextType>;
  OnCallAnswer?: OnCallAnswerResolvers<ContextType>;
  Organization?: OrganizationResolvers<ContextType>;
  PageInfo?: PageInfoResolvers<ContextType>;
  PreflightProblem?: PreflightProblemResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  RoutingRule?: RoutingRuleResolvers<ContextType>;
  RoutingTarget?: RoutingTargetResolvers<ContextType>;
  Schedule?: ScheduleResolvers<ContextType>;
  ScheduleOverride?: ScheduleOverrideResolvers<ContextType>;
  Sighting?: SightingResolvers<ContextType>;
  StixExport?: StixExportResolvers<ContextType>;
  StixImportResult?: StixImportResultResolvers<ContextType>;
  StixObjectResult?: StixObjectResultResolvers<ContextType>;
  StixRefusal?: StixRefusalResolvers<ContextType>;
  Subscription?: SubscriptionResolvers<ContextType>;
  SuppressedRoutingTarget?: SuppressedRoutingTargetResolvers<ContextType>;
  TestPageResult?: TestPageResultResolvers<ContextType>;
  UpdatedAlertSubscription?: UpdatedAlertSubscriptionResolvers<ContextType>;
  User?: UserResolvers<ContextType>;
  Viewer?: ViewerResolvers<ContextType>;
};

