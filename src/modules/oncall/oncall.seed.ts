import { systemPrincipal } from '../../access/principal.js';
import type { Db } from '../../infra/db.js';
import type { Logger } from '../../infra/logger.js';
import { recordAudit } from '../audit/index.js';
import { findUsersByEmails } from '../identity/index.js';
import { listDutiesOf, listOrganizations } from '../partners/index.js';
import { insertContactMethod, insertScheduleIfAbsent } from './oncall.repository.js';
import { DEFAULT_TIME_ZONE, localDate } from './rotation.js';

/**
 * Demo on-call (ESTF_DEMO): `oncall@<slug>.example` is on call for every duty of its organization, on a
 * one-person daily rotation, and is reached by e-mail at that address. Runs after seedDemoUsers.
 * Idempotent: a duty that already has a schedule, or a user who has (or ever had) a contact method, is
 * left alone, so whatever someone changed since (a removed address included) stays changed.
 */
export async function seedDemoOnCall(db: Db, logger?: Logger): Promise<{ schedules: number; contactMethods: number }> {
  const result = await db.transaction().execute(async (trx) => {
    const orgs = await listOrganizations(trx);
    const duties = await listDutiesOf(
      trx,
      orgs.map((o) => o.id),
    );
    const oncallByOrg = new Map<string, { id: string; email: string; active: boolean }>();
    const users = await findUsersByEmails(
      trx,
      orgs.map((o) => `oncall@${o.slug}.example`),
    );
    for (const u of users) oncallByOrg.set(u.organization_id, u);
    const today = localDate(new Date(), DEFAULT_TIME_ZONE);
    let schedules = 0;
    for (const duty of duties) {
      const user = oncallByOrg.get(duty.organization_id);
      if (!user || !user.active) continue;
      const created = await insertScheduleIfAbsent(trx, {
        duty_id: duty.id,
        time_zone: DEFAULT_TIME_ZONE,
        shift_length_hours: 24,
        handoff_time: '09:00',
        start_date: today,
        participants: [user.id],
      });
      if (created) schedules++;
    }
    let contactMethods = 0;
    // Once per user: a user who has ever had a contact method (removed since included) chose theirs, and
    // a demo address put back on every start would page someone who asked not to be reached that way.
    const activeUsers = [...oncallByOrg.values()].filter((u) => u.active);
    const hadMethods = new Set(
      activeUsers.length === 0
        ? []
        : (
            await trx
              .selectFrom('contact_methods')
              .select('user_id')
              .distinct()
              .where(
                'user_id',
                'in',
                activeUsers.map((u) => u.id),
              )
              .execute()
          ).map((r) => r.user_id),
    );
    for (const user of activeUsers) {
      if (hadMethods.has(user.id)) continue;
      // A demo address needs no verification round-trip: it is the user's own login e-mail.
      const row = await insertContactMethod(trx, { user_id: user.id, kind: 'EMAIL', target: user.email, secret: null, verified_at: new Date() });
      if (row) contactMethods++;
    }
    if (schedules + contactMethods > 0) {
      await recordAudit(trx, systemPrincipal('seed'), 'demo.oncall_seeded', { type: 'Schedule', id: null }, { schedules, contactMethods });
    }
    return { schedules, contactMethods };
  });
  if (result.schedules + result.contactMethods > 0) logger?.info(result, 'demo on-call schedules and contact methods seeded');
  return result;
}
