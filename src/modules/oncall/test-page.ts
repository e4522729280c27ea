import { randomUUID } from 'node:crypto';
import { canManageContactMethods } from '../../access/policy.js';
import type { Principal } from '../../access/principal.js';
import type { Config } from '../../config.js';
import { InputError, NotFoundError, RateLimitedError } from '../../errors.js';
import type { Db } from '../../infra/db.js';
import { countAuditEntries, recordAudit } from '../audit/index.js';
import { findUserById } from '../identity/index.js';
import type { Senders, SendOutcome } from '../notifications/index.js';
import { checkWebhookTarget } from './contact-targets.js';
import { findLiveContactMethodForTest, recordContactMethodTest } from './oncall.repository.js';

/**
 * Test pages a contact method may be sent per window: a method's target is any address or number its owner
 * types, so without a limit any signed-in user could make the hub mail, text or call someone without end.
 */
export const TEST_PAGE_LIMIT = { perMethod: 3, perActor: 10, windowMs: 10 * 60_000 } as const;

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * "Send a test page": proves a contact method reaches its person before an incident depends on it. A
 * delivered test sets verifiedAt (and gives a method disabled by a 410 back to paging: its receiver is
 * evidently fixed); a failed one clears verifiedAt, and a 410 disables the method as a page would. The
 * routing preflight counts only methods that have reached someone recently (escalations.service.ts).
 */
export function createTestPageService(deps: { db: Db; config: Config; senders: Senders | null }) {
  const { db, config } = deps;

  async function sendTestPage(principal: Principal, id: string) {
    if (!UUID_RE.test(id)) throw new NotFoundError('Contact method', id);
    const method = await findLiveContactMethodForTest(db, id);
    const owner = method ? await findUserById(db, method.user_id) : undefined;
    // Contact methods are invisible to everyone else: the same NOT_FOUND as for an unknown id.
    if (!method || !owner || !canManageContactMethods(principal, owner)) throw new NotFoundError('Contact method', id);
    if (!owner.active) throw new InputError('id', `${owner.email} is deactivated`);
    // Counted from the log's own entries of the tests (one per test, written with its outcome).
    const recent = await countAuditEntries(db, { actions: ['contact_method.tested'], objectType: 'ContactMethod', objectId: id, since: new Date(Date.now() - TEST_PAGE_LIMIT.windowMs) });
    if (recent >= TEST_PAGE_LIMIT.perMethod) {
      throw new RateLimitedError(`At most ${TEST_PAGE_LIMIT.perMethod} test pages per contact method in ${TEST_PAGE_LIMIT.windowMs / 60_000} minutes: wait, then try again.`);
    }
    // And per person sending them: removing a method and adding it again gives it a new id, not a new allowance.
    const actorUserId = principal.kind === 'user' ? principal.userId : null;
    if (actorUserId && (await countAuditEntries(db, { actions: ['contact_method.tested'], actorUserId, since: new Date(Date.now() - TEST_PAGE_LIMIT.windowMs) })) >= TEST_PAGE_LIMIT.perActor) {
      throw new RateLimitedError(`At most ${TEST_PAGE_LIMIT.perActor} test pages per person in ${TEST_PAGE_LIMIT.windowMs / 60_000} minutes: wait, then try again.`);
    }
    if (!deps.senders) throw new Error('no senders configured in this process');
    const messageId = `test-${randomUUID()}`;
    const subject = '[ESTF] Test page: no action needed';
    const text = `This is a test page from ESTF Hub for ${owner.email}. Pages about incidents will reach you here. No action needed.`;
    let result: SendOutcome;
    if (method.kind === 'EMAIL') result = await deps.senders.email(method.target, subject, text, messageId);
    else if (method.kind === 'SMS') result = await deps.senders.sms(method.target, `ESTF Hub test page for ${owner.email}: no action needed.`, messageId);
    else {
      const allowed = checkWebhookTarget(method.target, { allowPrivateTargets: config.webhooks.allowPrivateTargets });
      result = allowed.ok
        ? await deps.senders.webhook(method.target, method.secret ?? '', messageId, { type: 'contact_method.test', subject, text, user: owner.email })
        : { outcome: 'REFUSED', httpStatus: null, error: allowed.reason, latencyMs: 0 };
    }
    const now = new Date();
    const error = result.outcome === 'DELIVERED' ? null : result.error.slice(0, 500);
    const patch =
      result.outcome === 'DELIVERED'
        ? { verified_at: now, disabled_at: null, disabled_reason: null }
        : result.outcome === 'GONE'
          ? { verified_at: null, disabled_at: now, disabled_reason: error }
          : { verified_at: null };
    return db.transaction().execute(async (trx) => {
      const row = await recordContactMethodTest(trx, id, patch);
      if (!row) throw new NotFoundError('Contact method', id);
      await recordAudit(trx, principal, 'contact_method.tested', { type: 'ContactMethod', id }, { user: owner.email, kind: method.kind, outcome: result.outcome });
      return { contactMethod: row, delivered: result.outcome === 'DELIVERED', outcome: result.outcome, error };
    });
  }

  return { sendTestPage };
}
