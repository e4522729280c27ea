/* eslint-disable */
// Generated from schema.graphql by `npm run codegen`. Do not edit.
import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { OrganizationModel as OrganizationModelModel, DutyModel as DutyModelModel, UserModel as UserModelModel, ApiTokenModel as ApiTokenModelModel } from './models.js';
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
};

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
  /** Adds a user to an organization (ORG_ADMIN of that organization, or HUB_ADMIN). */
  createUser: User;
  /** Deactivates a user: their tokens stop working at once. */
  deactivateUser: User;
  /** Issues an API token; the token is returned here once and never again. */
  issueApiToken: IssuedApiToken;
  /** Revokes a token by its prefix (e.g. `estf_AbCd1234`). */
  revokeApiToken: ApiToken;
};


export type MutationCreateUserArgs = {
  input: CreateUserInput;
};


export type MutationDeactivateUserArgs = {
  email: Scalars['String']['input'];
};


export type MutationIssueApiTokenArgs = {
  input: IssueApiTokenInput;
};


export type MutationRevokeApiTokenArgs = {
  prefix: Scalars['String']['input'];
};

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
  ApiToken: ResolverTypeWrapper<ApiTokenModelModel>;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  CreateUserInput: CreateUserInput;
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  Duty: ResolverTypeWrapper<DutyModelModel>;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  IssueApiTokenInput: IssueApiTokenInput;
  IssuedApiToken: ResolverTypeWrapper<Omit<IssuedApiToken, 'apiToken'> & { apiToken: ResolversTypes['ApiToken'] }>;
  Mutation: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Organization: ResolverTypeWrapper<OrganizationModelModel>;
  PartnerKind: PartnerKind;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Role: Role;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  User: ResolverTypeWrapper<UserModelModel>;
  Viewer: ResolverTypeWrapper<UserPrincipalModel>;
};

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = {
  ApiToken: ApiTokenModelModel;
  Boolean: Scalars['Boolean']['output'];
  CreateUserInput: CreateUserInput;
  DateTime: Scalars['DateTime']['output'];
  Duty: DutyModelModel;
  ID: Scalars['ID']['output'];
  IssueApiTokenInput: IssueApiTokenInput;
  IssuedApiToken: Omit<IssuedApiToken, 'apiToken'> & { apiToken: ResolversParentTypes['ApiToken'] };
  Mutation: Record<PropertyKey, never>;
  Organization: OrganizationModelModel;
  Query: Record<PropertyKey, never>;
  String: Scalars['String']['output'];
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

export interface DateTimeScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['DateTime'], any> {
  name: 'DateTime';
}

export type DutyResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Duty'] = ResolversParentTypes['Duty']> = {
  description?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  organization?: Resolver<ResolversTypes['Organization'], ParentType, ContextType>;
};

export type IssuedApiTokenResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['IssuedApiToken'] = ResolversParentTypes['IssuedApiToken']> = {
  apiToken?: Resolver<ResolversTypes['ApiToken'], ParentType, ContextType>;
  token?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type MutationResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = {
  createUser?: Resolver<ResolversTypes['User'], ParentType, ContextType, RequireFields<MutationCreateUserArgs, 'input'>>;
  deactivateUser?: Resolver<ResolversTypes['User'], ParentType, ContextType, RequireFields<MutationDeactivateUserArgs, 'email'>>;
  issueApiToken?: Resolver<ResolversTypes['IssuedApiToken'], ParentType, ContextType, RequireFields<MutationIssueApiTokenArgs, 'input'>>;
  revokeApiToken?: Resolver<ResolversTypes['ApiToken'], ParentType, ContextType, RequireFields<MutationRevokeApiTokenArgs, 'prefix'>>;
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

export type QueryResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = {
  apiTokens?: Resolver<Array<ResolversTypes['ApiToken']>, ParentType, ContextType, RequireFields<QueryApiTokensArgs, 'email'>>;
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
  DateTime?: GraphQLScalarType;
  Duty?: DutyResolvers<ContextType>;
  IssuedApiToken?: IssuedApiTokenResolvers<ContextType>;
  Mutation?: MutationResolvers<ContextType>;
  Organization?: OrganizationResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  User?: UserResolvers<ContextType>;
  Viewer?: ViewerResolvers<ContextType>;
};

