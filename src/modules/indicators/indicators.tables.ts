import type { ColumnType, Generated } from 'kysely';
import type { CreatedAt, Timestamp } from '../../infra/column-types.js';
import type { IndicatorType } from '../../domain/indicator-types.js';
import type { Tlp } from '../../domain/taxonomy.js';

/** The indicator tables (migrations/2026-11-25T1200_indicators.ts). */

export interface IndicatorsTable {
  /** bigserial, read as a number (src/infra/db.ts parses int8). */
  id: Generated<number>;
  type: IndicatorType;
  value: string;
  /** Generated from value for IPV4, IPV6 and CIDR; never written. */
  net: ColumnType<string | null, never, never>;
  benign_reason: string | null;
  first_seen: Timestamp;
  last_seen: Timestamp;
  created_at: CreatedAt;
}

export interface IndicatorReportsTable {
  id: Generated<number>;
  indicator_id: number;
  organization_id: string;
  reported_by: string | null;
  tlp: Tlp;
  law_enforcement_sensitive: Generated<boolean>;
  confidence: Generated<number>;
  valid_from: Timestamp;
  valid_until: Timestamp | null;
  description: string | null;
  /** No foreign key yet (see the migration). */
  incident_id: string | null;
  revoked_at: Timestamp | null;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
}

export interface SightingsTable {
  /** The key; never shown (public_id is). */
  id: Generated<number>;
  public_id: Generated<string>;
  indicator_id: number;
  organization_id: string;
  reported_by: string | null;
  seen_at: Timestamp;
  count: Generated<number>;
  tlp: Tlp;
  created_at: CreatedAt;
}

export interface IndicatorsTables {
  indicators: IndicatorsTable;
  indicator_reports: IndicatorReportsTable;
  indicator_report_shares: { report_id: number; organization_id: string };
  indicator_report_recipients: { report_id: number; user_id: string };
  sightings: SightingsTable;
  indicator_correlations: {
    indicator_id: number;
    incident_id: string;
    county_ids: string[];
    created_at: CreatedAt;
    updated_at: Generated<Date>;
  };
}
