import type { Command } from 'commander';
import { systemPrincipal } from '../access/principal.js';
import type { Config } from '../config.js';
import type { Db } from '../infra/db.js';
import type { Services } from '../services.js';
import { describeVerification, readCheckpoints, useAuditKey, verifyAuditChain, verifyAuditLog, writeCheckpoint } from '../modules/audit/index.js';

type WithDatabase = <T>(fn: (db: Db, config: Config) => Promise<T>) => Promise<T>;
type WithServices = <T>(fn: (services: Services, config: Config) => Promise<T>) => Promise<T>;

const out = (line = '') => process.stdout.write(`${line}\n`);
const fmt = (d: Date | null) => (d ? d.toISOString().replace('.000Z', 'Z') : '-');

/** The operator's commands. They act as the system principal: whoever runs them owns the host. */
export function registerCommands(program: Command, withDatabase: WithDatabase, withServices: WithServices): void {
  const cli = systemPrincipal('cli');

  const users = program.command('users').description('manage users');
  users
    .command('add')
    .description('add a user to an organization')
    .requiredOption('--email <email>', "the user's e-mail address")
    .requiredOption('--name <name>', "the user's full name")
    .requiredOption('--org <slug>', 'the organization slug, e.g. county-los-angeles')
    .requiredOption('--roles <roles>', 'comma-separated roles: VIEWER, ANALYST, COORDINATOR, ORG_ADMIN, AUDITOR, HUB_ADMIN')
    .action((o: { email: string; name: string; org: string; roles: string }) =>
      withServices(async ({ identity }) => {
        const u = await identity.createUser(cli, { email: o.email, name: o.name, organization: o.org, roles: o.roles.split(',') });
        out(`added ${u.email} (${u.roles.join(', ')}) to ${o.org}`);
      }),
    );
  users
    .command('list')
    .description('list users')
    .option('--org <slug>', 'only this organization')
    .action((o: { org?: string }) =>
      withServices(async ({ identity }) => {
        const list = await identity.listOrganizationUsers(cli, o.org ?? null);
        const orgs = new Map((await identity.userOrganizations(list)).map((x) => [x.id, x.slug]));
        for (const u of list) {
          out([u.email.padEnd(44), (orgs.get(u.organization_id) ?? '').padEnd(26), u.roles.join(',').padEnd(24), u.active ? 'active' : 'deactivated'].join(' '));
        }
      }),
    );
  users
    .command('deactivate')
    .description("deactivate a user: their tokens stop working at once")
    .requiredOption('--email <email>', "the user's e-mail address")
    .action((o: { email: string }) =>
      withServices(async ({ identity }) => {
        const u = await identity.deactivateUser(cli, o.email);
        out(`deactivated ${u.email}`);
      }),
    );

  users
    .command('reactivate')
    .description('reactivate a deactivated user: their tokens that are neither revoked nor expired work again')
    .requiredOption('--email <email>', "the user's e-mail address")
    .action((o: { email: string }) =>
      withServices(async ({ identity }) => {
        const u = await identity.reactivateUser(cli, o.email);
        out(`reactivated ${u.email}`);
      }),
    );
  users
    .command('roles')
    .description("replace a user's roles")
    .requiredOption('--email <email>', "the user's e-mail address")
    .requiredOption('--roles <roles>', 'comma-separated roles: VIEWER, ANALYST, COORDINATOR, ORG_ADMIN, AUDITOR, HUB_ADMIN')
    .action((o: { email: string; roles: string }) =>
      withServices(async ({ identity }) => {
        const u = await identity.setUserRoles(cli, o.email, o.roles.split(','));
        out(`${u.email}: ${u.roles.join(', ')}`);
      }),
    );

  const token = program.command('token').description('manage API tokens');
  token
    .command('issue')
    .description("issue an API token; prints the token, and only the token (audited; the user sees it on their token list as issued by the operator)")
    .requiredOption('--email <email>', 'whose token')
    .option('--expires <lifetime>', 'lifetime such as 90d, 12h or 2w (default: no expiry)')
    .option('--name <label>', 'a label, e.g. siem-integration')
    .action((o: { email: string; expires?: string; name?: string }) =>
      withServices(async ({ identity }) => {
        const { token: t } = await identity.issueApiToken(cli, {
          email: o.email,
          name: o.name ?? null,
          expiresIn: o.expires ?? null,
        });
        out(t);
      }),
    );
  token
    .command('list')
    .description("list a user's tokens")
    .requiredOption('--email <email>', 'whose tokens')
    .action((o: { email: string }) =>
      withServices(async ({ identity }) => {
        const list = await identity.listApiTokens(cli, o.email);
        out(['prefix'.padEnd(14), 'name'.padEnd(20), 'created'.padEnd(21), 'expires'.padEnd(21), 'last used'.padEnd(21), 'revoked'].join(' '));
        for (const t of list) {
          out([t.prefix.padEnd(14), (t.name || '-').padEnd(20), fmt(t.created_at).padEnd(21), fmt(t.expires_at).padEnd(21), fmt(t.last_used_at).padEnd(21), fmt(t.revoked_at)].join(' '));
        }
      }),
    );
  token
    .command('revoke')
    .description('revoke a token by its prefix (as shown by token list)')
    .argument('<prefix>', 'the token prefix, e.g. estf_AbCd1234')
    .action((prefix: string) =>
      withServices(async ({ identity }) => {
        const t = await identity.revokeApiToken(cli, prefix);
        out(`revoked ${t.prefix}`);
      }),
    );

  program
    .command('login-link')
    .description("print a one-time console sign-in link for a user (15 minutes, single use; audited)")
    .requiredOption('--email <email>', 'who signs in')
    .action((o: { email: string }) =>
      withServices(async ({ sessions }) => {
        const { url } = await sessions.issueLoginLink(cli, o.email);
        out(url);
      }),
    );

  const audit = program.command('audit').description('the tamper-evident audit log');
  audit
    .command('verify')
    .description('walk the keyed hash chain and check it against the signed checkpoints; prints "ok <n> entries" or the first broken entry')
    .action(() =>
      withDatabase(async (db, config) => {
        const v = await verifyAuditLog(db, config);
        for (const p of v.problems) process.stderr.write(`estf: ${p}\n`);
        const said = describeVerification(v);
        out(said.text);
        if (!said.ok) process.exitCode = 1;
        // Without a checkpoint, entries removed from the end leave a chain that verifies.
        else if (v.checkpoints === 0) process.stderr.write(`estf: no audit checkpoint in ${config.audit.checkpointDir}: removal of the newest entries cannot be detected (run estf audit checkpoint, or the workers)\n`);
      }),
    );
  audit
    .command('checkpoint')
    .description("append a signed checkpoint of the chain's head (seq and hash) to the checkpoint directory")
    .action(() =>
      withDatabase(async (db, config) => {
        const key = useAuditKey(config);
        // Signing a chain that was already rewritten would vouch for the rewrite.
        const r = await verifyAuditChain(db, { key, checkpoints: (await readCheckpoints(config, key)).checkpoints });
        if (!r.ok) {
          out(`not written: broken at entry ${r.brokenSeq}: ${r.reason}`);
          process.exitCode = 1;
          return;
        }
        const c = await writeCheckpoint(db, config, key, { seq: r.entries, head: r.head });
        out(`checkpoint ${c.seq} entries, head ${c.head || '-'}`);
      }),
    );
}
