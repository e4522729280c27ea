import type { Context, Hono } from 'hono';
import { canComment } from '../../access/incidents.js';
import { ForbiddenError, InputError, NotFoundError } from '../../errors.js';
import type { Services } from '../../services.js';
import { pageContext, type ConsoleEnv } from '../../web/console.js';
import { CsrfField, ExerciseBanner, Layout, NotFoundPage, renderPage, TlpLabel, type PageContext } from '../../web/layout.js';
import type { IncidentRow, TimelineRow } from './index.js';
import { FiledNotice, type FilingNotice } from './incidents.filing.pages.js';

/**
 * The console's incident page: the timeline is the body. An adapter like the resolvers, calling the incidents
 * service with the signed-in principal; a hidden incident answers exactly like an unknown one.
 */

const TIMELINE_PAGE = 200;
const fmt = (d: Date | null) => (d ? `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC` : '–');

interface IncidentView {
  row: IncidentRow;
  timeline: TimelineRow[];
  moreTimeline: boolean;
  names: Map<string, { name: string; organization: string }>;
}

function describe(e: TimelineRow): string {
  const change = e.change ? Object.entries(e.change).map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`).join(', ') : '';
  const kind = e.kind.toLowerCase().replace(/_/g, ' ');
  return change ? `${kind} (${change})` : kind;
}

/**
 * The live stream's view of this page: the incident, and the last entry shown, after which entries are
 * appended (none when the page shows only the first entries: then from the stream's start).
 */
function liveQuery(v: IncidentView): string {
  const p = new URLSearchParams({ view: 'incident', incident: v.row.id });
  const last = v.timeline.at(-1);
  if (last && !v.moreTimeline) p.set('after', last.public_id);
  return p.toString();
}

/** One timeline entry: rendered with the page, and by the live stream for entries added since. */
export function TimelineItem(props: { e: TimelineRow; names: Map<string, { name: string; organization: string }> }) {
  const { e, names } = props;
  const who = e.actor_user_id ? names.get(e.actor_user_id) : undefined;
  return (
    <li>
      <p class="meta">
        <time datetime={e.at.toISOString()}>{fmt(e.at)}</time> · {who ? `${who.name} (${who.organization})` : 'the hub'} ·{' '}
        {e.kind === 'COMMENT' ? 'comment' : describe(e)}
      </p>
      {e.body && <p class="body">{e.body}</p>}
    </li>
  );
}

function IncidentPage(props: { ctx: PageContext; v: IncidentView; comment?: { body: string; error: string }; filed?: FilingNotice }) {
  const { row, timeline, names } = props.v;
  const reporter = names.get(row.reporting_user_id);
  const principal = props.ctx.principal!;
  return (
    <Layout title={`${row.reference}: ${row.title}`} ctx={props.ctx} live={liveQuery(props.v)}>
      {row.exercise && <ExerciseBanner />}
      <h1>
        {row.reference}: {row.title}
      </h1>
      {props.filed && <FiledNotice notice={props.filed} />}
      <dl class="facts">
        <dt>TLP</dt>
        <dd>
          <TlpLabel tlp={row.tlp} />
        </dd>
        <dt>Severity</dt>
        <dd>{row.severity}</dd>
        <dt>Status</dt>
        <dd>{row.status}</dd>
        <dt>Category</dt>
        <dd>
          {row.category} ({row.domain})
        </dd>
        <dt>Law-enforcement sensitive</dt>
        <dd>{row.law_enforcement_sensitive ? 'Yes: law-enforcement sensitive' : 'No'}</dd>
        <dt>Exercise</dt>
        <dd>{row.exercise ? 'Yes: EXERCISE' : 'No'}</dd>
        <dt>Reported</dt>
        <dd>
          {fmt(row.reported_at)}
          {reporter ? ` by ${reporter.name} (${reporter.organization})` : ''}
        </dd>
        <dt>Occurred</dt>
        <dd>{fmt(row.occurred_at)}</dd>
      </dl>
      <h2>Summary</h2>
      <p class="summary">{row.summary || '(no summary)'}</p>
      <h2 id="timeline">Timeline</h2>
      {timeline.length === 0 && <p>No entries yet.</p>}
      {/* New entries are appended live (src/web/live.tsx), announced politely; nothing above them moves. */}
      <ol class="timeline" aria-labelledby="timeline" aria-live="polite" sse-swap="timeline" hx-swap="beforeend">
        {timeline.map((e) => (
          <TimelineItem e={e} names={names} />
        ))}
      </ol>
      {props.v.moreTimeline && <p class="muted">Older entries are not shown yet.</p>}
      {canComment(principal) && (
        <form method="post" action={`/console/incidents/${row.id}/comments`}>
          <CsrfField token={props.ctx.csrfToken} />
          <h2>
            <label for="comment-body">Add a comment</label>
          </h2>
          {props.comment && (
            <p id="comment-error" class="error" role="alert">
              {props.comment.error}
            </p>
          )}
          <textarea id="comment-body" name="body" required aria-describedby={props.comment ? 'comment-error' : undefined}>
            {props.comment?.body ?? ''}
          </textarea>
          <p>
            <button type="submit">Add comment</button>
          </p>
        </form>
      )}
    </Layout>
  );
}

// ---- File an incident (issue 14) ----------------------------------------------------------------------
export function registerIncidentPages(app: Hono<ConsoleEnv>, services: Services): void {
  const principalOf = (c: Context<ConsoleEnv>) => c.get('session')!.principal;

  async function view(c: Context<ConsoleEnv>, id: string): Promise<IncidentView | null> {
    const principal = principalOf(c);
    const row = await services.incidents.get(principal, id);
    if (!row) return null;
    const page = await services.incidents.timeline(principal, row, { commentsOnly: false, first: TIMELINE_PAGE, after: null });
    const ids = [row.reporting_user_id, ...page.nodes.map((e) => e.actor_user_id).filter((x): x is string => x !== null)];
    return { row, timeline: page.nodes, moreTimeline: page.hasNextPage, names: await services.identity.actorNames(principal, ids) };
  }

  app.get('/incidents/:id', async (c) => {
    const v = await view(c, c.req.param('id'));
    if (!v) return c.html(renderPage(<NotFoundPage ctx={pageContext(c)} what="incident" />), 404);
    const filed = c.req.query('filed') === '1' ? { suppressed: await services.escalations.suppressedTargetsOf(v.row) } : undefined;
    return c.html(renderPage(<IncidentPage ctx={pageContext(c)} v={v} filed={filed} />));
  });

  // Works without JavaScript: a plain form post, answered by a redirect to the incident's timeline.
  app.post('/incidents/:id/comments', async (c) => {
    const id = c.req.param('id');
    const form = await c.req.parseBody();
    const body = typeof form.body === 'string' ? form.body : '';
    try {
      await services.incidents.comment(principalOf(c), id, body);
      return c.redirect(`/console/incidents/${id}#timeline`, 303);
    } catch (err) {
      if (err instanceof NotFoundError) return c.html(renderPage(<NotFoundPage ctx={pageContext(c)} what="incident" />), 404);
      if (!(err instanceof InputError) && !(err instanceof ForbiddenError)) throw err;
      const v = await view(c, id);
      if (!v) return c.html(renderPage(<NotFoundPage ctx={pageContext(c)} what="incident" />), 404);
      const message = err instanceof InputError ? `The comment ${err.message.replace(/^body: /, '')}` : err.message;
      return c.html(renderPage(<IncidentPage ctx={pageContext(c)} v={v} comment={{ body, error: message }} />), err instanceof InputError ? 400 : 403);
    }
  });
}
