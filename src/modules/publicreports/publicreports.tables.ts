import type { Generated } from 'kysely';
import type { CreatedAt, Timestamp } from '../../infra/column-types.js';

/** The public reports of misleading election information, the claims they are clustered into, analysts' notes. */

export interface ClaimsTable {
  id: Generated<string>;
  reference: string;
  status: Generated<string>;
  title: string;
  match_text: Generated<string>;
  links: Generated<string[]>;
  phones: Generated<string[]>;
  first_seen_at: Generated<Date>;
  last_seen_at: Generated<Date>;
  closed_at: Timestamp | null;
  merged_into_id: string | null;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
}

export interface PublicReportsTable {
  id: Generated<string>;
  reference: string;
  language: string;
  claim_text: Generated<string>;
  link: string | null;
  seen_where: string;
  seen_when: string;
  county: string | null;
  why_false: Generated<string>;
  followup_email: string | null;
  followup_sent_at: Timestamp | null;
  followup_deleted_at: Timestamp | null;
  screenshot: Buffer | null;
  screenshot_type: string | null;
  screenshot_deleted_at: Timestamp | null;
  client_hash: Buffer;
  detected_language: string | null;
  links: Generated<string[]>;
  handles: Generated<string[]>;
  phones: Generated<string[]>;
  claim_id: string | null;
  cluster_reason: string | null;
  clustered_at: Timestamp | null;
  created_at: CreatedAt;
}

export interface ClaimNotesTable {
  id: Generated<string>;
  claim_id: string;
  author_user_id: string | null;
  author_name: string;
  body: string;
  created_at: CreatedAt;
}

export interface ClaimIncidentsTable {
  claim_id: string;
  incident_id: string;
  reason: string;
  created_at: CreatedAt;
}

export interface RumorAnswersTable {
  claim_id: string;
  slug: string;
  status: Generated<string>;
  published_at: Timestamp | null;
  updated_at: Generated<Date>;
}

export interface RumorAnswerTextsTable {
  claim_id: string;
  language: string;
  title: string;
  body: string;
  updated_at: Generated<Date>;
}

export interface PublicReportsTables {
  rumor_answers: RumorAnswersTable;
  rumor_answer_texts: RumorAnswerTextsTable;
  claim_incidents: ClaimIncidentsTable;
  claims: ClaimsTable;
  public_reports: PublicReportsTable;
  claim_notes: ClaimNotesTable;
}
