import type { ColumnType, Generated } from 'kysely';
import type { CreatedAt, Timestamp } from '../../infra/column-types.js';
import type { AlertChannel, AlertDeliveryKind, AlertMode, DeliveryOutcome, DeliveryStatus } from '../../domain/delivery.js';
import type { AlertFilter } from './filter.js';

export interface AlertSubscriptionsTable {
  id: Generated<string>;
  owner_user_id: string | null;
  organization_id: string;
  created_by: string | null;
  name: string;
  filter: ColumnType<AlertFilter, string, string>;
  channels: AlertChannel[];
  webhook_url: string | null;
  webhook_secret: string | null;
  email: string | null;
  mode: AlertMode;
  paused_at: Timestamp | null;
  deleted_at: Timestamp | null;
  digest_after_outbox_id: Generated<number>;
  last_digest_at: Timestamp | null;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
}

export interface AlertDeliveriesTable {
  id: Generated<string>;
  subscription_id: string;
  kind: AlertDeliveryKind;
  channel: AlertChannel;
  outbox_from: number;
  outbox_to: number;
  status: DeliveryStatus;
  status_reason: string | null;
  attempts: Generated<number>;
  next_attempt_at: Timestamp | null;
  items: Generated<number>;
  created_at: CreatedAt;
  delivered_at: Timestamp | null;
}

export interface SubscriptionsTables {
  alert_subscriptions: AlertSubscriptionsTable;
  alert_deliveries: AlertDeliveriesTable;
  /** Outbox events the subscription matcher has handled (recent ones): immediate alerts wait for earlier ones. */
  alert_matched_events: { outbox_id: number };
  alert_delivery_attempts: {
    id: Generated<number>;
    delivery_id: string;
    at: Timestamp;
    outcome: DeliveryOutcome;
    http_status: number | null;
    error: string | null;
    latency_ms: number;
  };
}
