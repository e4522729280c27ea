import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemPrincipal } from '../src/access/principal.js';
import { seedDemoUsers } from '../src/modules/identity/demo.seed.js';
import { seedDemoOnCall } from '../src/modules/oncall/oncall.seed.js';
import { formatInZone } from '../src/modules/oncall/rotation.js';
import { SEEDED_PARTNERS } from '../src/modules/partners/partners.data.js';
import { runEstf } from './estf-process.js';
import { makeUser } from './factories.js';
import { startTestHub, type TestHub } from './harness.js';

// `estf oncall <org-slug> <duty>` in a child process, as an operator runs it, and the demo on-call data
// that ESTF_DEMO seeds (oncall@<slug>.example on call for every duty of its organization).

describe('estf oncall and the demo on-call data', () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startTestHub({}, { http: false });
  });
  afterAll(async () => hub?.close());

  const estf = (args: string[], env: Record<string, string> = {}) => runEstf(['oncall', ...args], { DATABASE_URL: hub.dbUrl, ESTF_DEMO: 'false', ...env });

  it('says nobody is on call for a duty without a schedule (an answer, exit 0)', async () => {
    const r = await estf(['county-orange', 'rov-oncall']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('nobody is on call for county-orange/rov-oncall: the duty has no schedule\n');
  });

  it('with ESTF_DEMO, puts oncall@<slug>.example on call for every duty of its organization, reachable by e-mail', async () => {
    const r = await estf(['county-orange', 'rov-oncall'], { ESTF_DEMO: 'true' });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^oncall@county-orange\.example {2}\S.* on-call$/);
    expect(lines.slice(1)).toEqual(['  on call for county-orange/rov-oncall by the rotation', '  since (no earlier hand-off)', '  until (no hand-off scheduled)']);

    // Every duty of every organization, each with its own organization's demo on-call user.
    const rows = await hub.db
      .selectFrom('duties')
      .innerJoin('organizations as o', 'o.id', 'duties.organization_id')
      .leftJoin('schedules as s', 's.duty_id', 'duties.id')
      .select(['o.slug', 'duties.name', 's.participants', 's.time_zone'])
      .execute();
    expect(rows.length).toBe(SEEDED_PARTNERS.flatMap((p) => p.duties).length);
    const users = new Map((await hub.db.selectFrom('users').select(['id', 'email']).execute()).map((u) => [u.id, u.email]));
    for (const row of rows) {
      expect(row.participants?.map((id) => users.get(id)), `${row.slug}/${row.name}`).toEqual([`oncall@${row.slug}.example`]);
      expect(row.time_zone).toBe('America/Los_Angeles');
    }
    const emails = await hub.db
      .selectFrom('contact_methods as c')
      .innerJoin('users as u', 'u.id', 'c.user_id')
      .select(['u.email', 'c.kind', 'c.target'])
      .where('u.email', 'like', 'oncall@%')
      .execute();
    expect(emails.length).toBe(SEEDED_PARTNERS.length);
    for (const m of emails) expect(m).toEqual({ email: m.email, kind: 'EMAIL', target: m.email });

    // Idempotent: a second run (and the seeding every process start does) changes nothing.
    expect(await seedDemoUsers(hub.db)).toEqual({ created: 0 });
    expect(await seedDemoOnCall(hub.db)).toEqual({ schedules: 0, contactMethods: 0 });
  });

  it('shows an override, until when, and answers for another instant with --at', async () => {
    const sub = await makeUser(hub.deps, 'sos', ['ANALYST'], 'sub');
    // Whole seconds, so that the printed instant is exactly this one.
    const to = new Date(Math.ceil(Date.now() / 1000) * 1000 + 3_600_000);
    await hub.deps.services.oncall.addScheduleOverride(systemPrincipal('test'), {
      organization: 'sos',
      duty: 'security-duty',
      user: sub.email,
      from: new Date(Date.now() - 60_000),
      to,
    });
    const now = await estf(['sos', 'security-duty']);
    expect(now.stderr).toBe('');
    expect(now.code).toBe(0);
    const lines = now.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`${sub.email}  sub of sos`);
    expect(lines[1]).toBe('  on call for sos/security-duty by an override');
    expect(lines[3]).toBe(`  until ${formatInZone(to, 'America/Los_Angeles')} (${to.toISOString().replace('.000Z', 'Z')})`);

    const later = await estf(['sos', 'security-duty', '--at', new Date(to.getTime() + 1000).toISOString()]);
    expect(later.code).toBe(0);
    expect(later.stdout).toMatch(/^oncall@sos\.example {2}/);
    expect(later.stdout).toContain('by the rotation');
    expect(later.stdout).toContain(`  since ${formatInZone(to, 'America/Los_Angeles')}`);
  });

  it('fails (exit 1) for an unknown duty or a bad --at', async () => {
    const unknown = await estf(['sos', 'no-such-duty']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('Duty "sos/no-such-duty" not found');
    expect(unknown.stdout).toBe('');
    const badAt = await estf(['sos', 'security-duty', '--at', 'tomorrow']);
    expect(badAt.code).toBe(1);
    expect(badAt.stderr).toContain('--at');
    // Checked like every DateTime (src/dates.ts): no rolling February 30 over to March.
    const noSuchDay = await estf(['sos', 'security-duty', '--at', '2026-02-30T12:00:00Z']);
    expect(noSuchDay.code).toBe(1);
    expect(noSuchDay.stderr).toContain('has no day 30');
  });
});
