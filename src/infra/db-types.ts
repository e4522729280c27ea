import type { ColumnType, Generated } from 'kysely';
import type { CreatedAt, Timestamp } from './column-types.js';
import type { PartnerKind, Role } from '../domain/people.js';
import type { EscalationsTables } from '../modules/escalations/escalations.tables.js';
import type { SubscriptionsTables } from '../modules/subscriptions/subscriptions.tables.js';
import type { IncidentsTables } from '../modules/incidents/incidents.tables.js';
import type { IndicatorsTables } from '../modules/indicators/indicators.tables.js';
import type { OncallTables } from '../modules/oncall/oncall.tables.js';
import type { SessionsTables } from '../modules/sessions/sessions.tables.js';
import type { MispTables } from '../modules/misp/misp.tables.js';
import type { PublicReportsTables } from '../modules/publicreports/publicreports.tables.js';
import type { StixTables } from '../modules/stix/stix.tables.js';

/**
 * The database as Kysely sees it. Hand-written next to the migrations: a migration that adds a table
 * adds its interface here. Each module owns the tables it writes.
 */

export type { CreatedAt, Timestamp } from './column-types.js';

export interface OrganizationsTable {
  id: Generated<string>;
  slug: string;
  name: string;
  kind: PartnerKind;
  fips: string | null;
  active: Generated<boolean>;
  created_at: CreatedAt;
}

export interface DutiesTable {
  id: Generated<string>;
  organization_id: string;
  name: string;
  description: Generated<string>;
}

export interface UsersTable {
  id: Generated<string>;
  organization_id: string;
  email: string;
  name: string;
  roles: Role[];
  active: Generated<boolean>;
  deactivated_at: Timestamp | null;
  created_at: CreatedAt;
}

export interface ApiTokensTable {
  id: Generated<string>;
  user_id: string;
  name: Generated<string>;
  prefix: string;
  token_hash: Buffer;
  expires_at: Timestamp | null;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
  created_at: CreatedAt;
  /** Who issued it when not its owner (the operator's CLI); null: the owner. */
  issued_by: string | null;
}

export interface AuditLogTable {
  seq: number;
  at: Timestamp;
  actor_user_id: string | null;
  actor_email: string | null;
  actor_organization_id: string | null;
  actor_organization_slug: string | null;
  token_prefix: string | null;
  action: string;
  object_type: string;
  object_id: string | null;
  change: unknown | null;
  request_id: string | null;
  client_address: string | null;
  prev_hash: string;
  hash: string;
  /** 1: plain SHA-256 chain (entries written before the keyed chain); 2: HMAC-SHA256 with the audit key. */
  scheme: number;
}

export interface OutboxTable {
  id: Generated<number>;
  topic: string;
  aggregate_type: string;
  aggregate_id: string;
  payload: ColumnType<Record<string, unknown>, string | undefined, string>;
  created_at: CreatedAt;
  published_at: Timestamp | null;
}

export interface WorkerHeartbeatsTable {
  worker_id: string;
  hostname: string;
  pid: number;
  started_at: Timestamp;
  last_beat_at: Timestamp;
}

/**
 * Each module that adds tables declares them in its own `<module>.tables.ts` and is listed here once.
 */
export interface Database extends FoundationTables, IncidentsTables, OncallTables, EscalationsTables, IndicatorsTables, SubscriptionsTables, SessionsTables, MispTables, PublicReportsTables, StixTables {}

export interface FoundationTables {
  organizations: OrganizationsTable;
  duties: DutiesTable;
  users: UsersTable;
  api_tokens: ApiTokensTable;
  audit_log: AuditLogTable;
  outbox: OutboxTable;
  worker_heartbeats: WorkerHeartbeatsTable;
}
