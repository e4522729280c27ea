import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemPrincipal } from '../src/access/principal.js';
import { makeUser, type TestUser } from './factories.js';
import { expectCode, startTestHub, type GqlResponse, type TestHub } from './harness.js';

const CREATE_USER = `mutation($input: CreateUserInput!) {
  createUser(input: $input) { id email name roles active organization { slug } createdAt }
}`;
const ISSUE = `mutation($input: IssueApiTokenInput!) {
  issueApiToken(input: $input) { token apiToken { id prefix name expiresAt lastUsedAt revokedAt createdAt } }
}`;
const REVOKE = 'mutation($prefix: String!) { revokeApiToken(prefix: $prefix) { prefix revokedAt } }';
const DEACTIVATE = 'mutation($email: String!) { deactivateUser(email: $email) { email active } }';
const TOKENS = 'query($email: String!) { apiTokens(email: $email) { prefix name revokedAt } }';
const VIEWER = '{ viewer { user { email } } }';

const TOKEN_RE = /^estf_[A-Za-z0-9_-]{43}$/;
const fresh = (org: string) => `u-${randomBytes(4).toString('hex')}@${org}.example`;

/** The error's code and, for BAD_USER_INPUT, the field it names. */
function errorOf(res: GqlResponse<unknown>): { code: unknown; field?: unknown } {
  expect(res.errors, JSON.stringify(res.data)).toHaveLength(1);
  const ext = res.errors![0]!.extensions ?? {};
  return ext.field === undefined ? { code: ext.code } : { code: ext.code, field: ext.field };
}

describe('users and API tokens through GraphQL', () => {
  let hub: TestHub;
  let hubAdmin: TestUser;
  let laAdmin: TestUser;
  let laAnalyst: TestUser;
  let orangeAdmin: TestUser;

  beforeAll(async () => {
    hub = await startTestHub();
    hubAdmin = await makeUser(hub.deps, 'sos', ['HUB_ADMIN'], 'hubadmin');
    laAdmin = await makeUser(hub.deps, 'county-los-angeles', ['ORG_ADMIN'], 'laadmin');
    laAnalyst = await makeUser(hub.deps, 'county-los-angeles', ['ANALYST'], 'laanalyst');
    orangeAdmin = await makeUser(hub.deps, 'county-orange', ['ORG_ADMIN'], 'orangeadmin');
  });
  afterAll(async () => hub?.close());

  const userExists = async (email: string) => (await hub.db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst()) !== undefined;
  const createUser = (token: string, input: Record<string, unknown>) => hub.gql(token, CREATE_USER, { input });

  describe('createUser', () => {
    it('lets an ORG_ADMIN add a user to their own organization', async () => {
      const email = fresh('county-los-angeles');
      const res = await createUser(laAdmin.token, { email: email.toUpperCase(), name: '  Ana Analyst ', organization: 'county-los-angeles', roles: ['ANALYST', 'ORG_ADMIN'] });
      expect(res.errors).toBeUndefined();
      expect(res.data.createUser).toMatchObject({ email, name: 'Ana Analyst', roles: ['ANALYST', 'ORG_ADMIN'], active: true, organization: { slug: 'county-los-angeles' } });
      expect(Date.now() - new Date(res.data.createUser.createdAt).getTime()).toBeLessThan(60_000);
      expect(await userExists(email)).toBe(true);
    });

    it('refuses an ORG_ADMIN adding a user to another organization: FORBIDDEN, nothing created', async () => {
      const email = fresh('county-orange');
      const res = await createUser(laAdmin.token, { email, name: 'Intruder', organization: 'county-orange', roles: ['ANALYST'] });
      expect(errorOf(res)).toEqual({ code: 'FORBIDDEN' });
      expect(res.data).toBeNull();
      expect(await userExists(email)).toBe(false);
    });

    it('refuses a user without an admin role: FORBIDDEN', async () => {
      const email = fresh('county-los-angeles');
      const res = await createUser(laAnalyst.token, { email, name: 'Friend', organization: 'county-los-angeles', roles: ['VIEWER'] });
      expect(errorOf(res)).toEqual({ code: 'FORBIDDEN' });
      expect(await userExists(email)).toBe(false);
    });

    it('lets only a HUB_ADMIN grant HUB_ADMIN or AUDITOR', async () => {
      for (const role of ['HUB_ADMIN', 'AUDITOR']) {
        const email = fresh('county-los-angeles');
        const refused = await createUser(laAdmin.token, { email, name: 'Climber', organization: 'county-los-angeles', roles: ['ANALYST', role] });
        expect(errorOf(refused)).toEqual({ code: 'FORBIDDEN' });
        expect(await userExists(email)).toBe(false);
      }
      for (const [role, org] of [['HUB_ADMIN', 'sos'], ['AUDITOR', 'county-orange']]) {
        const email = fresh(org!);
        const res = await createUser(hubAdmin.token, { email, name: 'Granted', organization: org, roles: [role] });
        expect(res.errors).toBeUndefined();
        expect(res.data.createUser).toMatchObject({ roles: [role], organization: { slug: org } });
      }
    });

    it('lets a HUB_ADMIN add users to any organization', async () => {
      const email = fresh('fbi');
      const res = await createUser(hubAdmin.token, { email, name: 'Agent', organization: 'fbi', roles: ['ANALYST'] });
      expect(res.data.createUser.organization.slug).toBe('fbi');
    });

    it('grants COORDINATOR only at the coordinator organizations, sos and cal-oes', async () => {
      const email = fresh('county-orange');
      const refused = await createUser(hubAdmin.token, { email, name: 'Would-be coordinator', organization: 'county-orange', roles: ['COORDINATOR'] });
      expect(errorOf(refused)).toEqual({ code: 'BAD_USER_INPUT', field: 'roles' });
      expect(refused.errors![0]!.message).toMatch(/sos, cal-oes/);
      expect(await userExists(email)).toBe(false);
      for (const org of ['sos', 'cal-oes']) {
        const res = await createUser(hubAdmin.token, { email: fresh(org), name: 'Coordinator', organization: org, roles: ['COORDINATOR', 'ANALYST'] });
        expect(res.errors).toBeUndefined();
        expect(res.data.createUser.roles).toEqual(['COORDINATOR', 'ANALYST']);
      }
    });

    it('names the offending field of bad input', async () => {
      const taken = laAnalyst.email;
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ email: 'not-an-address', name: 'X', organization: 'county-los-angeles', roles: ['VIEWER'] }, 'email'],
        [{ email: taken, name: 'Twin', organization: 'county-los-angeles', roles: ['VIEWER'] }, 'email'],
        [{ email: fresh('county-los-angeles'), name: '   ', organization: 'county-los-angeles', roles: ['VIEWER'] }, 'name'],
        [{ email: fresh('county-los-angeles'), name: 'N'.repeat(201), organization: 'county-los-angeles', roles: ['VIEWER'] }, 'name'],
        [{ email: fresh('county-atlantis'), name: 'X', organization: 'county-atlantis', roles: ['VIEWER'] }, 'organization'],
        [{ email: fresh('county-los-angeles'), name: 'X', organization: 'county-los-angeles', roles: [] }, 'roles'],
      ];
      for (const [input, field] of cases) {
        const res = await createUser(hubAdmin.token, input);
        expect(errorOf(res), JSON.stringify(input)).toEqual({ code: 'BAD_USER_INPUT', field });
        expect(res.errors![0]!.message.startsWith(`${field}: `)).toBe(true);
      }
    });

    it('rejects a role the schema does not know before running anything', async () => {
      const email = fresh('county-los-angeles');
      const res = await createUser(hubAdmin.token, { email, name: 'X', organization: 'county-los-angeles', roles: ['SUPERUSER'] });
      expect(res.errors![0]!.message).toMatch(/SUPERUSER/);
      expect(await userExists(email)).toBe(false);
    });

    it('audits who created whom, with the request id', async () => {
      const email = fresh('county-los-angeles');
      const res = await fetch(`${hub.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${laAdmin.token}`, 'x-request-id': 'audit-me-1' },
        body: JSON.stringify({ query: CREATE_USER, variables: { input: { email, name: 'Audited', organization: 'county-los-angeles', roles: ['VIEWER'] } } }),
      });
      const body = (await res.json()) as { data: { createUser: { id: string } } };
      const entry = await hub.db.selectFrom('audit_log').selectAll().where('action', '=', 'user.created').where('object_id', '=', body.data.createUser.id).executeTakeFirstOrThrow();
      expect(entry).toMatchObject({
        actor_email: laAdmin.email,
        actor_organization_slug: 'county-los-angeles',
        token_prefix: laAdmin.token.slice(0, 13),
        request_id: 'audit-me-1',
        object_type: 'User',
        change: { email, name: 'Audited', organization: 'county-los-angeles', roles: ['VIEWER'] },
      });
    });
  });

  describe('issueApiToken and apiTokens', () => {
    it('returns the token once; listings show only its prefix', async () => {
      const res = await hub.gql(laAnalyst.token, ISSUE, { input: { email: laAnalyst.email, name: 'siem-integration', expiresIn: '90d' } });
      expect(res.errors).toBeUndefined();
      const { token, apiToken } = res.data.issueApiToken;
      expect(token).toMatch(TOKEN_RE);
      expect(apiToken).toMatchObject({ prefix: token.slice(0, 13), name: 'siem-integration', lastUsedAt: null, revokedAt: null });
      const days = (new Date(apiToken.expiresAt).getTime() - Date.now()) / 86_400_000;
      expect(days).toBeGreaterThan(89.9);
      expect(days).toBeLessThanOrEqual(90);

      expect((await hub.gql(token, VIEWER)).data.viewer.user.email).toBe(laAnalyst.email);

      const listRes = await fetch(`${hub.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${laAdmin.token}` },
        body: JSON.stringify({ query: TOKENS, variables: { email: laAnalyst.email } }),
      });
      const listText = await listRes.text();
      expect(listText).not.toContain(token);
      expect(listText).not.toContain(token.slice(13));
      const list = JSON.parse(listText).data.apiTokens as Array<{ prefix: string; name: string }>;
      expect(list.map((t) => t.prefix)).toEqual([token.slice(0, 13), laAnalyst.token.slice(0, 13)]);

      // There is no field through which a stored token could be read back.
      const noField = await hub.gql(laAdmin.token, `{ apiTokens(email: "${laAnalyst.email}") { token } }`);
      expect(noField.errors![0]!.message).toMatch(/Cannot query field "token" on type "ApiToken"/);
    });

    it('lets a user issue and revoke their own tokens', async () => {
      const issued = await hub.gql(laAnalyst.token, ISSUE, { input: { email: laAnalyst.email, name: 'laptop' } });
      expect(issued.errors).toBeUndefined();
      const { token } = issued.data.issueApiToken;
      expect(token).toMatch(TOKEN_RE);
      expect((await hub.gql(token, VIEWER)).status).toBe(200);

      const own = await hub.gql(laAnalyst.token, TOKENS, { email: laAnalyst.email });
      expect(own.data.apiTokens.map((t: { prefix: string }) => t.prefix)).toContain(token.slice(0, 13));

      const revoked = await hub.gql(laAnalyst.token, REVOKE, { prefix: token.slice(0, 13) });
      expect(revoked.errors).toBeUndefined();
      expect(revoked.data.revokeApiToken.prefix).toBe(token.slice(0, 13));
      expect(Date.now() - new Date(revoked.data.revokeApiToken.revokedAt).getTime()).toBeLessThan(60_000);
      expectCode(await hub.gql(token, VIEWER), 'UNAUTHENTICATED');
      // The token the request came with still works.
      expect((await hub.gql(laAnalyst.token, VIEWER)).status).toBe(200);
    });

    it("refuses a colleague's tokens to a non-admin (FORBIDDEN) and hides other organizations' users (NOT_FOUND)", async () => {
      const colleague = await makeUser(hub.deps, 'county-los-angeles', ['ANALYST'], 'colleague');
      const before = await hub.db.selectFrom('api_tokens').select('id').execute();
      expect(errorOf(await hub.gql(laAnalyst.token, ISSUE, { input: { email: colleague.email } }))).toEqual({ code: 'FORBIDDEN' });
      expect(errorOf(await hub.gql(laAnalyst.token, REVOKE, { prefix: colleague.token.slice(0, 13) }))).toEqual({ code: 'FORBIDDEN' });
      expect(errorOf(await hub.gql(laAnalyst.token, TOKENS, { email: colleague.email }))).toEqual({ code: 'FORBIDDEN' });

      // Another organization's users and tokens look exactly like ones that do not exist.
      expect(errorOf(await hub.gql(laAdmin.token, ISSUE, { input: { email: orangeAdmin.email } }))).toEqual({ code: 'NOT_FOUND' });
      expect(errorOf(await hub.gql(laAdmin.token, ISSUE, { input: { email: 'nobody@county-orange.example' } }))).toEqual({ code: 'NOT_FOUND' });
      expect(errorOf(await hub.gql(laAdmin.token, REVOKE, { prefix: orangeAdmin.token.slice(0, 13) }))).toEqual({ code: 'NOT_FOUND' });
      expect(errorOf(await hub.gql(laAdmin.token, REVOKE, { prefix: 'estf_nothing1' }))).toEqual({ code: 'NOT_FOUND' });
      expect(errorOf(await hub.gql(laAdmin.token, TOKENS, { email: orangeAdmin.email }))).toEqual({ code: 'NOT_FOUND' });

      expect(await hub.db.selectFrom('api_tokens').select('id').execute()).toHaveLength(before.length);
      expect((await hub.gql(orangeAdmin.token, VIEWER)).status).toBe(200);
      expect((await hub.gql(colleague.token, VIEWER)).status).toBe(200);
    });

    it("lets an ORG_ADMIN and a HUB_ADMIN revoke the tokens of the users they manage", async () => {
      const member = await makeUser(hub.deps, 'county-los-angeles', ['ANALYST'], 'member');
      const revoked = await hub.gql(hubAdmin.token, REVOKE, { prefix: member.token.slice(0, 13) });
      expect(revoked.errors).toBeUndefined();
      expectCode(await hub.gql(member.token, VIEWER), 'UNAUTHENTICATED');
      // Revoking again changes nothing.
      const again = await hub.gql(laAdmin.token, REVOKE, { prefix: member.token.slice(0, 13) });
      expect(again.data.revokeApiToken.revokedAt).toBe(revoked.data.revokeApiToken.revokedAt);
      const audited = await hub.db.selectFrom('audit_log').select('actor_email').where('action', '=', 'api_token.revoked').where('change', '@>', JSON.stringify({ prefix: member.token.slice(0, 13) }) as never).execute();
      expect(audited).toEqual([{ actor_email: hubAdmin.email }]);
    });

    it('never lets an admin mint a token for someone else (no role bypasses the policy): FORBIDDEN, nothing issued', async () => {
      const member = await makeUser(hub.deps, 'county-los-angeles', ['ANALYST'], 'victim');
      const before = await hub.db.selectFrom('api_tokens').select('id').execute();
      // An ORG_ADMIN for a member of their organization, a HUB_ADMIN for anyone: both would read the member's TLP:RED incidents.
      expect(errorOf(await hub.gql(laAdmin.token, ISSUE, { input: { email: member.email } }))).toEqual({ code: 'FORBIDDEN' });
      expect(errorOf(await hub.gql(hubAdmin.token, ISSUE, { input: { email: member.email } }))).toEqual({ code: 'FORBIDDEN' });
      expect(errorOf(await hub.gql(hubAdmin.token, ISSUE, { input: { email: orangeAdmin.email } }))).toEqual({ code: 'FORBIDDEN' });
      expect(await hub.db.selectFrom('api_tokens').select('id').execute()).toHaveLength(before.length);
      // Their own tokens they still issue.
      expect((await hub.gql(hubAdmin.token, ISSUE, { input: { email: hubAdmin.email } })).data.issueApiToken.token).toMatch(TOKEN_RE);
      expect((await hub.gql(laAdmin.token, ISSUE, { input: { email: laAdmin.email } })).data.issueApiToken.token).toMatch(TOKEN_RE);
    });

    it("shows the user a token the operator issued for them (estf token issue): issuedBy on their list, and an audit entry", async () => {
      const member = await makeUser(hub.deps, 'county-los-angeles', ['ANALYST'], 'operated');
      const own = await hub.gql(member.token, ISSUE, { input: { email: member.email, name: 'mine' } });
      const list = await hub.gql(member.token, 'query($email: String!) { apiTokens(email: $email) { prefix name issuedBy } }', { email: member.email });
      expect(list.errors).toBeUndefined();
      const rows = list.data.apiTokens as Array<{ prefix: string; name: string; issuedBy: string | null }>;
      // makeUser's token came from the operator's CLI; the one issued through GraphQL is the member's own.
      expect(rows.find((t) => t.prefix === member.token.slice(0, 13))?.issuedBy).toBe('operator (estf token issue)');
      expect(rows.find((t) => t.prefix === own.data.issueApiToken.token.slice(0, 13))?.issuedBy).toBeNull();
      const audited = await hub.db.selectFrom('audit_log').select(['actor_email', 'change']).where('action', '=', 'api_token.issued').where('change', '@>', JSON.stringify({ prefix: member.token.slice(0, 13) }) as never).execute();
      expect(audited).toHaveLength(1);
      expect(audited[0]!.change).toMatchObject({ user: member.email, issuedBy: 'operator (estf token issue)' });
    });

    it('names the offending field of bad input', async () => {
      for (const expiresIn of ['forever', '0d', '90 days', '-1h']) {
        expect(errorOf(await hub.gql(laAnalyst.token, ISSUE, { input: { email: laAnalyst.email, expiresIn } }))).toEqual({ code: 'BAD_USER_INPUT', field: 'expiresIn' });
      }
      expect(errorOf(await hub.gql(laAnalyst.token, ISSUE, { input: { email: laAnalyst.email, name: 'n'.repeat(101) } }))).toEqual({ code: 'BAD_USER_INPUT', field: 'name' });
    });
  });

  describe('deactivateUser', () => {
    it('stops the user at once and refuses them new tokens', async () => {
      const leaver = await makeUser(hub.deps, 'county-los-angeles', ['ANALYST'], 'leaver');
      expect((await hub.gql(leaver.token, VIEWER)).status).toBe(200);
      const res = await hub.gql(laAdmin.token, DEACTIVATE, { email: leaver.email });
      expect(res.data.deactivateUser).toEqual({ email: leaver.email, active: false });
      expectCode(await hub.gql(leaver.token, VIEWER), 'UNAUTHENTICATED');
      // Not even the operator's CLI issues a deactivated user a token.
      await expect(hub.deps.services.identity.issueApiToken(systemPrincipal('cli'), { email: leaver.email })).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'email' } });
      const users = await hub.gql(laAdmin.token, '{ users { email active } }');
      expect(users.data.users).toContainEqual({ email: leaver.email, active: false });
    });

    it('is only for the admins of the user: FORBIDDEN within the organization, NOT_FOUND outside it', async () => {
      const target = await makeUser(hub.deps, 'county-los-angeles', ['ANALYST'], 'target');
      expect(errorOf(await hub.gql(laAnalyst.token, DEACTIVATE, { email: target.email }))).toEqual({ code: 'FORBIDDEN' });
      expect(errorOf(await hub.gql(orangeAdmin.token, DEACTIVATE, { email: target.email }))).toEqual({ code: 'NOT_FOUND' });
      expect((await hub.gql(target.token, VIEWER)).status).toBe(200);
      const byHubAdmin = await hub.gql(hubAdmin.token, DEACTIVATE, { email: target.email });
      expect(byHubAdmin.data.deactivateUser.active).toBe(false);
    });
  });

  describe('users', () => {
    it("lists one's own organization; other organizations only for a HUB_ADMIN", async () => {
      const own = await hub.gql(laAnalyst.token, '{ users { email organization { slug } } }');
      expect(own.data.users.length).toBeGreaterThan(2);
      for (const u of own.data.users) expect(u.organization.slug).toBe('county-los-angeles');
      expect(errorOf(await hub.gql(laAdmin.token, '{ users(organization: "county-orange") { email } }'))).toEqual({ code: 'FORBIDDEN' });
      const any = await hub.gql(hubAdmin.token, '{ users(organization: "county-orange") { email } }');
      expect(any.data.users.map((u: { email: string }) => u.email)).toContain(orangeAdmin.email);
    });
  });
});
