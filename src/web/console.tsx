import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { Config } from '../config.js';
import { UNAVAILABLE_RETRY_AFTER_SECONDS } from '../errors.js';
import { isDatabaseUnavailable } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';
import type { ConsoleSession } from '../modules/sessions/index.js';
import { registerEscalationPages } from '../modules/escalations/escalations.pages.js';
import { registerAuditPages } from '../modules/audit/audit.pages.js';
import { registerOrganizationPages } from '../modules/identity/identity.pages.js';
import { registerAccountPages } from '../modules/sessions/sessions.pages.js';
import { registerSubscriptionPages } from '../modules/subscriptions/subscriptions.pages.js';
import { registerClaimPages } from '../modules/publicreports/claims.pages.js';
import { registerFilingPages } from '../modules/incidents/incidents.filing.pages.js';
import { registerIncidentListPages } from '../modules/incidents/incidents.list.pages.js';
import { registerIncidentPages } from '../modules/incidents/incidents.pages.js';
import { registerIndicatorPages } from '../modules/indicators/indicators.pages.js';
import type { Services } from '../services.js';
import { unstorableReason } from '../text.js';
import { ASSETS_PATH, consoleAssets } from './assets.js';
import { Layout, renderPage, type PageContext } from './layout.js';
import { registerNowPage } from './now.page.js';
import { registerOncallPages } from '../modules/oncall/oncall.pages.js';
import { registerLive } from './live.js';

/**
 * The analyst console: server-rendered pages under /console. Sign-in (one-time links), the session on every
 * request (checked again each time: a deactivated user is signed out at once), Origin and CSRF checks on
 * every state-changing request, security headers; the module pages are mounted here and call the services
 * with the signed-in principal, so the one access policy decides what every screen shows.
 */

export type ConsoleEnv = {
  Variables: {
    requestId: string;
    logger: Logger;
    clientAddress: string | null;
    session: ConsoleSession | null;
  };
};

export interface ConsoleDeps {
  config: Config;
  services: Services;
}

const CSP = "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'";

/** Where to go after signing in: a path of this console only (never another site: no open redirect). */
const NEXT_COOKIE = 'estf_next';
export function isConsolePath(p: string): boolean {
  return /^\/console\/[A-Za-z0-9\-._~%/?=&+]*$/.test(p) && !p.includes('//') && !p.startsWith('/console/sign-') && p.length <= 1_000;
}

/**
 * A path as it may be written to a log or the audit log: the one-time secrets some paths carry (a sign-in
 * link, a page's acknowledgement link) replaced, so that whoever reads the logs cannot use a link first.
 */
export function loggablePath(path: string): string {
  return path.replace(/^(\/console\/sign-in|\/ack)\/[^/]+/, '$1/[token]');
}

export function cookieName(config: Config): string {
  // __Host-: only over HTTPS, for the exact host, Path=/: a sibling subdomain cannot plant or read it.
  // The name carries the prefix: never also hono's `prefix` option, which would add it twice (a cookie
  // named __Host-__Host-estf_session, which getCookie never finds: no one could sign in over HTTPS).
  return config.http.publicUrl.startsWith('https:') ? '__Host-estf_session' : 'estf_session';
}

export function pageContext(c: Context<ConsoleEnv>): PageContext {
  const s = c.get('session');
  return { principal: s?.principal ?? null, csrfToken: s?.csrfToken ?? null };
}

export function createConsole(deps: ConsoleDeps) {
  const { config, services } = deps;
  const secure = config.http.publicUrl.startsWith('https:');
  const origin = new URL(config.http.publicUrl).origin;
  const cookie = cookieName(config);
  const app = new Hono<ConsoleEnv>();
  const meta = (c: Context<ConsoleEnv>) => ({ requestId: c.get('requestId'), clientAddress: c.get('clientAddress'), userAgent: c.req.header('user-agent') ?? null });

  app.use('*', async (c, next) => {
    await next();
    c.header('content-security-policy', CSP);
    c.header('x-content-type-options', 'nosniff');
    // same-origin, not no-referrer: under no-referrer Chromium sends `Origin: null` with a form post, which
    // the Origin check below must refuse. Other sites still get no Referer (a sign-in link's token stays here).
    c.header('referrer-policy', 'same-origin');
    c.header('x-frame-options', 'DENY');
    if (!c.res.headers.has('cache-control')) c.header('cache-control', 'no-store');
  });

  app.get(`/assets/:name`, (c) => {
    const a = consoleAssets().byName.get(c.req.param('name'));
    if (!a) return c.text('not found', 404);
    return c.body(new Uint8Array(a.body), 200, { 'content-type': a.type, 'cache-control': 'public, max-age=31536000, immutable' });
  });

  // Every state-changing request comes from a page of this hub (Origin), and, once signed in, carries the
  // session's CSRF token in the form or a header. SameSite=Lax alone leaves same-site siblings and old browsers.
  const refuse = async (c: Context<ConsoleEnv>, reason: string) => {
    await services.sessions.recordRefusal(meta(c), reason, loggablePath(c.req.path));
    return c.html(renderPage(<Layout title="Request refused" ctx={pageContext(c)}><h1>Request refused</h1><p>This form was not sent from a page of this hub, or your page is out of date. Go back, reload the page and try again.</p></Layout>), 403);
  };
  const checkOrigin: MiddlewareHandler<ConsoleEnv> = async (c, next) => {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD' && c.req.header('origin') !== origin) return refuse(c, 'origin');
    await next();
  };
  app.use('*', checkOrigin);
  // Bodies are bounded before anything reads them (the session check below parses form bodies for the CSRF
  // token): the largest a console form sends is an indicator file (ESTF_CONSOLE_IMPORT_MAX_BYTES) and its fields.
  app.use('*', bodyLimit({
    maxSize: config.console.importMaxBytes + 1_048_576,
    onError: (c) => c.html(renderPage(<Layout title="Too large" ctx={{ principal: null, csrfToken: null }}><h1>Too large</h1><p>{`What you sent is larger than the console takes: files to import may be at most ${config.console.importMaxBytes.toLocaleString('en-US')} bytes. Split the file, or ask your hub's operator to import it with estf indicators import.`}</p></Layout>), 413),
  }));

  // The session, from the cookie, on every request.
  app.use('*', async (c, next) => {
    const value = getCookie(c, cookie);
    const session = value ? await services.sessions.authenticate(value, meta(c)) : null;
    if (value && !session) deleteCookie(c, cookie, { path: '/', secure });
    c.set('session', session);
    await next();
  });

  // What a query string or a form carries is read here once, for every path (the CSRF check below reads
  // forms too): a body that cannot be read, and a value no column can store (NUL, an unpaired surrogate),
  // are a 400 naming the field, as src/graphql/input-check.ts answers for the API, never an internal error.
  app.use('*', async (c, next) => {
    const refused = (title: string, message: string) =>
      c.html(renderPage(<Layout title={title} ctx={pageContext(c)}><h1>{title}</h1><p role="alert">{message}</p><p>Go back, correct it and send it again.</p></Layout>), 400);
    const problem = (kind: string, name: string, value: string): string | null => {
      const reason = unstorableReason(name) ?? unstorableReason(value);
      return reason && `The ${kind} “${unstorableReason(name) ? name.replace(/[\u0000\ud800-\udfff]/g, '\ufffd') : name}” ${reason}.`;
    };
    for (const [name, values] of Object.entries(c.req.queries())) {
      for (const v of values) {
        const p = problem('query parameter', name, v);
        if (p) return refused('Not a valid address', p);
      }
    }
    // Lower case, as hono's parseBody reads it: `Multipart/Form-Data` is a form the handlers will read.
    const type = (c.req.header('content-type') ?? '').toLowerCase();
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD' && (type.startsWith('application/x-www-form-urlencoded') || type.startsWith('multipart/form-data'))) {
      let body: Record<string, unknown>;
      try {
        body = await c.req.parseBody({ all: true });
      } catch {
        return refused('Form not readable', 'What was sent is not a form this hub can read (a broken or cut-off upload). Reload the page and send the form again.');
      }
      for (const [name, value] of Object.entries(body)) {
        for (const v of Array.isArray(value) ? value : [value]) {
          const p = typeof v === 'string' ? problem('field', name, v) : v instanceof File ? problem('file name of field', name, v.name) : null;
          if (p) return refused('Not a valid form', p);
        }
      }
    }
    await next();
  });

  // Sign-in: GET only shows a button (mail scanners follow links); POST consumes the link.
  app.get('/sign-in/:token', async (c) => {
    const usable = await services.sessions.loginLinkUsable(c.req.param('token'));
    if (!usable) return c.html(renderPage(<Layout title="Link not valid" ctx={{ principal: null, csrfToken: null }}><h1>Link not valid</h1><p>This sign-in link is unknown, already used or expired (links last 15 minutes). Ask for a new one.</p></Layout>), 404);
    return c.html(
      renderPage(
        <Layout title="Sign in" ctx={{ principal: null, csrfToken: null }}>
          <h1>Sign in to ESTF Hub</h1>
          <p>This link signs you in once. Press the button to continue.</p>
          <form method="post">
            <button type="submit">Sign in</button>
          </form>
        </Layout>,
      ),
    );
  });
  app.post('/sign-in/:token', async (c) => {
    const opened = await services.sessions.signIn(c.req.param('token'), meta(c));
    if (!opened) return c.html(renderPage(<Layout title="Sign-in failed" ctx={{ principal: null, csrfToken: null }}><h1>Sign-in failed</h1><p>This sign-in link is unknown, already used or expired (links last 15 minutes). Ask for a new one.</p></Layout>), 410);
    setCookie(c, cookie, opened.cookieValue, { path: '/', httpOnly: true, sameSite: 'Lax', secure, maxAge: Math.floor(config.console.absoluteMs / 1000) });
    // Back to the page that asked for the sign-in (an "Open" link from a page or an e-mail), else Now.
    const next = getCookie(c, NEXT_COOKIE);
    if (next) deleteCookie(c, NEXT_COOKIE, { path: '/console', secure });
    return c.redirect(next && isConsolePath(next) ? next : '/console/now', 303);
  });
  const SignInForm = (props: { c: Context<ConsoleEnv>; message?: string; status?: 'sent' | 'limited' }) => (
    <Layout title="Sign in" ctx={pageContext(props.c)}>
      <h1>Sign in to ESTF Hub</h1>
      {props.status === 'sent' && (
        <p role="status">If this address belongs to an account, a sign-in link is on its way to it. The link works once, for 15 minutes.</p>
      )}
      {props.status === 'limited' && (
        <p role="alert" class="error">
          Too many sign-in requests for this address or from this device. Wait 15 minutes and try again, or ask your hub's operator for a link.
        </p>
      )}
      <form method="post" action="/console/sign-in">
        <label for="sign-in-email">E-mail address</label>
        <input type="text" inputmode="email" autocomplete="email" id="sign-in-email" name="email" required />
        <p>
          <button type="submit">Send me a sign-in link</button>
        </p>
      </form>
      <p>
        Your hub's operator can also give you a link (<code>estf login-link --email you@example.org</code>).
      </p>
    </Layout>
  );
  app.get('/sign-in', (c) => c.html(renderPage(<SignInForm c={c} />)));
  // The same answer whether or not the address has an account (and the mail leaves after it).
  app.post('/sign-in', async (c) => {
    const form = await c.req.parseBody();
    const email = typeof form.email === 'string' ? form.email : '';
    const status = await services.sessions.requestLoginLink(email, meta(c));
    return c.html(renderPage(<SignInForm c={c} status={status} />), status === 'limited' ? 429 : 200);
  });

  // Every page below needs a session; its state-changing requests the session's CSRF token.
  const requireSession: MiddlewareHandler<ConsoleEnv> = async (c, next) => {
    const session = c.get('session');
    if (!session) {
      if (c.req.method === 'GET') {
        // Remembered for the sign-in that follows in this browser (by link or e-mail), for as long as a link lives.
        const asked = c.req.path + (new URL(c.req.url).search || '');
        if (isConsolePath(asked) && asked !== '/console/now') setCookie(c, NEXT_COOKIE, asked, { path: '/console', httpOnly: true, sameSite: 'Lax', secure, maxAge: 15 * 60 });
        return c.redirect('/console/sign-in', 303);
      }
      return refuse(c, 'no session');
    }
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      const type = (c.req.header('content-type') ?? '').toLowerCase();
      let submitted = c.req.header('x-csrf-token') ?? null;
      if (!submitted && (type.startsWith('application/x-www-form-urlencoded') || type.startsWith('multipart/form-data'))) {
        const form = await c.req.parseBody();
        submitted = typeof form._csrf === 'string' ? form._csrf : null;
      }
      if (!services.sessions.csrfMatches(session, submitted)) return refuse(c, 'csrf token');
    }
    await next();
  };
  // Everything but sign-in and the assets needs a session: a new screen is protected without a line here.
  app.use('*', async (c, next) => {
    const path = c.req.path.replace(/^\/console/, '');
    if (path === '/sign-in' || path.startsWith('/sign-in/') || path.startsWith('/assets/')) return next();
    return requireSession(c, next);
  });

  app.post('/sign-out', async (c) => {
    await services.sessions.signOut(c.get('session')!);
    services.alerts.endConsoleSession(c.get('session')!.id);
    deleteCookie(c, cookie, { path: '/', secure });
    return c.html(renderPage(<Layout title="Signed out" ctx={{ principal: null, csrfToken: null }}><h1>Signed out</h1><p>You are signed out.</p></Layout>));
  });

  // `/console` and `/console/` both land on Now (a mounted app's '/' matches only the first).
  app.get('/', (c) => c.redirect('/console/now', 303));
  app.get('/*', async (c, next) => (c.req.path === '/console/' ? c.redirect('/console/now', 303) : next()));
  // One line per screen; order matters where paths overlap (/incidents/new before /incidents/:id).
  registerIncidentListPages(app, services);
  registerFilingPages(app, services);
  registerIncidentPages(app, services);
  registerEscalationPages(app, services);
  registerNowPage(app, services);
  registerOncallPages(app, services);
  registerIndicatorPages(app, services, { importMaxBytes: config.console.importMaxBytes });
  registerSubscriptionPages(app, services);
  registerAuditPages(app, services);
  registerOrganizationPages(app, services);
  registerAccountPages(app, services);
  registerLive(app, services);
  registerClaimPages(app, services);
  // A person in a browser gets a page, not the API's JSON: the database out of reach (say PostgreSQL restarting)
  // is a 503 that says when to try again; anything else a page naming the request id, never a stack.
  app.onError((err, c) => {
    if (isDatabaseUnavailable(err)) {
      c.get('logger')?.warn({ err: (err as Error).message }, 'database unavailable');
      c.header('retry-after', String(UNAVAILABLE_RETRY_AFTER_SECONDS));
      return c.html(renderPage(<Layout title="Unavailable" ctx={{ principal: null, csrfToken: null }}><h1>The hub is briefly unavailable</h1><p>{`Its database cannot be reached right now. Nothing you sent was half-written. Try again in ${UNAVAILABLE_RETRY_AFTER_SECONDS} seconds; if it lasts, call your hub's operator.`}</p></Layout>), 503);
    }
    c.get('logger')?.error({ err }, 'console page failed');
    return c.html(renderPage(<Layout title="Something went wrong" ctx={{ principal: null, csrfToken: null }}><h1>Something went wrong</h1><p>{`The hub could not answer this page. Tell your hub's operator the request id ${c.get('requestId') ?? 'unknown'}.`}</p></Layout>), 500);
  });
  // A mounted app's notFound is not used (the hub's is, which answers JSON): the console's own, last.
  app.all('*', (c) => c.html(renderPage(<Layout title="Not found" ctx={pageContext(c)}><h1>Not found</h1><p>There is no such page.</p></Layout>), 404));
  return app;
}

export { ASSETS_PATH };
