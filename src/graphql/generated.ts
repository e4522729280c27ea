/* eslint-disable */
// Generated from schema.graphql by `npm run codegen`. Do not edit.
import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { OrganizationModel as OrganizationModelModel, DutyModel as DutyModelModel, UserModel as UserModelModel, ApiTokenModel as ApiTokenModelModel, IncidentModel as IncidentModelModel, IncidentConnectionModel as IncidentConnectionModelModel, TimelineEntryModel as TimelineEntryModelModel, TimelineConnectionModel as TimelineConnectionModelModel, IncidentAssigneeModel as IncidentAssigneeModelModel, AuditEntryModel as AuditEntryModelModel, AuditEntryConnectionModel as AuditEntryConnectionModelModel } from './models.js';
import type { UserPrincipal as UserPrincipalModel } from '../access/principal.js';
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
  /** An ISO 8601 date-time with a zone; returned in UTC. */
  DateTime: { input: Date; output: Date; }
  /** Arbitrary JSON. */
  JSON: { input: unknown; output: unknown; }
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

export type ApiToken = {
  __typename?: 'ApiToken';
  createdAt: Scalars['DateTime']['output'];
  expiresAt: Maybe<Scalars['DateTime']['output']>;
  id: Scalars['ID']['output'];
  lastUsedAt: Maybe<Scalars['DateTime']['output']>;
  name: Scalars['String']['output'];
  /** The first characters of the token, by which it is named. */
  prefix: Scalars['String']['output'];
  revokedAt: Maybe<Scalars['DateTime']['output']>;
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

export type CreateUserInput = {
  email: Scalars['String']['input'];
  name: Scalars['String']['input'];
  /** The organization's slug. */
  organization: Scalars['String']['input'];
  roles: Array<Role>;
};

/** A named on-call function of one organization, e.g. `security-duty`. */
export type Duty = {
  __typename?: 'Duty';
  description: Scalars['String']['output'];
  id: Scalars['ID']['output'];
  name: Scalars['String']['output'];
  organization: Organization;
};

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
  createdAt: Scalars['DateTime']['output'];
  detectedAt: Maybe<Scalars['DateTime']['output']>;
  domain: IncidentDomain;
  /** Incidents merged into this one that you may see. */
  duplicates: Array<Incident>;
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

export type IssueApiTokenInput = {
  /** Whose token; your own e-mail, or a user you manage. */
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

export type Mutation = {
  __typename?: 'Mutation';
  addIncidentComment: IncidentTimelineEntry;
  /** Assigns an incident to an organization and optionally one of its users (coordinators). */
  assignIncident: Incident;
  /** Adds a user to an organization (ORG_ADMIN of that organization, or HUB_ADMIN). */
  createUser: User;
  /** Deactivates a user: their tokens stop working at once. */
  deactivateUser: User;
  /** Files an incident (ANALYST). */
  fileIncident: Incident;
  /** Issues an API token; the token is returned here once and never again. */
  issueApiToken: IssuedApiToken;
  /** Marks an incident as a duplicate of another (coordinators); both link to each other. */
  mergeIncident: Incident;
  /** Revokes a token by its prefix (e.g. `estf_AbCd1234`). */
  revokeApiToken: ApiToken;
  setIncidentLawEnforcementSensitive: Incident;
  /**
   * Changes the TLP label: wider only by the reporting organization, narrower also by coordinators.
   * Narrowing to RED needs named recipients: pass their e-mails in `recipients` unless it already has some.
   */
  setIncidentTlp: Incident;
  /** Widens the audience: organizations (AMBER, AMBER_STRICT) or named users (RED). */
  shareIncident: Incident;
  /** Moves an incident along its life cycle; TRIAGED and REJECTED by coordinators, the rest by the reporting organization or coordinators. */
  transitionIncident: Incident;
  /** Edits an incident: its reporting organization's analysts; coordinators may change severity. CONFLICT when expectedVersion is stale. */
  updateIncident: Incident;
};


export type MutationAddIncidentCommentArgs = {
  body: Scalars['String']['input'];
  id: Scalars['ID']['input'];
};


export type MutationAssignIncidentArgs = {
  id: Scalars['ID']['input'];
  organization: Scalars['String']['input'];
  user?: InputMaybe<Scalars['String']['input']>;
};


export type MutationCreateUserArgs = {
  input: CreateUserInput;
};


export type MutationDeactivateUserArgs = {
  email: Scalars['String']['input'];
};


export type MutationFileIncidentArgs = {
  input: FileIncidentInput;
};


export type MutationIssueApiTokenArgs = {
  input: IssueApiTokenInput;
};


export type MutationMergeIncidentArgs = {
  id: Scalars['ID']['input'];
  intoId: Scalars['ID']['input'];
};


export type MutationRevokeApiTokenArgs = {
  prefix: Scalars['String']['input'];
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


export type MutationShareIncidentArgs = {
  id: Scalars['ID']['input'];
  organizations?: InputMaybe<Array<Scalars['String']['input']>>;
  users?: InputMaybe<Array<Scalars['String']['input']>>;
};


export type MutationTransitionIncidentArgs = {
  id: Scalars['ID']['input'];
  note?: InputMaybe<Scalars['String']['input']>;
  to: IncidentStatus;
};


export type MutationUpdateIncidentArgs = {
  expectedVersion: Scalars['Int']['input'];
  id: Scalars['ID']['input'];
  input: UpdateIncidentInput;
};

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

export type Query = {
  __typename?: 'Query';
  /** API tokens of a user: your own, or of users you manage. */
  apiTokens: Array<ApiToken>;
  /** The audit log, newest first (AUDITOR). */
  auditLog: AuditEntryConnection;
  /** An incident by id; null when it does not exist or you may not see it. */
  incident: Maybe<Incident>;
  /** An incident by reference, e.g. ESTF-2026-00042; null when it does not exist or you may not see it. */
  incidentByReference: Maybe<Incident>;
  /** Incidents you may see, newest first by default. `first` defaults to 50, at most 500. */
  incidents: IncidentConnection;
  /** One partner by slug, e.g. `county-los-angeles`; null when there is none. */
  organization: Maybe<Organization>;
  /** The partner directory, optionally of one kind. */
  organizations: Array<Organization>;
  /** Users of an organization (default: your own). ORG_ADMINs see their own; HUB_ADMINs any. */
  users: Array<User>;
  /** Who the token belongs to. */
  viewer: Viewer;
};


export type QueryApiTokensArgs = {
  email: Scalars['String']['input'];
};


export type QueryAuditLogArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<AuditLogFilter>;
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


export type QueryOrganizationArgs = {
  slug: Scalars['String']['input'];
};


export type QueryOrganizationsArgs = {
  kind?: InputMaybe<PartnerKind>;
};


export type QueryUsersArgs = {
  organization?: InputMaybe<Scalars['String']['input']>;
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

/** How bad it is. */
export type Severity =
  | 'CRITICAL'
  | 'HIGH'
  | 'LOW'
  | 'MODERATE';

export type TimelineEntryKind =
  | 'ASSIGNED'
  | 'COMMENT'
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
  AffectedAsset: AffectedAsset;
  ApiToken: ResolverTypeWrapper<ApiTokenModelModel>;
  AuditEntry: ResolverTypeWrapper<AuditEntryModelModel>;
  AuditEntryConnection: ResolverTypeWrapper<AuditEntryConnectionModelModel>;
  AuditEntryEdge: ResolverTypeWrapper<Omit<AuditEntryEdge, 'node'> & { node: ResolversTypes['AuditEntry'] }>;
  AuditLogFilter: AuditLogFilter;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  CreateUserInput: CreateUserInput;
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  Duty: ResolverTypeWrapper<DutyModelModel>;
  ExternalReference: ResolverTypeWrapper<ExternalReference>;
  ExternalReferenceInput: ExternalReferenceInput;
  FileIncidentInput: FileIncidentInput;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  Incident: ResolverTypeWrapper<IncidentModelModel>;
  IncidentAssignee: ResolverTypeWrapper<IncidentAssigneeModelModel>;
  IncidentCategory: IncidentCategory;
  IncidentConnection: ResolverTypeWrapper<IncidentConnectionModelModel>;
  IncidentDomain: IncidentDomain;
  IncidentEdge: ResolverTypeWrapper<Omit<IncidentEdge, 'node'> & { node: ResolversTypes['Incident'] }>;
  IncidentFilter: IncidentFilter;
  IncidentOrder: IncidentOrder;
  IncidentOrderField: IncidentOrderField;
  IncidentStatus: IncidentStatus;
  IncidentTimelineConnection: ResolverTypeWrapper<TimelineConnectionModelModel>;
  IncidentTimelineEdge: ResolverTypeWrapper<Omit<IncidentTimelineEdge, 'node'> & { node: ResolversTypes['IncidentTimelineEntry'] }>;
  IncidentTimelineEntry: ResolverTypeWrapper<TimelineEntryModelModel>;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  IssueApiTokenInput: IssueApiTokenInput;
  IssuedApiToken: ResolverTypeWrapper<Omit<IssuedApiToken, 'apiToken'> & { apiToken: ResolversTypes['ApiToken'] }>;
  JSON: ResolverTypeWrapper<Scalars['JSON']['output']>;
  Mutation: ResolverTypeWrapper<Record<PropertyKey, never>>;
  OrderDirection: OrderDirection;
  Organization: ResolverTypeWrapper<OrganizationModelModel>;
  PageInfo: ResolverTypeWrapper<PageInfo>;
  PartnerKind: PartnerKind;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Role: Role;
  Severity: Severity;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  TimelineEntryKind: TimelineEntryKind;
  Tlp: Tlp;
  UpdateIncidentInput: UpdateIncidentInput;
  User: ResolverTypeWrapper<UserModelModel>;
  Viewer: ResolverTypeWrapper<UserPrincipalModel>;
};

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = {
  ApiToken: ApiTokenModelModel;
  AuditEntry: AuditEntryModelModel;
  AuditEntryConnection: AuditEntryConnectionModelModel;
  AuditEntryEdge: Omit<AuditEntryEdge, 'node'> & { node: ResolversParentTypes['AuditEntry'] };
  AuditLogFilter: AuditLogFilter;
  Boolean: Scalars['Boolean']['output'];
  CreateUserInput: CreateUserInput;
  DateTime: Scalars['DateTime']['output'];
  Duty: DutyModelModel;
  ExternalReference: ExternalReference;
  ExternalReferenceInput: ExternalReferenceInput;
  FileIncidentInput: FileIncidentInput;
  ID: Scalars['ID']['output'];
  Incident: IncidentModelModel;
  IncidentAssignee: IncidentAssigneeModelModel;
  IncidentConnection: IncidentConnectionModelModel;
  IncidentEdge: Omit<IncidentEdge, 'node'> & { node: ResolversParentTypes['Incident'] };
  IncidentFilter: IncidentFilter;
  IncidentOrder: IncidentOrder;
  IncidentTimelineConnection: TimelineConnectionModelModel;
  IncidentTimelineEdge: Omit<IncidentTimelineEdge, 'node'> & { node: ResolversParentTypes['IncidentTimelineEntry'] };
  IncidentTimelineEntry: TimelineEntryModelModel;
  Int: Scalars['Int']['output'];
  IssueApiTokenInput: IssueApiTokenInput;
  IssuedApiToken: Omit<IssuedApiToken, 'apiToken'> & { apiToken: ResolversParentTypes['ApiToken'] };
  JSON: Scalars['JSON']['output'];
  Mutation: Record<PropertyKey, never>;
  Organization: OrganizationModelModel;
  PageInfo: PageInfo;
  Query: Record<PropertyKey, never>;
  String: Scalars['String']['output'];
  UpdateIncidentInput: UpdateIncidentInput;
  User: UserModelModel;
  Viewer: UserPrincipalModel;
};

export type ApiTokenResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['ApiToken'] = ResolversParentTypes['ApiToken']> = {
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  expiresAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  lastUsedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  prefix?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  revokedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
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

export interface DateTimeScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['DateTime'], any> {
  name: 'DateTime';
}

export type DutyResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Duty'] = ResolversParentTypes['Duty']> = {
  description?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  organization?: Resolver<ResolversTypes['Organization'], ParentType, ContextType>;
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
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  detectedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  domain?: Resolver<ResolversTypes['IncidentDomain'], ParentType, ContextType>;
  duplicates?: Resolver<Array<ResolversTypes['Incident']>, ParentType, ContextType>;
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

export type IncidentEdgeResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['IncidentEdge'] = ResolversParentTypes['IncidentEdge']> = {
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['Incident'], ParentType, ContextType>;
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

export type IssuedApiTokenResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['IssuedApiToken'] = ResolversParentTypes['IssuedApiToken']> = {
  apiToken?: Resolver<ResolversTypes['ApiToken'], ParentType, ContextType>;
  token?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export interface JsonScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['JSON'], any> {
  name: 'JSON';
}

export type MutationResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = {
  addIncidentComment?: Resolver<ResolversTypes['IncidentTimelineEntry'], ParentType, ContextType, RequireFields<MutationAddIncidentCommentArgs, 'body' | 'id'>>;
  assignIncident?: Resolver<ResolversTypes['Incident'], ParentType, ContextType, RequireFields<MutationAssignIncidentArgs, 'id' | 'organization'>>;
  createUser?: Resolver<ResolversTypes['User'], ParentType, ContextType, RequireFields<MutationCreateUserArgs, 'input'>>;
  deactivateUser?: Resolver<ResolversTypes['User'], ParentType, ContextType, RequireFields<MutationDeactivateUserArgs, 'email'>>;
  fileIncident?: Resolver<ResolversTypes['Incident'], ParentType, ContextType, RequireFields<MutationFileIncidentArgs, 'input'>>;
  issueApiToken?: Resolver<ResolversTypes['IssuedApiToken'], ParentType, ContextType, RequireFields<MutationIssueApiTokenArgs, 'input'>>;
  mergeIncident?: Resolver<ResolversTypes['Incident'], ParentType, ContextType, RequireFields<MutationMergeIncidentArgs, 'id' | 'intoId'>>;
  revokeApiToken?: Resolver<ResolversTypes['ApiToken'], ParentType, ContextType, RequireFields<MutationRevokeApiTokenArgs, 'prefix'>>;
  setIncidentLawEnforcementSensitive?: Resolver<ResolversTypes['Incident'], ParentType, ContextType, RequireFields<MutationSetIncidentLawEnforcementSensitiveArgs, 'id' | 'value'>>;
  setIncidentTlp?: Resolver<ResolversTypes['Incident'], ParentType, ContextType, RequireFields<MutationSetIncidentTlpArgs, 'id' | 'tlp'>>;
  shareIncident?: Resolver<ResolversTypes['Incident'], ParentType, ContextType, RequireFields<MutationShareIncidentArgs, 'id'>>;
  transitionIncident?: Resolver<ResolversTypes['Incident'], ParentType, ContextType, RequireFields<MutationTransitionIncidentArgs, 'id' | 'to'>>;
  updateIncident?: Resolver<ResolversTypes['Incident'], ParentType, ContextType, RequireFields<MutationUpdateIncidentArgs, 'expectedVersion' | 'id' | 'input'>>;
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

export type QueryResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = {
  apiTokens?: Resolver<Array<ResolversTypes['ApiToken']>, ParentType, ContextType, RequireFields<QueryApiTokensArgs, 'email'>>;
  auditLog?: Resolver<ResolversTypes['AuditEntryConnection'], ParentType, ContextType, Partial<QueryAuditLogArgs>>;
  incident?: Resolver<Maybe<ResolversTypes['Incident']>, ParentType, ContextType, RequireFields<QueryIncidentArgs, 'id'>>;
  incidentByReference?: Resolver<Maybe<ResolversTypes['Incident']>, ParentType, ContextType, RequireFields<QueryIncidentByReferenceArgs, 'reference'>>;
  incidents?: Resolver<ResolversTypes['IncidentConnection'], ParentType, ContextType, Partial<QueryIncidentsArgs>>;
  organization?: Resolver<Maybe<ResolversTypes['Organization']>, ParentType, ContextType, RequireFields<QueryOrganizationArgs, 'slug'>>;
  organizations?: Resolver<Array<ResolversTypes['Organization']>, ParentType, ContextType, Partial<QueryOrganizationsArgs>>;
  users?: Resolver<Array<ResolversTypes['User']>, ParentType, ContextType, Partial<QueryUsersArgs>>;
  viewer?: Resolver<ResolversTypes['Viewer'], ParentType, ContextType>;
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
  ApiToken?: ApiTokenResolvers<ContextType>;
  AuditEntry?: AuditEntryResolvers<ContextType>;
  AuditEntryConnection?: AuditEntryConnectionResolvers<ContextType>;
  AuditEntryEdge?: AuditEntryEdgeResolvers<ContextType>;
  DateTime?: GraphQLScalarType;
  Duty?: DutyResolvers<ContextType>;
  ExternalReference?: ExternalReferenceResolvers<ContextType>;
  Incident?: IncidentResolvers<ContextType>;
  IncidentAssignee?: IncidentAssigneeResolvers<ContextType>;
  IncidentConnection?: IncidentConnectionResolvers<ContextType>;
  IncidentEdge?: IncidentEdgeResolvers<ContextType>;
  IncidentTimelineConnection?: IncidentTimelineConnectionResolvers<ContextType>;
  IncidentTimelineEdge?: IncidentTimelineEdgeResolvers<ContextType>;
  IncidentTimelineEntry?: IncidentTimelineEntryResolvers<ContextType>;
  IssuedApiToken?: IssuedApiTokenResolvers<ContextType>;
  JSON?: GraphQLScalarType;
  Mutation?: MutationResolvers<ContextType>;
  Organization?: OrganizationResolvers<ContextType>;
  PageInfo?: PageInfoResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  User?: UserResolvers<ContextType>;
  Viewer?: ViewerResolvers<ContextType>;
};

