import type { ColumnType, Generated } from 'kysely';
import type { CreatedAt, Timestamp } from '../../infra/column-types.js';
import type { ContactMethodKind } from '../../domain/delivery.js';

/** Tables of on-call schedules and contact methods (migrations/2026-11-25T1100_oncall.ts). */

export interface SchedulesTable {
  id: Generated<string>;
  /** One schedule per duty: the escalation engine looks it up by duty. */
  duty_id: string;
  time_zone: Generated<string>;
  shift_length_hours: number;
  /** HH:MM, local to time_zone. */
  handoff_time: string;
  /** A `date` column; repositories read it as YYYY-MM-DD text (pg would otherwise build a local-midnight Date). */
  start_date: ColumnType<string, string, string>;
  /** User ids in rotation order. */
  participants: string[];
  created_at: CreatedAt;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface ScheduleOverridesTable {
  id: Generated<string>;
  schedule_id: string;
  user_id: string;
  starts_at: Timestamp;
  ends_at: Timestamp;
  created_by: string | null;
  created_at: CreatedAt;
}

export interface ContactMethodsTable {
  id: Generated<string>;
  user_id: string;
  kind: ContactMethodKind;
  /** The e-mail address, webhook URL or E.164 number. */
  target: string;
  /** WEBHOOK only: the Standard Webhooks signing secret, kept as is so the hub can sign; wiped on removal. */
  secret: string | null;
  verified_at: Timestamp | null;
  /** Set by delivery when the target refuses for good (a webhook answering 410 Gone). */
  disabled_at: Timestamp | null;
  disabled_reason: string | null;
  /** Removed methods stay as rows so that past notifications keep pointing at what they were sent to. */
  removed_at: Timestamp | null;
  created_at: CreatedAt;
}

export interface OncallTables {
  schedules: SchedulesTable;
  schedule_overrides: ScheduleOverridesTable;
  contact_methods: ContactMethodsTable;
}
