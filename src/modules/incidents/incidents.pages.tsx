import type { Context, Hono } from 'hono';
import { canComment, type IncidentAccessFacts } from '../../access/incidents.js';
import { ForbiddenError, InputError, NotFoundError } from '../../errors.js';
import type { Services } from '../../services.js';
import { pageContext, type ConsoleEnv } from '../../web/console.js';
import { CsrfField, ExerciseBanner, Layout, NotFoundPage, renderPage, TlpLabel, type PageContext } from '../../web/layout.js';
import type { OrganizationRow } from '../partners/index.js';
import type { IncidentRow, TimelineRow } from './index.js';
import {
  allowedActions,
  ConflictNotice,
  doneMessage,
  ErrorSummary,
  formShown,
  IncidentActions,
  registerIncidentActions,
  type ActionError,
  type Allowed,
  type EditConflict,
  type Submitted,
} from './incidents.actions.pages.js';
import { FiledNotice, type FilingNotice } from './incidents.filing.pages.js';
import { EscalationsSection, LinkedIndicatorsSection, loadEscalations, loadIndicators, type EscalationView, type IndicatorsView } from './incidents.sections.pages.js';

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
  facts: IncidentAccessFacts;
  allowed: Allowed;
  organizations: OrganizationRow[];
  orgById: Map<string, OrganizationRow>;
  mergedInto: IncidentRow | null;
  duplicates: IncidentRow[];
  isCoordinatorOrg: (o: OrganizationRow) => boolean;
  escalations: EscalationView[];
  indicators: IndicatorsView;
}

/** The state of the page after an action: its message, or its error, or a stale edit's conflict. */
interface ActionState {
  done?: string;
  error?: ActionError;
  submitted?: Submitted;
  conflict?: EditConflict;
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
export function TimelineItem(props: { e: TimelineRow; names: IncidentView['names'] }) {
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

/** The timeline, the incident's body: its own component, so that live updates can replace it on their own. */
function IncidentTimeline(props: { timeline: TimelineRow[]; more: boolean; names: IncidentView['names'] }) {
  const { timeline, names } = props;
  return (
    <>
      <h2 id="timeline">Timeline</h2>
      {timeline.length === 0 && <p>No entries yet.</p>}
      {/* New entries are appended live (src/web/live.tsx), announced politely; nothing above them moves. */}
      <ol class="timeline" aria-labelledby="timeline" aria-live="polite" sse-swap="timeline" hx-swap="beforeend">
        {timeline.map((e) => (
          <TimelineItem e={e} names={names} />
        ))}
      </ol>
      {props.more && <p class="muted">Older entries are not shown yet.</p>}
    </>
  );
}

/** Reference, title, labels, status, who reported it and who holds it. */
function IncidentHeader(props: { v: IncidentView }) {
  const { row, names, facts, orgById } = props.v;
  const reporter = names.get(row.reporting_user_id);
  const orgName = (id: string) => orgById.get(id)?.name ?? 'an organization';
  const assigneeUser = row.assignee_user_id ? names.get(row.assignee_user_id) : undefined;
  return (
    <dl class="facts">
      <dt>Reference</dt>
      <dd>{row.reference}</dd>
      <dt>Severity</dt>
      <dd>{row.severity}</dd>
      <dt>TLP</dt>
      <dd>
        <TlpLabel tlp={row.tlp} />
      </dd>
      <dt>Law-enforcement sensitive</dt>
      <dd class={row.law_enforcement_sensitive ? 'les' : undefined}>
        {row.law_enforcement_sensitive ? 'Yes: law-enforcement sensitive (only law enforcement and the reporting organization see it)' : 'No'}
      </dd>
      <dt>Status</dt>
      <dd>
        {row.status}
        {props.v.mergedInto && (
          <>
            {' into '}
            <a href={`/console/incidents/${props.v.mergedInto.id}`}>{props.v.mergedInto.reference}</a>
          </>
        )}
      </dd>
      <dt>Category</dt>
      <dd>
        {row.category} ({row.domain})
      </dd>
      <dt>Affected counties</dt>
      <dd>{facts.affectedCountyIds.length ? facts.affectedCountyIds.map(orgName).sort().join(', ') : 'None named'}</dd>
      <dt>Reporting organization</dt>
      <dd>{orgName(row.reporting_organization_id)}</dd>
      <dt>Reported</dt>
      <dd>
        {fmt(row.reported_at)}
        {reporter ? ` by ${reporter.name} (${reporter.organization})` : ''}
      </dd>
      <dt>Assigned to</dt>
      <dd>
        {row.assignee_organization_id
          ? `${assigneeUser ? `${assigneeUser.name}, ` : ''}${orgName(row.assignee_organization_id)}`
          : 'Nobody yet'}
      </dd>
      <dt>Exercise</dt>
      <dd>{row.exercise ? 'Yes: EXERCISE' : 'No'}</dd>
      <dt>Occurred</dt>
      <dd>{fmt(row.occurred_at)}</dd>
      {props.v.duplicates.length > 0 && (
        <>
          <dt>Duplicates merged into it</dt>
          <dd>
            {props.v.duplicates.map((d, k) => (
              <>
                {k > 0 ? ', ' : ''}
                <a href={`/console/incidents/${d.id}`}>{d.reference}</a>
              </>
            ))}
          </dd>
        </>
      )}
    </dl>
  );
}

function assigneeText(v: IncidentView): string | null {
  const { row } = v;
  if (!row.assignee_organization_id) return null;
  const u = row.assignee_user_id ? v.names.get(row.assignee_user_id) : undefined;
  const org = v.orgById.get(row.assignee_organization_id)?.name ?? 'the organization';
  return u ? `${u.name} (${org})` : org;
}

function IncidentPage(props: { ctx: PageContext; v: IncidentView; comment?: { body: string; error: string }; filed?: FilingNotice; state?: ActionState }) {
  const { row } = props.v;
  const principal = props.ctx.principal!;
  const state = { ...props.state };
  // Sharing a TLP:RED incident takes users, any other organizations: an error about the other list is about this one.
  if (state.error?.action === 'share' && state.error.field !== 'routingTargets') state.error = { ...state.error, field: row.tlp === 'RED' ? 'users' : 'organizations' };
  const done = doneMessage(state.done, row, assigneeText(props.v));
  const failed = state.error !== undefined || state.conflict !== undefined || props.comment !== undefined;
  return (
    <Layout title={`${failed ? 'Error: ' : ''}${row.reference}: ${row.title}`} ctx={props.ctx} live={liveQuery(props.v)}>
      {row.exercise && <ExerciseBanner />}
      <h1>
        {row.exercise ? 'EXERCISE: ' : ''}
        {row.reference}: {row.title}
      </h1>
      {/* After a full-page redirect: read on load, and found by its role (one status region per page). */}
      {done && (
        <p role="status" class="done">
          {done}
        </p>
      )}
      {state.error && <ErrorSummary error={state.error} shown={formShown(props.v.allowed, state.error.action)} />}
      {state.conflict && <ConflictNotice conflict={state.conflict} incidentId={row.id} />}
      {props.filed && <FiledNotice notice={props.filed} />}
      <IncidentHeader v={props.v} />
      <h2>Summary</h2>
      <p class="summary">{row.summary || '(no summary)'}</p>
      <IncidentActions
        row={row}
        allowed={props.v.allowed}
        csrf={props.ctx.csrfToken}
        organizations={props.v.organizations}
        facts={props.v.facts}
        isCoordinatorOrg={props.v.isCoordinatorOrg}
        countySlugs={props.v.facts.affectedCountyIds.map((id) => props.v.orgById.get(id)?.slug ?? '').filter(Boolean).sort()}
        recipients={[row.reporting_user_id, ...props.v.facts.recipientUserIds].map((id) => {
          const n = props.v.names.get(id);
          return n ? `${n.name}, ${n.organization}` : 'a user';
        })}
        error={state.error ?? null}
        submitted={state.submitted ?? {}}
        conflict={state.conflict ?? null}
      />
      <IncidentTimeline timeline={props.v.timeline} more={props.v.moreTimeline} names={props.v.names} />
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
      <EscalationsSection escalations={props.v.escalations} names={props.v.names} />
      <LinkedIndicatorsSection v={props.v.indicators} />
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
    const facts = await services.incidents.accessFacts(principal, row);
    if (!facts) return null;
    const [page, organizations, escalations, mergedInto, duplicates] = await Promise.all([
      services.incidents.timeline(principal, row, { commentsOnly: false, first: TIMELINE_PAGE, after: null }),
      services.partners.list(principal),
      loadEscalations(services, principal, row),
      row.merged_into_id ? services.incidents.visibleAmong(principal, [row.merged_into_id]).then((m) => m.get(row.merged_into_id!) ?? null) : Promise.resolve(null),
      services.incidents.duplicatesOf(principal, row),
    ]);
    const orgById = new Map(organizations.map((o) => [o.id, o]));
    const indicators = await loadIndicators(services, principal, row, (oid) => orgById.get(oid)?.name ?? 'a county');
    const ids = [
      row.reporting_user_id,
      ...(row.assignee_user_id ? [row.assignee_user_id] : []),
      ...facts.recipientUserIds,
      ...page.nodes.map((e) => e.actor_user_id).filter((x): x is string => x !== null),
      ...escalations.userIds,
    ];
    return {
      row,
      timeline: page.nodes,
      moreTimeline: page.hasNextPage,
      names: await services.identity.actorNames(principal, ids),
      facts,
      allowed: allowedActions(principal, row, facts),
      organizations,
      orgById,
      isCoordinatorOrg: (o) => services.partners.isCoordinator(o),
      mergedInto,
      duplicates,
      escalations: escalations.escalations,
      indicators,
    };
  }

  const notFound = (c: Context<ConsoleEnv>) => c.html(renderPage(<NotFoundPage ctx={pageContext(c)} what="incident" />), 404);

  app.get('/incidents/:id', async (c) => {
    const v = await view(c, c.req.param('id'));
    if (!v) return notFound(c);
    const filed = c.req.query('filed') === '1' ? { suppressed: await services.escalations.suppressedTargetsOf(v.row) } : undefined;
    return c.html(renderPage(<IncidentPage ctx={pageContext(c)} v={v} filed={filed} state={{ done: c.req.query('done') }} />));
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
      if (err instanceof NotFoundError) return notFound(c);
      if (!(err instanceof InputError) && !(err instanceof ForbiddenError)) throw err;
      const v = await view(c, id);
      if (!v) return notFound(c);
      const message = err instanceof InputError ? `The comment ${err.message.replace(/^body: /, '')}` : err.message;
      return c.html(renderPage(<IncidentPage ctx={pageContext(c)} v={v} comment={{ body, error: message }} />), err instanceof InputError ? 400 : 403);
    }
  });

  // Transition, assign, share, TLP, LES, merge, edit: incidents.actions.pages.tsx.
  registerIncidentActions(
    app,
    services,
    async (c, id, state, status) => {
      const v = await view(c, id);
      if (!v) return notFound(c);
      return c.html(renderPage(<IncidentPage ctx={pageContext(c)} v={v} state={state} />), status);
    },
    notFound,
    (c) =>
      c.html(
        renderPage(
          <Layout title="Done" ctx={pageContext(c)}>
            <h1>Done</h1>
            <p role="status">The change was made. Under the incident's new label you no longer have access to it.</p>
            <p>
              <a href="/console/incidents">Back to the incidents</a>
            </p>
          </Layout>,
        ),
      ),
  );
}
