import type { ServerResponse } from 'node:http';
import type { Context, Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { UserPrincipal } from '../access/principal.js';
import { isUuid } from '../domain/ids.js';
import { encodeCursor } from '../graphql/pagination.js';
import type { IncidentEventModel } from '../modules/alerts/index.js';
import { PageNotice, PagesRegion, rowsOf, type PageRow } from '../modules/escalations/escalations.pages.js';
import { filterOf, readListQuery } from '../modules/incidents/incidents.list.pages.js';
import { TimelineItem } from '../modules/incidents/incidents.pages.js';
import type { IncidentRow } from '../modules/incidents/index.js';
import type { Services } from '../services.js';
import type { ConsoleEnv } from './console.js';
import type { PageContext } from './layout.js';

/**
 * The console's live updates: one Server-Sent Events stream per open page (GET /console/live, the session
 * cookie), opened by htmx's SSE extension from the layout. It is fed by the same live bus as the GraphQL
 * subscriptions, with the same check per event at delivery (the user's rights of the moment against the
 * incident as it is now: services.alerts.watchConsole), and the session is kept like an API token: a
 * sign-out, a revoked session or a deactivated user ends the stream at once, with a last `end` event the
 * page's `sse-close` obeys (no reconnecting). Events, by the regions that swap them in:
 *
 * - `paged` (every page, layout.tsx's role=alert region): "You are being paged for …", sent on opening
 *   when I am being paged, and again whenever my pages change (a page reached me, one was acknowledged).
 * - `incidents` (view=list&back=LIST-URL): the list's banner, "N new / updated": a count of the incidents
 *   I may see that changed since the page opened and that the list's filters would show (all but text and
 *   dates), and a link that reloads the list with its filters. The list itself never moves under the reader.
 * - `timeline` (view=incident&incident=ID&after=ENTRY): the incident's entries added after the last one the
 *   page showed (without `after`: after the stream opened), appended.
 * - `pages` (view=pages): My pages' list, rendered again. On My pages and Now (view=now), which have their
 *   own Acknowledge buttons, the notice only says it.
 */

const PING_EVERY_MS = 15_000;
/** Live entries appended per event at most (a burst beyond it is left for a reload). */
const TIMELINE_BATCH = 50;
/** The incident-event kinds after which my pages may have changed. */
const PAGING_KINDS = new Set(['ESCALATED', 'ACKNOWLEDGED', 'STATUS_CHANGED']);
/** Empty SSE data is never dispatched: an emptied region gets a comment (CSS :empty ignores it). */
const NOTHING = '<!-- none -->';

/** A list URL to reload with its filters: a path of the incidents list only (never another site). */
function listUrl(back: string | undefined): string {
  if (back && /^\/console\/incidents(\?[^\s#]*)?$/.test(back)) return back;
  return '/console/incidents';
}

function Banner(props: { n: number; href: string }) {
  return (
    <p>
      {props.n === 1 ? '1 new / updated incident since this list was loaded. ' : `${props.n} new / updated incidents since this list was loaded. `}
      <a href={props.href}>Reload the list</a>
    </p>
  );
}

export function registerLive(app: Hono<ConsoleEnv>, services: Services): void {
  app.get('/live', async (c: Context<ConsoleEnv>) => {
    const session = c.get('session')!;
    const view = c.req.query('view') ?? '';
    const back = listUrl(c.req.query('back'));
    const ctx = (p: UserPrincipal): PageContext => ({ principal: p, csrfToken: session.csrfToken });

    // The incident page's incident, only if this user may see it (else the stream carries no timeline).
    let incident: IncidentRow | null = null;
    let afterEntry: string | null = null;
    if (view === 'incident') {
      const id = c.req.query('incident') ?? '';
      incident = isUuid(id) ? await services.incidents.get(session.principal, id) : null;
      const after = c.req.query('after') ?? '';
      afterEntry = isUuid(after) ? after : null;
    }

    // The list's banner counts the incidents its filters would show (facets and organizations; not text or dates).
    let listed: (e: IncidentEventModel) => boolean = () => true;
    if (view === 'list') {
      const { query, problems } = readListQuery(new URL(back, 'http://console.invalid').searchParams);
      if (problems.length === 0) listed = await services.alerts.incidentEventMatcher(filterOf(query));
    }

    return streamSSE(c, async (stream) => {
      let finished = false;
      let resolveDone!: () => void;
      const done = new Promise<void>((r) => (resolveDone = r));
      const finish = () => {
        if (finished) return;
        finished = true;
        resolveDone();
      };
      // One thing at a time, in order: reads and writes of one stream never interleave.
      let chain: Promise<void> = Promise.resolve();
      const enqueue = (step: () => Promise<void>) => {
        chain = chain.then(() => (finished ? undefined : step())).catch(() => finish());
      };
      const send = (event: string, html: unknown) => stream.writeSSE({ event, data: String(html).replace(/\n/g, ' ') || NOTHING });

      let noticeKey = '';
      const refreshPages = async (p: UserPrincipal, first = false) => {
        const rows: PageRow[] = await rowsOf(services, p);
        const key = rows.map((r) => r.esc.id).sort().join(',');
        if (key === noticeKey && !(first && key !== '')) return;
        noticeKey = key;
        // Now and My pages list the pages with their own buttons: there the notice only says it.
        await send('paged', <PageNotice ctx={ctx(p)} rows={rows} listedOnPage={view === 'pages' || view === 'now'} />);
        if (view === 'pages' && !first) await send('pages', <PagesRegion ctx={ctx(p)} rows={rows} />);
      };

      const changed = new Set<string>();
      const appendTimeline = async (p: UserPrincipal) => {
        if (!incident) return;
        // Read as this user now (the incident may have left their sight: then nothing more is shown).
        const row = await services.incidents.get(p, incident.id);
        if (!row) return;
        const page = await services.incidents.timeline(p, row, { commentsOnly: false, first: TIMELINE_BATCH, after: afterEntry ? encodeCursor(afterEntry) : null });
        if (page.nodes.length === 0) return;
        afterEntry = page.nodes.at(-1)!.public_id;
        const names = await services.identity.actorNames(p, page.nodes.map((e) => e.actor_user_id).filter((x): x is string => x !== null));
        await send('timeline', <>{page.nodes.map((e) => <TimelineItem e={e} names={names} />)}</>);
      };

      /** Where the timeline ends now: entries after it are appended (the page did not say what it shows). */
      const seekTimelineEnd = async (p: UserPrincipal) => {
        if (!incident) return;
        for (let i = 0; i < 100; i++) {
          const page = await services.incidents.timeline(p, incident, { commentsOnly: false, first: 200, after: afterEntry ? encodeCursor(afterEntry) : null });
          if (page.nodes.length > 0) afterEntry = page.nodes.at(-1)!.public_id;
          if (!page.hasNextPage) return;
        }
      };

      const onIncident = async (p: UserPrincipal, e: IncidentEventModel) => {
        if (view === 'list' && listed(e)) {
          changed.add(e.incident.id);
          await send('incidents', <Banner n={changed.size} href={back} />);
        }
        if (incident && e.incident.id === incident.id) await appendTimeline(p);
        if (PAGING_KINDS.has(e.kind)) await refreshPages(p);
      };

      let watcher: { close(): void };
      try {
        watcher = await services.alerts.watchConsole(session.id, session.principal, {
          incident: (p, e) => enqueue(() => onIncident(p, e)),
          paged: (p) => enqueue(() => refreshPages(p)),
          end: (why) => {
            // Signed out, revoked or deactivated: say so (the page stops listening), then close. At shutdown
            // just close: the browser reconnects, to another API process.
            if (why === 'session') enqueue(() => send('end', 'ended'));
            enqueue(async () => finish());
          },
        });
      } catch {
        // No live bus here (Redis down): the page works, without live updates; the browser retries in 30 s.
        await stream.write('retry: 30000\n: live updates are unavailable\n\n');
        return;
      }
      // The client went away: stop listening. The Node response's own `close` too, because a client that
      // left before the stream started (a quick navigation) is never reported by the web stream's abort.
      const gone = () => {
        watcher.close();
        finish();
      };
      stream.onAbort(gone);
      const outgoing = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing ?? null;
      if (outgoing) {
        if (outgoing.destroyed || outgoing.closed) gone();
        else outgoing.once('close', gone);
      }
      const ping = setInterval(() => {
        if (!finished) void stream.write(':\n\n').catch(() => finish());
      }, PING_EVERY_MS);
      ping.unref();
      // Some clients report the stream open only after a first byte.
      await stream.write(':\n\n');
      enqueue(() => refreshPages(session.principal, true));
      if (incident) enqueue(() => (afterEntry ? appendTimeline(session.principal) : seekTimelineEnd(session.principal)));
      await done;
      outgoing?.off('close', gone);
      clearInterval(ping);
      watcher.close();
      await chain;
    });
  });
}
