import type { Context, Hono } from 'hono';
import { InputError, NotFoundError } from '../../errors.js';
import type { Services } from '../../services.js';
import { pageContext, type ConsoleEnv } from '../../web/console.js';
import { ErrorSummary, FieldMessage, fieldErrorOf, formString, invalidAttrs, utcTime, type FieldError } from '../../web/forms.js';
import { CsrfField, Layout, NotFoundPage, renderPage, type PageContext } from '../../web/layout.js';
import type { ApiTokenRow } from '../identity/index.js';

/**
 * The console's Account screen, for every signed-in user: my console sessions (revoke any, this one marked)
 * and my API tokens (list, revoke, create: the token is shown once, on the answer to the creating post, never
 * in a URL and never again). Thin over services.sessions and the identity token use cases of the GraphQL API.
 */

type Session = Awaited<ReturnType<Services['sessions']['listMine']>>[number];

interface AccountState {
  sessions: Session[];
  tokens: ApiTokenRow[];
  /** A token just created: its secret, shown this once. */
  created: { token: string; row: ApiTokenRow } | null;
  done: string | null;
  form: { name: string; expiresIn: string };
  error: FieldError | null;
}

const DONE: Record<string, string> = {
  'session-revoked': 'The session was revoked: that browser is signed out.',
  'token-revoked': 'The token was revoked: it no longer works.',
};

const FIELD_LABEL: Record<string, string> = { name: 'Token name', expiresIn: 'Expires in' };

function tokenState(t: ApiTokenRow, now: Date): string {
  if (t.revoked_at) return `revoked ${utcTime(t.revoked_at)}`;
  if (t.expires_at && t.expires_at <= now) return `expired ${utcTime(t.expires_at)}`;
  return t.expires_at ? `active, expires ${utcTime(t.expires_at)}` : 'active, does not expire';
}

function AccountPage(props: { ctx: PageContext; s: AccountState }) {
  const { ctx, s } = props;
  const now = new Date();
  const err = s.error;
  return (
    <Layout title={err ? 'Error: Account' : 'Account'} ctx={ctx}>
      <h1>Account</h1>
      <ErrorSummary id="acct-errors" title="The token was not created" err={err} label={err ? FIELD_LABEL[err.field] ?? err.field : ''} target={`acct-${err?.field ?? 'name'}`} />
      <div role="status">{s.done && DONE[s.done] && <p>{DONE[s.done]}</p>}</div>
      {s.created && (
        <section class="notice" aria-labelledby="new-token-title" tabindex={-1} id="new-token" autofocus>
          <h2 id="new-token-title">Your new API token</h2>
          <p>Copy it now: it is shown this once and never again (the hub keeps only its hash).</p>
          <p>
            <label for="new-token-value">Token {s.created.row.name ? `“${s.created.row.name}”` : ''}</label>
            <input type="text" id="new-token-value" readonly value={s.created.token} size={60} />
          </p>
        </section>
      )}
      <section aria-labelledby="sessions-title">
        <h2 id="sessions-title">My console sessions</h2>
        <p id="sessions-help" class="muted">
          Every browser signed in as you. Revoking one signs that browser out at its next request.
        </p>
        <div class="table-wrap">
          <table aria-describedby="sessions-help">
            <thead>
              <tr>
                <th scope="col">Signed in</th>
                <th scope="col">Last seen</th>
                <th scope="col">Browser</th>
                <th scope="col">Action</th>
              </tr>
            </thead>
            <tbody>
              {s.sessions.map((x) => (
                <tr>
                  <td>
                    {utcTime(x.createdAt)}
                    {x.current && <strong> (this session)</strong>}
                  </td>
                  <td>{utcTime(x.lastSeenAt)}</td>
                  <td class="summary">{x.userAgent || 'unknown'}</td>
                  <td>
                    <form method="post" action={`/console/account/sessions/${x.id}/revoke`}>
                      <CsrfField token={ctx.csrfToken} />
                      <button type="submit" class="secondary" aria-label={x.current ? 'Revoke this session (sign out here)' : `Revoke the session signed in ${utcTime(x.createdAt)}`}>
                        Revoke
                      </button>
                    </form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      <section aria-labelledby="tokens-title">
        <h2 id="tokens-title">My API tokens</h2>
        {s.tokens.length === 0 ? (
          <p>You have no API tokens.</p>
        ) : (
          <div class="table-wrap">
            <table aria-labelledby="tokens-title">
              <thead>
                <tr>
                  <th scope="col">Prefix</th>
                  <th scope="col">Name</th>
                  <th scope="col">Created</th>
                  <th scope="col">Last used</th>
                  <th scope="col">State</th>
                  <th scope="col">Action</th>
                </tr>
              </thead>
              <tbody>
                {s.tokens.map((t) => (
                  <tr>
                    <td>
                      <code>{t.prefix}</code>
                    </td>
                    <td>
                      {t.name || '–'}
                      {t.issued_by && <span class="muted">{` (issued by ${t.issued_by})`}</span>}
                    </td>
                    <td>{utcTime(t.created_at)}</td>
                    <td>{utcTime(t.last_used_at)}</td>
                    <td>{tokenState(t, now)}</td>
                    <td>
                      {!t.revoked_at && (
                        <form method="post" action={`/console/account/tokens/${encodeURIComponent(t.prefix)}/revoke`}>
                          <CsrfField token={ctx.csrfToken} />
                          <button type="submit" class="secondary" aria-label={`Revoke token ${t.prefix}`}>
                            Revoke
                          </button>
                        </form>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <h3>Create an API token</h3>
        <form method="post" action="/console/account/tokens" novalidate>
          <CsrfField token={ctx.csrfToken} />
          <div>
            <label for="acct-name">Token name (what it is for, at most 100 characters)</label>
            <FieldMessage err={err} field="name" prefix="acct" label={FIELD_LABEL.name!} />
            <input type="text" id="acct-name" name="name" value={s.form.name} {...invalidAttrs(err, 'name', 'acct')} />
          </div>
          <div>
            <label for="acct-expiresIn">Expires in (e.g. 90d, 12h, 2w; empty: never)</label>
            <FieldMessage err={err} field="expiresIn" prefix="acct" label={FIELD_LABEL.expiresIn!} />
            <input type="text" id="acct-expiresIn" name="expiresIn" value={s.form.expiresIn} {...invalidAttrs(err, 'expiresIn', 'acct')} />
          </div>
          <p>
            <button type="submit">Create token</button>
          </p>
        </form>
      </section>
    </Layout>
  );
}

export function registerAccountPages(app: Hono<ConsoleEnv>, services: Services): void {
  const sessionOf = (c: Context<ConsoleEnv>) => c.get('session')!;

  const render = async (c: Context<ConsoleEnv>, extra: Partial<AccountState>, status: 200 | 400 = 200) => {
    const session = sessionOf(c);
    const [sessions, tokens] = await Promise.all([services.sessions.listMine(session), services.identity.listApiTokens(session.principal, session.principal.email)]);
    const state: AccountState = { sessions, tokens, created: null, done: null, form: { name: '', expiresIn: '90d' }, error: null, ...extra };
    return c.html(renderPage(<AccountPage ctx={pageContext(c)} s={state} />), status);
  };

  app.get('/account', (c) => render(c, { done: c.req.query('done') ?? null }));

  app.post('/account/sessions/:id/revoke', async (c) => {
    const session = sessionOf(c);
    const id = c.req.param('id');
    try {
      await services.sessions.revokeMine(session, id);
    } catch (err) {
      if (err instanceof NotFoundError) return c.html(renderPage(<NotFoundPage ctx={pageContext(c)} what="session" />), 404);
      throw err;
    }
    // This browser's own session: it is signed out now.
    if (id === session.id) return c.redirect('/console/sign-in', 303);
    return c.redirect('/console/account?done=session-revoked', 303);
  });

  // Only my own tokens here, even for an admin who may revoke other users' tokens through the API.
  app.post('/account/tokens/:prefix/revoke', async (c) => {
    const { principal } = sessionOf(c);
    const prefix = c.req.param('prefix');
    const mine = (await services.identity.listApiTokens(principal, principal.email)).some((t) => t.prefix === prefix);
    if (!mine) return c.html(renderPage(<NotFoundPage ctx={pageContext(c)} what="token" />), 404);
    await services.identity.revokeApiToken(principal, prefix);
    return c.redirect('/console/account?done=token-revoked', 303);
  });

  // The answer carries the token once: a page (not a redirect), so the secret is never in a URL or history.
  app.post('/account/tokens', async (c) => {
    const { principal } = sessionOf(c);
    const body = await c.req.parseBody();
    const form = { name: formString(body, 'name'), expiresIn: formString(body, 'expiresIn') };
    try {
      const created = await services.identity.issueApiToken(principal, { email: principal.email, name: form.name, expiresIn: form.expiresIn.trim() || null });
      return render(c, { created });
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      return render(c, { form, error: fieldErrorOf(err, (f) => (f === 'expiresIn' ? 'expiresIn' : 'name')) }, 400);
    }
  });
}
