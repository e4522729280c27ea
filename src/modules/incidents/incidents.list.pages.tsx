import type { Context, Hono } from 'hono';
import { SEVERITIES, STATUSES, type IncidentStatus, type Severity } from '../../domain/taxonomy.js';
import { InputError } from '../../errors.js';
import type { Services } from '../../services.js';
import { pageContext, type ConsoleEnv } from '../../web/console.js';
import { Layout, renderPage, TlpLabel, type PageContext } from '../../web/layout.js';
import type { IncidentRow } from './index.js';

/**
 * The console's incident list: an adapter like the resolvers, calling the incidents service with the
 * signed-in principal. The list's filters live in the query string (bookmarkable, they add up) and mirror
 * the API's IncidentFilter.
 */

const PAGE_SIZE = 50;
const fmt = (d: Date | null) => (d ? `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC` : '–');

interface ListQuery {
  severityAtLeast: Severity | null;
  statuses: IncidentStatus[];
  affectedCounty: string;
  text: string;
  after: string | null;
}

function readListQuery(c: Context<ConsoleEnv>): { query: ListQuery; problems: string[] } {
  const problems: string[] = [];
  const sev = c.req.query('severityAtLeast') || '';
  const severityAtLeast = (SEVERITIES as readonly string[]).includes(sev) ? (sev as Severity) : null;
  if (sev && !severityAtLeast) problems.push(`Severity "${sev}" is not one of ${SEVERITIES.join(', ')}.`);
  const statuses: IncidentStatus[] = [];
  for (const s of c.req.queries('statuses') ?? []) {
    if ((STATUSES as readonly string[]).includes(s)) statuses.push(s as IncidentStatus);
    else problems.push(`Status "${s}" is not one of ${STATUSES.join(', ')}.`);
  }
  return {
    query: { severityAtLeast, statuses, affectedCounty: (c.req.query('affectedCounty') ?? '').trim(), text: c.req.query('text') ?? '', after: c.req.query('after') || null },
    problems,
  };
}

function queryString(q: ListQuery, after: string | null): string {
  const p = new URLSearchParams();
  if (q.severityAtLeast) p.set('severityAtLeast', q.severityAtLeast);
  for (const s of q.statuses) p.append('statuses', s);
  if (q.affectedCounty) p.set('affectedCounty', q.affectedCounty);
  if (q.text) p.set('text', q.text);
  if (after) p.set('after', after);
  const s = p.toString();
  return s ? `?${s}` : '';
}

function Filters(props: { q: ListQuery }) {
  const { q } = props;
  return (
    <form method="get" action="/console/incidents" class="filters" role="search" aria-label="Filter incidents">
      <div>
        <label for="f-text">Search</label>
        <input type="search" id="f-text" name="text" value={q.text} />
      </div>
      <div>
        <label for="f-severity">Severity at least</label>
        <select id="f-severity" name="severityAtLeast">
          <option value="">Any</option>
          {SEVERITIES.map((s) => (
            <option value={s} selected={q.severityAtLeast === s}>
              {s}
            </option>
          ))}
        </select>
      </div>
      <div>
        <label for="f-county">Affected county (slug)</label>
        <input type="text" id="f-county" name="affectedCounty" value={q.affectedCounty} placeholder="county-orange" />
      </div>
      <fieldset>
        <legend>Status</legend>
        {STATUSES.map((s) => (
          <span>
            <input type="checkbox" id={`f-status-${s}`} name="statuses" value={s} checked={q.statuses.includes(s)} />{' '}
            <label for={`f-status-${s}`}>{s}</label>
          </span>
        ))}
      </fieldset>
      <div>
        <button type="submit">Apply filters</button> <a href="/console/incidents">Clear</a>
      </div>
    </form>
  );
}

function ListPage(props: { ctx: PageContext; q: ListQuery; rows: IncidentRow[]; total: number; next: string | null; problems: string[] }) {
  const { q, rows } = props;
  return (
    <Layout title="Incidents" ctx={props.ctx}>
      <h1>Incidents</h1>
      <Filters q={q} />
      {props.problems.length > 0 && (
        <div class="notice" role="alert">
          {props.problems.map((p) => (
            <p class="error">{p}</p>
          ))}
        </div>
      )}
      <p id="count" aria-live="polite">
        {props.total === 1 ? '1 incident' : `${props.total} incidents`}
        {q.after ? ' (a later page)' : ''}
      </p>
      {rows.length > 0 ? (
        <div class="table-wrap">
          <table aria-describedby="count">
            <thead>
              <tr>
                <th scope="col">Reference</th>
                <th scope="col">Title</th>
                <th scope="col">Severity</th>
                <th scope="col">Status</th>
                <th scope="col">TLP</th>
                <th scope="col">Reported</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr>
                  <td>
                    <a href={`/console/incidents/${r.id}`}>{r.reference}</a>
                  </td>
                  <td>
                    {r.exercise && <strong>EXERCISE: </strong>}
                    {r.title}
                    {r.law_enforcement_sensitive && <span class="les"> (law-enforcement sensitive)</span>}
                  </td>
                  <td>{r.severity}</td>
                  <td>{r.status}</td>
                  <td>
                    <TlpLabel tlp={r.tlp} />
                  </td>
                  <td>{fmt(r.reported_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p>No incident matches these filters.</p>
      )}
      <nav class="pager" aria-label="Pages">
        {q.after && <a href={`/console/incidents${queryString(q, null)}`}>First page</a>}
        {props.next && <a href={`/console/incidents${queryString(q, props.next)}`}>Next page</a>}
      </nav>
    </Layout>
  );
}
export function registerIncidentListPages(app: Hono<ConsoleEnv>, services: Services): void {
  const principalOf = (c: Context<ConsoleEnv>) => c.get('session')!.principal;

  app.get('/incidents', async (c) => {
    const ctx = pageContext(c);
    const { query, problems } = readListQuery(c);
    try {
      const page = await services.incidents.list(principalOf(c), {
        filter: { severityAtLeast: query.severityAtLeast, statuses: query.statuses.length ? query.statuses : null, affectedCounty: query.affectedCounty || null, text: query.text || null },
        first: PAGE_SIZE,
        after: query.after,
        order: { field: 'REPORTED_AT', direction: 'DESC' },
      });
      const total = await page.totalCount();
      const next = page.hasNextPage ? (page.cursors[page.cursors.length - 1] ?? null) : null;
      return c.html(renderPage(<ListPage ctx={ctx} q={query} rows={page.nodes} total={total} next={next} problems={problems} />), problems.length ? 400 : 200);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      return c.html(renderPage(<ListPage ctx={ctx} q={query} rows={[]} total={0} next={null} problems={[...problems, err.message]} />), 400);
    }
  });
}
