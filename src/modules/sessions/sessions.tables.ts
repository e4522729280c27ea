import type { Generated } from 'kysely';
import type { CreatedAt, Timestamp } from '../../infra/column-types.js';

export interface LoginLinksTable {
  id: Generated<string>;
  token_hash: Buffer;
  user_id: string;
  created_at: CreatedAt;
  expires_at: Timestamp;
  used_at: Timestamp | null;
  requested_by: string;
}

export interface SessionsTable {
  id: Generated<string>;
  token_hash: Buffer;
  user_id: string;
  created_at: CreatedAt;
  last_seen_at: Generated<Date>;
  idle_expires_at: Timestamp;
  expires_at: Timestamp;
  client_address_hash: Buffer | null;
  user_agent: Generated<string>;
  revoked_at: Timestamp | null;
}

export interface SignInRequestsTable {
  id: Generated<string>;
  at: Generated<Date>;
  email_hash: Buffer;
  client_address_hash: Buffer | null;
}

export interface SessionsTables {
  login_links: LoginLinksTable;
  sessions: SessionsTable;
  sign_in_requests: SignInRequestsTable;
}
