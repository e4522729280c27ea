import type { Context, Hono } from 'hono';
import { canChangeHubWideRoles, canManageOrganizationMembers } from '../../access/policy.js';
import { ROLES, type Role, type UserPrincipal } from '../../access/principal.js';
import { ForbiddenError, InputError, NotFoundError } from '../../errors.js';
import type { Services } from '../../services.js';
import { pageContext, type ConsoleEnv } from '../../web/console.js';
import { ErrorSummary, FieldMessage, fieldErrorOf, formStrings, invalidAttrs, utcTime, type FieldError } from '../../web/forms.js';
import { CsrfField, Layout, NotFoundPage, renderPage, type PageContext } from '../../web/layout.js';
import type { UserRow } from './index.js';

/**
 * The console's Organization screen, for the ORG_ADMINs of the signed-in user's organization: its users,
 * their roles (setUserRoles), deactivate and reactivate: the same use cases as the GraphQL admin mutations,
 * so the access policy decides (a user of another organization is NOT_FOUND). Anyone else gets the page an
 * unknown address gets. A deactivated user's console sessions end at once (checked on every request; the
 * workers also revoke them).
 */

const HUB_ROLES: ReadonlySet<Role> = new Set(['HUB_ADMIN', 'AUDITOR']);
const ROLE_HELP: Record<Role, string> = {
  VIEWER: 'read what the access policy lets them see',
  ANALYST: 'file incidents, comment, report indicators and sightings, acknowledge pages',
  COORDINATOR: 'triage any incident they can see (coordinator organizations only)',
  ORG_ADMIN: "manage this organization's users, tokens, contact methods, schedules and subscriptions",
  AUDITOR: 'read the audit log (granted by a hub admin)',
  HUB_ADMIN: 'manage partners and users of every organization (granted by a hub admin)',
};

const mayAdminister = (p: UserPrincipal) => canManageOrganizationMembers(p, p.organization.id);

/** Roles this admin may tick for a user of their organization (COORDINATOR only at coordinator organizations). */
function offeredRoles(p: UserPrincipal): Role[] {
  return ROLES.filter((r) => (r !== 'COORDINATOR' || p.isCoordinatorOrg) && (!HUB_ROLES.has(r) || canChangeHubWideRoles(p)));
}

function UsersPage(props: { ctx: PageContext; users: UserRow[]; done: string | null }) {
  const p = props.ctx.principal!;
  return (
    <Layout title="Organization" ctx={props.ctx}>
      <h1>{`Organization: ${p.organization.name}`}</h1>
      <div role="status">{props.done && <p>{props.done}</p>}</div>
      <p id="users-count">{props.users.length === 1 ? '1 user' : `${props.users.length} users`}</p>
      <div class="table-wrap">
        <table aria-describedby="users-count">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">E-mail</th>
              <th scope="col">Roles</th>
              <th scope="col">Status</th>
              <th scope="col">Action</th>
            </tr>
          </thead>
          <tbody>
            {props.users.map((u) => (
              <tr>
                <td>{u.name}</td>
                <td>
                  {/* The e-mail is the user's one unique name: the link to manage them says it (names repeat). */}
                  <a href={`/console/organization/users/${u.id}`}>{u.email}</a>
                </td>
                <td>{u.roles.join(', ')}</td>
                <td>{u.active ? 'active' : `deactivated ${utcTime(u.deactivated_at)}`}</td>
                <td>
                  <StateButton ctx={props.ctx} u={u} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Layout>
  );
}

function StateButton(props: { ctx: PageContext; u: UserRow }) {
  const { u } = props;
  // A HUB_ADMIN or AUDITOR is a hub admin's to deactivate or reactivate (identity.service.ts): no button that could only fail.
  if (u.roles.some((r) => HUB_ROLES.has(r)) && !canChangeHubWideRoles(props.ctx.principal!)) return <span class="muted">{`${u.active ? 'Deactivated' : 'Reactivated'} only by a hub admin`}</span>;
  const action = u.active ? 'deactivate' : 'reactivate';
  return (
    <form method="post" action={`/console/organization/users/${u.id}/${action}`}>
      <CsrfField token={props.ctx.csrfToken} />
      <button type="submit" class="secondary" aria-label={`${u.active ? 'Deactivate' : 'Reactivate'} ${u.email}`}>
        {u.active ? 'Deactivate' : 'Reactivate'}
      </button>
    </form>
  );
}

function UserPage(props: { ctx: PageContext; u: UserRow; roles: readonly string[]; error: FieldError | null; done: string | null }) {
  const { u, error } = props;
  const p = props.ctx.principal!;
  const offered = offeredRoles(p);
  const fixed = u.roles.filter((r) => !offered.includes(r));
  return (
    <Layout title={error ? `Error: ${u.email}` : u.email} ctx={props.ctx}>
      <p>
        <a href="/console/organization">Back to the organization's users</a>
      </p>
      <h1>{`${u.name} (${u.email})`}</h1>
      <ErrorSummary id="user-errors" title="The roles were not changed" err={error} label="Roles" target={`role-${offered[0]}`} />
      <div role="status">{props.done && <p>{props.done}</p>}</div>
      <dl class="facts">
        <dt>Status</dt>
        <dd>{u.active ? 'active' : `deactivated ${utcTime(u.deactivated_at)}`}</dd>
        <dt>Created</dt>
        <dd>{utcTime(u.created_at)}</dd>
      </dl>
      <form method="post" action={`/console/organization/users/${u.id}/roles`} novalidate>
        <CsrfField token={props.ctx.csrfToken} />
        <fieldset {...invalidAttrs(error, 'roles', 'user')}>
          <legend>Roles</legend>
          <FieldMessage err={error} field="roles" prefix="user" label="Roles" />
          <ul class="checks">
            {offered.map((r) => (
              <li>
                <input type="checkbox" id={`role-${r}`} name="roles" value={r} checked={props.roles.includes(r)} aria-describedby={`role-${r}-help`} />{' '}
                <label for={`role-${r}`}>{r}</label> <span id={`role-${r}-help`} class="muted">{ROLE_HELP[r]}</span>
              </li>
            ))}
          </ul>
          {fixed.length > 0 && <p class="muted">{`Also ${fixed.join(' and ')}, which only a hub admin may change: kept as they are.`}</p>}
        </fieldset>
        <p>
          <button type="submit">Save roles</button>
        </p>
      </form>
      <h2>Access</h2>
      <p>{u.active ? 'Deactivating signs them out of the console at once and stops their API tokens.' : 'Reactivating lets them sign in again; their unrevoked, unexpired API tokens work again.'}</p>
      <StateButton ctx={props.ctx} u={u} />
    </Layout>
  );
}

export function registerOrganizationPages(app: Hono<ConsoleEnv>, services: Services): void {
  const principalOf = (c: Context<ConsoleEnv>) => c.get('session')!.principal;
  // Not an admin of their organization: on to the console's own "no such page" (next()), exactly as for an unknown address.
  const notFound = (c: Context<ConsoleEnv>) => c.html(renderPage(<NotFoundPage ctx={pageContext(c)} what="user" />), 404);
  /** A user of my organization by id, through the same listing as the `users` query. */
  const userOf = async (c: Context<ConsoleEnv>): Promise<UserRow | undefined> => {
    const p = principalOf(c);
    return (await services.identity.listOrganizationUsers(p, p.organization.slug)).find((u) => u.id === c.req.param('id'));
  };
  const DONE: Record<string, string> = { deactivated: 'deactivated: signed out of the console, API tokens stopped', reactivated: 'reactivated', roles: 'roles saved' };
  const doneOf = (c: Context<ConsoleEnv>, users: readonly UserRow[]) => {
    const d = c.req.query('done');
    const u = users.find((x) => x.id === c.req.query('user'));
    return d && DONE[d] && u ? `${u.email} ${DONE[d]}.` : null;
  };

  app.get('/organization', async (c, next) => {
    const p = principalOf(c);
    if (!mayAdminister(p)) return next();
    const users = await services.identity.listOrganizationUsers(p, p.organization.slug);
    return c.html(renderPage(<UsersPage ctx={pageContext(c)} users={users} done={doneOf(c, users)} />));
  });

  app.get('/organization/users/:id', async (c, next) => {
    if (!mayAdminister(principalOf(c))) return next();
    const u = await userOf(c);
    if (!u) return notFound(c);
    return c.html(renderPage(<UserPage ctx={pageContext(c)} u={u} roles={u.roles} error={null} done={doneOf(c, [u])} />));
  });

  app.post('/organization/users/:id/roles', async (c, next) => {
    const p = principalOf(c);
    if (!mayAdminister(p)) return next();
    const u = await userOf(c);
    if (!u) return notFound(c);
    const ticked = formStrings(await c.req.parseBody({ all: true }), 'roles');
    // Roles this admin is not offered (AUDITOR, HUB_ADMIN for an ORG_ADMIN) stay as they are.
    const offered = offeredRoles(p);
    const roles = [...ticked, ...u.roles.filter((r) => !offered.includes(r))];
    try {
      await services.identity.setUserRoles(p, u.email, roles);
    } catch (err) {
      if (err instanceof NotFoundError) return notFound(c);
      if (!(err instanceof InputError) && !(err instanceof ForbiddenError)) throw err;
      const error = err instanceof InputError ? fieldErrorOf(err, () => 'roles') : { field: 'roles', message: err.message };
      return c.html(renderPage(<UserPage ctx={pageContext(c)} u={u} roles={ticked} error={error} done={null} />), err instanceof ForbiddenError ? 403 : 400);
    }
    return c.redirect(`/console/organization/users/${u.id}?done=roles&user=${u.id}`, 303);
  });

  for (const action of ['deactivate', 'reactivate'] as const) {
    app.post(`/organization/users/:id/${action}`, async (c, next) => {
      const p = principalOf(c);
      if (!mayAdminister(p)) return next();
      const u = await userOf(c);
      if (!u) return notFound(c);
      try {
        if (action === 'deactivate') await services.identity.deactivateUser(p, u.email);
        else await services.identity.reactivateUser(p, u.email);
      } catch (err) {
        if (err instanceof NotFoundError || err instanceof ForbiddenError) return notFound(c);
        throw err;
      }
      // Deactivating myself ends this session too: the next page is the sign-in.
      return c.redirect(`/console/organization?done=${action}d&user=${u.id}`, 303);
    });
  }
}
