import type { ColumnType, Generated } from 'kysely';
import type { CreatedAt, Timestamp } from '../../infra/column-types.js';
import type { ContactMethodKind, DeliveryOutcome, DeliveryStatus, EscalationState, NotificationKind } from '../../domain/delivery.js';
import type { IncidentCategory, IncidentDomain, Severity } from '../../domain/taxonomy.js';
import type { EscalationPolicy } from './policy.js';

type Json<T> = ColumnType<T, string, string>;

export interface RoutingRulesTable {
  id: Generated<string>;
  name: string;
  description: Generated<string>;
  enabled: Generated<boolean>;
  position: Generated<number>;
  severity_at_least: Severity | null;
  domains: Generated<IncidentDomain[]>;
  categories: Generated<IncidentCategory[]>;
  policy: Json<EscalationPolicy>;
  version: Generated<number>;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
}

export interface EscalationsTable {
  id: Generated<string>;
  incident_id: string;
  rule_id: string | null;
  rule_name: string;
  policy: Json<EscalationPolicy>;
  state: EscalationState;
  level: Generated<number>;
  loop: Generated<number>;
  timer_token: string | null;
  next_fire_at: Timestamp | null;
  last_paged_level: number | null;
  targeted_organization_ids: Generated<string[]>;
  acknowledged_by: string | null;
  acknowledged_at: Timestamp | null;
  resolved_at: Timestamp | null;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
}

export interface NotificationsTable {
  id: Generated<string>;
  escalation_id: string;
  incident_id: string;
  kind: NotificationKind;
  level: number;
  loop: number;
  recipient_user_id: string;
  contact_method_id: string;
  channel: ContactMethodKind;
  status: DeliveryStatus;
  status_reason: string | null;
  attempts: Generated<number>;
  next_attempt_at: Timestamp | null;
  /** The worker whose attempt is in flight (its heartbeat id), while its lease runs. */
  claimed_by: Generated<string | null>;
  ack_token_hash: Buffer | null;
  ack_expires_at: Timestamp | null;
  ack_used_at: Timestamp | null;
  created_at: CreatedAt;
  delivered_at: Timestamp | null;
}

export interface DeliveryAttemptsTable {
  id: Generated<number>;
  notification_id: string;
  at: Timestamp;
  outcome: DeliveryOutcome;
  http_status: number | null;
  error: string | null;
  latency_ms: number;
}

export interface EscalationsTables {
  hub_secrets: { name: string; value: string; created_at: CreatedAt };
  routing_rules: RoutingRulesTable;
  escalations: EscalationsTable;
  notifications: NotificationsTable;
  delivery_attempts: DeliveryAttemptsTable;
}
