import type { ColumnType, Generated } from 'kysely';
import type { CreatedAt, Timestamp } from '../../infra/column-types.js';
import type { AffectedAsset, IncidentCategory, IncidentDomain, IncidentStatus, Severity, TimelineEntryKind, Tlp } from '../../domain/taxonomy.js';

export interface IncidentsTable {
  id: Generated<string>;
  reference: string;
  title: string;
  summary: string;
  category: IncidentCategory;
  domain: IncidentDomain;
  severity: Severity;
  severity_rank: ColumnType<number, never, never>;
  status: IncidentStatus;
  tlp: Tlp;
  law_enforcement_sensitive: boolean;
  exercise: boolean;
  reporting_user_id: string;
  reporting_organization_id: string;
  affected_assets: AffectedAsset[];
  occurred_at: Timestamp | null;
  detected_at: Timestamp | null;
  reported_at: Generated<Date>;
  assignee_organization_id: string | null;
  assignee_user_id: string | null;
  external_references: ColumnType<ExternalReference[], string, string>;
  merged_into_id: string | null;
  version: Generated<number>;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
  search: ColumnType<unknown, never, never>;
  // Copies of the link tables (incident_affected_counties, incident_shares, incident_recipients), written
  // only by their triggers (migration 2026-12-09T0100): the list's access filter tests the row itself.
  affected_county_ids: ColumnType<string[], never, never>;
  shared_organization_ids: ColumnType<string[], never, never>;
  recipient_user_ids: ColumnType<string[], never, never>;
}

export interface ExternalReference {
  source: string;
  identifier: string;
  url: string | null;
}

export interface IncidentTimelineTable {
  /** The key and the timeline's order; never shown (public_id is). */
  id: Generated<number>;
  public_id: Generated<string>;
  incident_id: string;
  at: Generated<Date>;
  kind: TimelineEntryKind;
  actor_user_id: string | null;
  actor_organization_id: string | null;
  body: string | null;
  change: ColumnType<Record<string, unknown> | null, string | null, string | null>;
  related_incident_id: string | null;
}

export interface IncidentsTables {
  incident_reference_counters: { year: number; last_number: number };
  incidents: IncidentsTable;
  incident_affected_counties: { incident_id: string; organization_id: string };
  incident_shares: { incident_id: string; organization_id: string };
  incident_recipients: { incident_id: string; user_id: string };
  /**
   * Each county's incidents newest first: incident_affected_counties with the incident's reported_at,
   * written only by triggers (migration 2026-12-10T0500); what a list filtered on a county walks.
   */
  incident_county_order: { organization_id: ColumnType<string, never, never>; reported_at: ColumnType<Date, never, never>; incident_id: ColumnType<string, never, never> };
  incident_timeline: IncidentTimelineTable;
}
