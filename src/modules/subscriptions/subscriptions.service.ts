import { canListSubscriptionsOf, canManageSubscription, canSubscribeFor } from '../../access/subscriptions.js';
import type { Principal } from '../../access/principal.js';
import type { Config } from '../../config.js';
import { ForbiddenError, InputError, NotFoundError } from '../../errors.js';
import type { Db } from '../../infra/db.js';
import { singleLineText } from '../../text.js';
import { recordAudit } from '../audit/index.js';
import { isUuid } from '../../domain/ids.js';
import { CATEGORIES, DOMAINS, type IncidentCategory, type IncidentDomain, type Severity } from '../../domain/taxonomy.js';
import { INDICATOR_TYPES, type IndicatorType } from '../indicators/index.js';
import { auditTarget, checkEmailTarget, checkWebhookTarget, generateWebhookSecret } from '../oncall/index.js';
import { findOrganizationBySlug, findOrganizationsBySlugs } from '../partners/index.js';
import { isSeverity, type AlertFilter } from './filter.js';
import {
  cancelPendingDeliveries,
  findUserEmail,
  insertSubscription,
  listDeliveries,
  listDeliveryAttempts,
  listSubscriptions,
  lockLiveSubscription,
  outboxHead,
  updateSubscription,
  type SubscriptionRow,
} from './subscriptions.repository.js';

export interface CreateAlertSubscriptionInput {
  name: string;
  /** An organization subscription (ORG_ADMIN of it); absent: the caller's own. */
  organization?: string | null;
  filter?: {
    severityAtLeast?: Severity | null;
    domains?: readonly IncidentDomain[] | null;
    categories?: readonly IncidentCategory[] | null;
    affectedCounties?: readonly string[] | null;
    indicatorTypes?: readonly IndicatorType[] | null;
    includeIndicators?: boolean | null;
    exercise?: boolean | null;
  } | null;
  channels: readonly ('WEBHOOK' | 'EMAIL')[];
  webhookUrl?: string | null;
  email?: string | null;
  mode: 'IMMEDIATE' | 'HOURLY_DIGEST' | 'DAILY_DIGEST';
}

/** Absent (or null) fields stay as they are; a filter replaces the whole filter. */
export interface UpdateAlertSubscriptionInput {
  name?: string | null;
  filter?: CreateAlertSubscriptionInput['filter'];
  channels?: readonly ('WEBHOOK' | 'EMAIL')[] | null;
  webhookUrl?: string | null;
  email?: string | null;
  mode?: CreateAlertSubscriptionInput['mode'] | null;
}

export type SubscriptionsService = ReturnType<typeof createSubscriptionsService>;

export function createSubscriptionsService(deps: { db: Db; config: Config }) {
  const { db, config } = deps;

  /** The owner may manage a user subscription; an organization's ORG_ADMIN (or a HUB_ADMIN) its subscriptions. */
  const mayManage = (p: Principal, s: SubscriptionRow): boolean => canManageSubscription(p, s);

  async function validateFilter(f: NonNullable<CreateAlertSubscriptionInput['filter']>): Promise<AlertFilter> {
    if (f.severityAtLeast && !isSeverity(f.severityAtLeast)) throw new InputError('filter.severityAtLeast', `"${f.severityAtLeast}" is not a severity`);
    for (const d of f.domains ?? []) if (!DOMAINS.includes(d)) throw new InputError('filter.domains', `"${d}" is not a domain`);
    for (const c of f.categories ?? []) if (!CATEGORIES.includes(c)) throw new InputError('filter.categories', `"${c}" is not a category`);
    for (const t of f.indicatorTypes ?? []) if (!INDICATOR_TYPES.includes(t)) throw new InputError('filter.indicatorTypes', `"${t}" is not an indicator type`);
    const counties = await findOrganizationsBySlugs(db, f.affectedCounties ?? []);
    for (const slug of f.affectedCounties ?? []) {
      const o = counties.find((c) => c.slug === slug);
      if (!o || o.kind !== 'COUNTY') throw new InputError('filter.affectedCounties', `"${slug}" is not a county`);
    }
    return {
      severityAtLeast: f.severityAtLeast ?? null,
      // Repeated entries mean nothing more than one: stored once (incidents' slug lists do the same).
      domains: [...new Set(f.domains ?? [])],
      categories: [...new Set(f.categories ?? [])],
      affectedCountyIds: [...new Set(counties.map((c) => c.id))],
      indicatorTypes: [...new Set(f.indicatorTypes ?? [])],
      includeIndicators: f.includeIndicators ?? false,
      exercise: f.exercise ?? null,
    };
  }

  function validateWebhookUrl(url: string | null | undefined): string {
    if (!url) throw new InputError('webhookUrl', 'the WEBHOOK channel needs a URL');
    const checked = checkWebhookTarget(url, config.webhooks);
    if (!checked.ok) throw new InputError('webhookUrl', checked.reason);
    return checked.target;
  }

  function validateEmail(target: string | null | undefined): string {
    if (!target) throw new InputError('email', 'the EMAIL channel of an organization subscription needs an address');
    const checked = checkEmailTarget(target);
    if (!checked.ok) throw new InputError('email', checked.reason);
    return checked.target;
  }

  async function create(principal: Principal, input: CreateAlertSubscriptionInput): Promise<{ row: SubscriptionRow; webhookSecret: string | null }> {
    if (principal.kind !== 'user') throw new ForbiddenError('Subscriptions belong to users or organizations.');
    const name = singleLineText(input.name);
    if (name.length === 0 || name.length > 100) throw new InputError('name', 'must be 1 to 100 characters');
    let organizationId = principal.organization.id;
    let ownerUserId: string | null = principal.userId;
    if (input.organization) {
      const org = await findOrganizationBySlug(db, input.organization);
      if (!org) throw new InputError('organization', `no organization with slug "${input.organization}"`);
      if (!canSubscribeFor(principal, org.id)) throw new ForbiddenError(`Only an ORG_ADMIN of ${org.slug} may subscribe for it.`);
      organizationId = org.id;
      ownerUserId = null;
    }
    const filter = await validateFilter(input.filter ?? {});
    const channels = [...new Set(input.channels)];
    if (channels.length === 0) throw new InputError('channels', 'at least one channel (WEBHOOK, EMAIL)');
    let webhookUrl: string | null = null;
    let webhookSecret: string | null = null;
    if (channels.includes('WEBHOOK')) {
      webhookUrl = validateWebhookUrl(input.webhookUrl);
      webhookSecret = generateWebhookSecret();
    }
    let email: string | null = null;
    if (channels.includes('EMAIL')) email = validateEmail(input.email ?? (ownerUserId ? principal.email : null));
    return db.transaction().execute(async (trx) => {
      // A new subscription starts at the present: its first digest covers what happens from now on.
      const head = await outboxHead(trx);
      const row = await insertSubscription(trx, {
          owner_user_id: ownerUserId,
          organization_id: organizationId,
          created_by: principal.userId,
          name,
          filter: JSON.stringify(filter),
          channels,
          webhook_url: webhookUrl,
          webhook_secret: webhookSecret,
          email,
          mode: input.mode,
          digest_after_outbox_id: head,
        });
      await recordAudit(trx, principal, 'alert_subscription.created', { type: 'AlertSubscription', id: row.id }, {
        name,
        mode: input.mode,
        channels,
        filter,
        // The origin only, as for contact methods: a webhook's path and query often carry a token.
        webhookUrl: webhookUrl === null ? null : auditTarget('WEBHOOK', webhookUrl),
        email,
      });
      return { row, webhookSecret };
    });
  }

  async function list(principal: Principal, organizationSlug?: string | null): Promise<SubscriptionRow[]> {
    if (principal.kind !== 'user') return [];
    if (organizationSlug) {
      const org = await findOrganizationBySlug(db, organizationSlug);
      if (!org) throw new NotFoundError('Organization', organizationSlug);
      if (!canListSubscriptionsOf(principal, org.id)) throw new ForbiddenError(`Only an ORG_ADMIN of ${org.slug} may list its subscriptions.`);
      return listSubscriptions(db, { organizationId: org.id });
    }
    return listSubscriptions(db, { ownerUserId: principal.userId });
  }

  async function change(principal: Principal, id: string, action: 'paused' | 'resumed' | 'deleted'): Promise<SubscriptionRow> {
    if (!isUuid(id)) throw new NotFoundError('Alert subscription', id);
    return db.transaction().execute(async (trx) => {
      const s = await lockLiveSubscription(trx, id);
      if (!s || !mayManage(principal, s)) throw new NotFoundError('Alert subscription', id);
      const now = new Date();
      const patch = action === 'paused' ? { paused_at: now } : action === 'resumed' ? { paused_at: null } : { deleted_at: now, webhook_secret: null };
      const row = await updateSubscription(trx, id, { ...patch, updated_at: now });
      if (action !== 'resumed') await cancelPendingDeliveries(trx, id, `subscription ${action}`);
      await recordAudit(trx, principal, `alert_subscription.${action}`, { type: 'AlertSubscription', id }, { name: s.name });
      return row;
    });
  }

  /**
   * Changes a subscription in place; absent fields stay. A channel added needs its target (a webhook
   * gets a new signing secret, returned once); a channel removed forgets its target. Who may change it:
   * as for pausing (mayManage); a subscription one may not manage is NOT_FOUND.
   */
  async function update(principal: Principal, id: string, input: UpdateAlertSubscriptionInput): Promise<{ row: SubscriptionRow; webhookSecret: string | null }> {
    if (!isUuid(id)) throw new NotFoundError('Alert subscription', id);
    const name = input.name === undefined || input.name === null ? null : singleLineText(input.name);
    if (name !== null && (name.length === 0 || name.length > 100)) throw new InputError('name', 'must be 1 to 100 characters');
    const filter = input.filter ? await validateFilter(input.filter) : null;
    if (input.channels && input.channels.length === 0) throw new InputError('channels', 'at least one channel (WEBHOOK, EMAIL)');
    return db.transaction().execute(async (trx) => {
      const s = await lockLiveSubscription(trx, id);
      if (!s || !mayManage(principal, s)) throw new NotFoundError('Alert subscription', id);
      const channels = input.channels ? [...new Set(input.channels)] : s.channels;
      let webhookUrl: string | null = null;
      let webhookSecret: string | null = null;
      let newSecret: string | null = null;
      if (channels.includes('WEBHOOK')) {
        webhookUrl = input.webhookUrl ? validateWebhookUrl(input.webhookUrl) : s.webhook_url ?? validateWebhookUrl(null);
        webhookSecret = s.webhook_secret;
        if (!webhookSecret) webhookSecret = newSecret = generateWebhookSecret();
      }
      let email: string | null = null;
      if (channels.includes('EMAIL')) {
        const owner = s.owner_user_id ? await findUserEmail(trx, s.owner_user_id) : undefined;
        email = input.email ? validateEmail(input.email) : s.email ? s.email : validateEmail(owner?.email ?? null);
      }
      const mode = input.mode ?? s.mode;
      // A new mode starts at the present, as a new subscription does: no first digest of everything since creation.
      const head = mode !== s.mode ? await outboxHead(trx) : undefined;
      const row = await updateSubscription(trx, id, {
          name: name ?? s.name,
          filter: filter ? JSON.stringify(filter) : JSON.stringify(s.filter),
          channels,
          webhook_url: webhookUrl,
          webhook_secret: webhookSecret,
          email,
          mode,
          ...(head !== undefined ? { digest_after_outbox_id: head } : {}),
          updated_at: new Date(),
        });
      // The entry names what changed; of a webhook, only its origin (its path and query may carry secrets).
      const origin = (u: string | null) => (u ? new URL(u).origin : null);
      const change: Record<string, unknown> = {};
      if (row.name !== s.name) change.name = { before: s.name, after: row.name };
      if (filter) change.filter = filter;
      if (channels.join() !== s.channels.join()) change.channels = { before: s.channels, after: channels };
      if (webhookUrl !== s.webhook_url) change.webhookUrl = { before: origin(s.webhook_url), after: origin(webhookUrl) };
      if (email !== s.email) change.email = { before: s.email, after: email };
      if (mode !== s.mode) change.mode = { before: s.mode, after: mode };
      if (newSecret) change.webhookSecret = 'generated';
      await recordAudit(trx, principal, 'alert_subscription.updated', { type: 'AlertSubscription', id }, { name: row.name, ...change });
      return { row, webhookSecret: newSecret };
    });
  }

  function deliveries(subscriptionId: string, limit = 50) {
    return listDeliveries(db, subscriptionId, limit);
  }

  function attempts(deliveryIds: readonly string[]) {
    return listDeliveryAttempts(db, deliveryIds);
  }

  return {
    create,
    update,
    list,
    pause: (p: Principal, id: string) => change(p, id, 'paused'),
    resume: (p: Principal, id: string) => change(p, id, 'resumed'),
    remove: (p: Principal, id: string) => change(p, id, 'deleted'),
    deliveries,
    attempts,
  };
}
