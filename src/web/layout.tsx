import type { Child } from 'hono/jsx';
import type { UserPrincipal } from '../access/principal.js';
import type { Tlp } from '../domain/taxonomy.js';
import { ASSETS_PATH, consoleAssets } from './assets.js';

/** The console's shared layout and components: server-rendered, no inline script or style (CSP default-src 'self'). */

export interface PageContext {
  principal: UserPrincipal | null;
  csrfToken: string | null;
}

const TLP_TEXT: Record<Tlp, string> = { CLEAR: 'TLP:CLEAR', GREEN: 'TLP:GREEN', AMBER: 'TLP:AMBER', AMBER_STRICT: 'TLP:AMBER+STRICT', RED: 'TLP:RED' };

/** FIRST TLP 2.0 colours on black, always with the label's text: colour alone fails WCAG 1.4.1. */
export function TlpLabel(props: { tlp: string }) {
  const tlp = (props.tlp in TLP_TEXT ? props.tlp : 'CLEAR') as Tlp;
  return <span class={`tlp tlp-${tlp.toLowerCase().replace('_', '-')}`}>{TLP_TEXT[tlp]}</span>;
}

export function ExerciseBanner() {
  return (
    <p class="exercise" role="note">
      EXERCISE EXERCISE EXERCISE: this incident is part of an exercise, not a real event.
    </p>
  );
}

export function CsrfField(props: { token: string | null }) {
  return <input type="hidden" name="_csrf" value={props.token ?? ''} />;
}

/** The console's screens, in the order of the main navigation; a screen a user cannot use is not offered. */
const NAV: Array<{ href: string; label: string; show?: (p: UserPrincipal) => boolean }> = [
  { href: '/console/now', label: 'Now' },
  { href: '/console/incidents', label: 'Incidents' },
  { href: '/console/incidents/new', label: 'File an incident' },
  { href: '/console/pages', label: 'My pages' },
  { href: '/console/claims', label: 'Claims', show: (p) => p.roles.has('ANALYST') || p.roles.has('COORDINATOR') },
  { href: '/console/indicators', label: 'Indicators' },
  { href: '/console/on-call', label: 'On-call' },
  { href: '/console/alerts', label: 'Alerts' },
  { href: '/console/audit', label: 'Audit', show: (p) => p.roles.has('AUDITOR') },
  { href: '/console/organization', label: 'Organization', show: (p) => p.roles.has('ORG_ADMIN') },
  { href: '/console/account', label: 'Account' },
];

/**
 * `live`: what the page's live regions need from the console's one SSE stream (src/web/live.tsx), as a
 * query string (`view=list`, `view=incident&incident=…`); every signed-in page opens the stream, for the
 * page notice at least.
 */
export function Layout(props: { title: string; ctx: PageContext; live?: string; children?: Child }) {
  const { css, htmx, sse } = consoleAssets();
  const p = props.ctx.principal;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        {/* htmx would otherwise add an inline <style> for its indicators, which the CSP refuses. */}
        <meta name="htmx-config" content='{"includeIndicatorStyles":false,"allowEval":false}' />
        <title>{`${props.title} · ESTF Hub`}</title>
        <link rel="stylesheet" href={`${ASSETS_PATH}/${css.name}`} />
        <script src={`${ASSETS_PATH}/${htmx.name}`} defer></script>
        <script src={`${ASSETS_PATH}/${sse.name}`} defer></script>
      </head>
      {/* sse-close: the stream says `end` when the session ended (signed out, revoked): no reconnecting then. */}
      <body {...(p ? { 'hx-ext': 'sse', 'sse-connect': `/console/live${props.live ? `?${props.live}` : ''}`, 'sse-close': 'end' } : {})}>
        <a class="skip-link" href="#main">
          Skip to main content
        </a>
        <header class="site">
          <a class="brand" href="/console/now">
            ESTF Hub
          </a>
          {p && (
            <nav aria-label="Main">
              <ul>
                {NAV.filter((n) => !n.show || n.show(p)).map((n) => (
                  <li>
                    <a href={n.href}>{n.label}</a>
                  </li>
                ))}
              </ul>
            </nav>
          )}
          {p && (
            <div class="who">
              <span>
                {p.name} ({p.organization.name})
              </span>{' '}
              <form method="post" action="/console/sign-out">
                <CsrfField token={props.ctx.csrfToken} />
                <button type="submit">Sign out</button>
              </form>
            </div>
          )}
        </header>
        {/* A paged user's notice on every page, filled live (role=alert: announced at once, focus stays put). */}
        {p && <div id="page-notice" class="page-notice" role="alert" sse-swap="paged"></div>}
        <main id="main" tabindex={-1}>
          {props.children}
        </main>
      </body>
    </html>
  );
}

/** The page of an object that does not exist or that the user may not see: one page for both. */
export function NotFoundPage(props: { ctx: PageContext; what: string }) {
  return (
    <Layout title="Not found" ctx={props.ctx}>
      <h1>Not found</h1>
      <p>{`This ${props.what} does not exist, or you do not have access to it.`}</p>
      <p>
        <a href="/console/incidents">Back to the incidents</a>
      </p>
    </Layout>
  );
}

export function renderPage(node: unknown): string {
  return `<!doctype html>${String(node)}`;
}
