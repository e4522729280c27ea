import type { Context, Hono } from 'hono';
import { canReadAuditLog } from '../../access/policy.js';
import type { Services } from '../../services.js';
import { parseInstant } from '../../dates.js';
import { pageContext, type ConsoleEnv } from '../../web/console.js';
import { utcTime } from '../../web/forms.js';
import { CsrfField, Layout, renderPage, type PageContext } from '../../web/layout.js';
import { describeVerification, type AuditEntryView, type AuditFilter } from './index.js';

/**
 * The console's Audit screen, for auditors only (anyone else gets the page an unknown address gets): the log
 * newest first with its filters in the query string (actor, action, object type and id, time range), paged by
 * entry number, through the same service as the `auditLog` query (changed content only of objects the auditor
 * may see); and "Verify chain", the same verification as `estf audit verify`.
 */

const PAGE_SIZE = 50;

interface AuditQuery {
  actor: string;
  action: string;
  objectType: string;
  objectId: string;
  since: string;
  until: string;
  before: number | null;
}

/** A time-range bound as typed (`2026-12-07T18:00`, taken as UTC, or a full RFC 3339 instant); null when unreadable. */
function bound(text: string): Date | null | 'invalid' {
  const t = text.trim();
  if (!t) return null;
  const full = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(t) ? `${t}:00Z` : /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/.test(t) ? `${t}Z` : t;
  const parsed = parseInstant(full);
  return parsed.ok ? parsed.value : 'invalid';
}

function readQuery(c: Context<ConsoleEnv>): AuditQuery {
  const q = (k: string) => (c.req.query(k) ?? '').slice(0, 200);
  const before = Number(c.req.query('before'));
  return { actor: q('actor'), action: q('action'), objectType: q('objectType'), objectId: q('objectId'), since: q('since'), until: q('until'), before: Number.isSafeInteger(before) && before > 0 ? before : null };
}

/** The query string of these filters (and a page), for links that keep them. */
function queryString(q: AuditQuery, before: number | null): string {
  const p = new URLSearchParams();
  for (const k of ['actor', 'action', 'objectType', 'objectId', 'since', 'until'] as const) if (q[k].trim()) p.set(k, q[k].trim());
  if (before !== null) p.set('before', String(before));
  const s = p.toString();
  return s ? `?${s}` : '';
}

interface Verification {
  ok: boolean;
  text: string;
  brokenSeq: number | null;
  checkpoints: number;
}

function AuditPage(props: {
  ctx: PageContext;
  q: AuditQuery;
  rows: AuditEntryView[];
  total: number;
  hasNext: boolean;
  rangeError: string | null;
  verification: Verification | null;
}) {
  const { q, rows, ctx, verification: v } = props;
  const last = rows[rows.length - 1];
  return (
    <Layout title={props.rangeError ? 'Error: Audit log' : 'Audit log'} ctx={ctx}>
      <h1>Audit log</h1>
      <section aria-labelledby="verify-title">
        <h2 id="verify-title">Chain</h2>
        <p class="muted">Walks every entry's keyed hash and checks the signed checkpoints, as estf audit verify does.</p>
        <form method="post" action={`/console/audit/verify${queryString(q, q.before)}`}>
          <CsrfField token={ctx.csrfToken} />
          <button type="submit">Verify chain</button>
        </form>
        {v && (
          <div class={v.ok ? 'notice ok' : 'notice'} role={v.ok ? 'status' : 'alert'} id="verification" tabindex={-1} autofocus>
            {v.ok ? (
              <p>
                <strong>The chain verifies:</strong> {`${v.text} (checked against ${v.checkpoints === 1 ? '1 signed checkpoint' : `${v.checkpoints} signed checkpoints`}).`}
              </p>
            ) : (
              <p>
                <strong>The chain is broken:</strong> {v.text}.{' '}
                {v.brokenSeq !== null && <a href={`/console/audit?before=${v.brokenSeq + 1}`}>{`Show entry ${v.brokenSeq}`}</a>}
              </p>
            )}
          </div>
        )}
      </section>
      <section aria-labelledby="log-title">
        <h2 id="log-title">Entries</h2>
        {props.rangeError && (
          <div class="notice error-summary" role="alert" tabindex={-1} id="audit-errors" autofocus>
            <p>
              <a href="#audit-since">{props.rangeError}</a>
            </p>
          </div>
        )}
        <form method="get" action="/console/audit" class="filters">
          <div>
            <label for="audit-actor">Actor e-mail</label>
            <input type="text" id="audit-actor" name="actor" value={q.actor} />
          </div>
          <div>
            <label for="audit-action">Action (e.g. user.deactivated)</label>
            <input type="text" id="audit-action" name="action" value={q.action} />
          </div>
          <div>
            <label for="audit-objectType">Object type (e.g. Incident)</label>
            <input type="text" id="audit-objectType" name="objectType" value={q.objectType} />
          </div>
          <div>
            <label for="audit-objectId">Object id</label>
            <input type="text" id="audit-objectId" name="objectId" value={q.objectId} />
          </div>
          <div>
            <label for="audit-since">From (UTC)</label>
            <input type="datetime-local" id="audit-since" name="since" value={q.since} {...(props.rangeError ? { 'aria-invalid': 'true', 'aria-describedby': 'audit-range-error' } : {})} />
          </div>
          <div>
            <label for="audit-until">Until (UTC, not included)</label>
            <input type="datetime-local" id="audit-until" name="until" value={q.until} {...(props.rangeError ? { 'aria-invalid': 'true', 'aria-describedby': 'audit-range-error' } : {})} />
          </div>
          {props.rangeError && (
            <p id="audit-range-error" class="error">
              {props.rangeError}
            </p>
          )}
          <button type="submit">Apply filters</button>
        </form>
        <p id="audit-count">{props.total === 1 ? '1 entry' : `${props.total} entries`}</p>
        {rows.length === 0 ? (
          <p>No entry matches these filters.</p>
        ) : (
          <div class="table-wrap">
            <table aria-describedby="audit-count">
              <thead>
                <tr>
                  <th scope="col">No.</th>
                  <th scope="col">Time</th>
                  <th scope="col">Actor</th>
                  <th scope="col">Action</th>
                  <th scope="col">Object</th>
                  <th scope="col">Change</th>
                </tr>
              </thead>
              <tbody>
                {rows.map(({ row, changeVisible }) => (
                  <tr id={`entry-${row.seq}`}>
                    <td>{row.seq}</td>
                    <td>{utcTime(row.at)}</td>
                    <td>
                      {row.actor_email ?? '–'}
                      {row.actor_organization_slug && <span class="muted">{` (${row.actor_organization_slug})`}</span>}
                      {row.token_prefix && <span class="muted">{` token ${row.token_prefix}`}</span>}
                    </td>
                    <td>
                      <code>{row.action}</code>
                    </td>
                    <td>
                      {row.object_type}
                      {row.object_id && <span class="summary">{` ${row.object_id}`}</span>}
                    </td>
                    <td class="summary">
                      {row.change === null ? '–' : changeVisible ? <code>{JSON.stringify(row.change)}</code> : <span class="muted">not shown: you may not see this object</span>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <nav class="pager" aria-label="Pages">
          {q.before !== null && <a href={`/console/audit${queryString(q, null)}`}>Newest entries</a>}
          {props.hasNext && last && <a href={`/console/audit${queryString(q, last.row.seq)}`}>Older entries</a>}
        </nav>
      </section>
    </Layout>
  );
}

export function registerAuditPages(app: Hono<ConsoleEnv>, services: Services): void {
  const principalOf = (c: Context<ConsoleEnv>) => c.get('session')!.principal;

  const render = async (c: Context<ConsoleEnv>, verification: Verification | null) => {
    const q = readQuery(c);
    const since = bound(q.since);
    const until = bound(q.until);
    const rangeError = since === 'invalid' ? 'From: not a date and time, e.g. 2026-11-03T20:15' : until === 'invalid' ? 'Until: not a date and time, e.g. 2026-11-03T20:15' : null;
    const filter: AuditFilter = {
      actorEmail: q.actor.trim() || null,
      actions: q.action.trim() ? [q.action.trim()] : null,
      objectType: q.objectType.trim() || null,
      objectId: q.objectId.trim() || null,
      since: since instanceof Date ? since : null,
      until: until instanceof Date ? until : null,
    };
    const page = await services.audit.list(principalOf(c), filter, PAGE_SIZE, q.before);
    const total = await page.totalCount();
    return c.html(renderPage(<AuditPage ctx={pageContext(c)} q={q} rows={page.nodes} total={total} hasNext={page.hasNextPage} rangeError={rangeError} verification={verification} />), rangeError ? 400 : 200);
  };

  // Not an auditor: on to the console's own "no such page" (next()), exactly as for an unknown address.
  app.get('/audit', async (c, next) => (canReadAuditLog(principalOf(c)) ? render(c, null) : next()));

  // A POST (with the CSRF field): it walks the whole log, which no link or crawler should start.
  app.post('/audit/verify', async (c, next) => {
    if (!canReadAuditLog(principalOf(c))) return next();
    const v = await services.audit.verify(principalOf(c));
    const said = describeVerification(v);
    return render(c, { ...said, brokenSeq: v.result.ok ? null : v.result.brokenSeq, checkpoints: v.checkpoints });
  });
}
