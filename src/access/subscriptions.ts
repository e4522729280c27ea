import { canManageOrganizationMembers } from './policy.js';
import type { Principal } from './principal.js';

/**
 * Who may manage alert subscriptions. A subscription belongs to a user or to an organization; what it
 * delivers is checked per event against its recipient's rights (notifications, in alerts and
 * subscriptions.jobs.ts), so these rules are about the subscription itself.
 */

/** What the policy needs to know about a subscription. */
export interface SubscriptionAccessFacts {
  organization_id: string;
  /** null: the organization's subscription. */
  owner_user_id: string | null;
}

/** Subscribing on behalf of an organization (no owning user): its ORG_ADMIN, or a HUB_ADMIN. */
export function canSubscribeFor(p: Principal, organizationId: string): boolean {
  return canManageOrganizationMembers(p, organizationId);
}

/** Listing an organization's subscriptions: those who may subscribe for it. */
export function canListSubscriptionsOf(p: Principal, organizationId: string): boolean {
  return canManageOrganizationMembers(p, organizationId);
}

/** The owner may manage a user subscription; an organization's ORG_ADMIN (or a HUB_ADMIN) all its subscriptions. */
export function canManageSubscription(p: Principal, s: SubscriptionAccessFacts): boolean {
  if (p.kind !== 'user') return true;
  if (s.owner_user_id && s.owner_user_id === p.userId) return true;
  return canManageOrganizationMembers(p, s.organization_id);
}
