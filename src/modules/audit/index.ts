/**
 * The audit module's front door: recording an entry inside the caller's transaction, reading the log,
 * the chain's key, verification and checkpoints. audit.repository.ts is private to the module.
 */

export { recordAudit } from './audit.service.js';
export type { AuditStatementPart } from './audit.repository.js';
export { createAuditQueryService, describeVerification, verifyAuditLog, type AuditEntryView, type AuditFilter, type AuditQueryService, type AuditVerification } from './audit.query.js';
export { useAuditKey } from './audit.key.js';
export { chainHead, readCheckpoints, writeCheckpoint } from './audit.checkpoints.js';
export { verifyAuditChain } from './audit.repository.js';
/** How many entries match (a rate limit counted from what the log already records). */
export { countAuditEntries } from './audit.repository.js';
/** Serializes writers of the log and of the outbox (which shares its commit order). */
export { appendLockCte, appendLockKeyTakenBy, holdsLogAppendLock, takeLogAppendLock } from './audit.repository.js';
