import type { Context, Hono } from 'hono';
import type { UserPrincipal } from '../../access/principal.js';
import { parseInstant } from '../../dates.js';
import { CATEGORIES, DOMAINS, SEVERITIES, STATUSES, TLPS, type IncidentCategory, type IncidentDomain, type IncidentStatus, type Severity, type Tlp } from '../../domain/taxonomy.js';
import { InputError } from '../../errors.js';
import type { Services } from '../../services.js';
import { pageContext, type ConsoleEnv } from '../../web/console.js';
import { Layout, renderPage, TlpLabel, type PageContext } from '../../web/layout.js';
import type { IncidentRow } from './index.js';

/**
 * The console's incident list: an adapter like the resolvers, calling the incidents service with the
 * signed-in principal. Every filter of the API's IncidentFilter lives in the query string (bookmarkable;
 * filters add up: a quick filter adds one to those in force), so do the sort (every IncidentOrder) and the
 * page. A value the list does not know is named in a message, never silently dropped. A live banner
 * (src/web/live.tsx) says how many incidents changed since the page was loaded, without moving the list.
 */

const PAGE_SIZE = 50;
const fmt = (d: Date | null) => (d ? `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC` : '–');

const SORT_FIELDS = ['REPORTED_AT', 'UPDATED_AT', 'OCCURRED_AT', 'SEVERITY'] as const;
type SortField = (typeof SORT_FIELDS)[number];
const SORT_LABELS: Record<SortField, string> = { REPORTED_AT: 'Reported', UPDATED_AT: 'Last updated', OCCURRED_AT: 'Occurred', SEVERITY: 'Severity' };
const DIRECTIONS = ['DESC', 'ASC'] as const;
type Dir = (typeof DIRECTIONS)[number];

/** The query-string parameters the list reads (anything else is named as unknown). */
const PARAMS = new Set([
  'statuses',
  'severityAtLeast',
  'categories',
  'domains',
  'affectedCounty',
  'reportingOrganization',
  'tlp',
  'exercise',
  'occurredAfter',
  'occurredBefore',
  'updatedSince',
  'text',
  'sort',
  'direction',
  'after',
]);

interface ListQuery {
  statuses: IncidentStatus[];
  severityAtLeast: Severity | null;
  categories: IncidentCategory[];
  domains: IncidentDomain[];
  affectedCounty: string;
  reportingOrganization: string;
  tlp: Tlp[];
  exercise: boolean;
  /** The date filters as written (shown back in the form) and as read. */
  occurredAfter: string;
  occurredBefore: string;
  updatedSince: string;
  dates: { occurredAfter: Date | null; occurredBefore: Date | null; updatedSince: Date | null };
  text: string;
  sort: SortField;
  direction: Dir;
  after: string | null;
}

const SLUG = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** An RFC 3339 instant, or a date (midnight UTC). */
function readInstant(text: string): { ok: true; value: Date } | { ok: false; reason: string } {
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return parseInstant(`${text}T00:00:00Z`);
  return parseInstant(text);
}

/** A filter the list could not read: its parameter (the control marked invalid) and the message naming it. */
export interface ListProblem {
  param: string;
  message: string;
}

export function readListQuery(params: URLSearchParams): { query: ListQuery; problems: ListProblem[] } {
  const problems: ListProblem[] = [];
  const problem = (param: string, message: string) => problems.push({ param, message });
  const all = (name: string) => params.getAll(name).filter((v) => v !== '');
  const one = (name: string) => (params.get(name) ?? '').trim();
  function pick<T extends string>(name: string, label: string, allowed: readonly T[]): T[] {
    const out: T[] = [];
    for (const v of all(name)) {
      if ((allowed as readonly string[]).includes(v)) {
        if (!out.includes(v as T)) out.push(v as T);
      } else problem(name, `${label} (${name}): "${v}" is not one of ${allowed.join(', ')}.`);
    }
    return out;
  }
  for (const name of new Set(params.keys())) if (!PARAMS.has(name)) problem(name, `Unknown filter "${name}": the list filters by ${[...PARAMS].join(', ')}.`);

  const sev = one('severityAtLeast');
  const severityAtLeast = (SEVERITIES as readonly string[]).includes(sev) ? (sev as Severity) : null;
  if (sev && !severityAtLeast) problem('severityAtLeast', `Severity at least (severityAtLeast): "${sev}" is not one of ${SEVERITIES.join(', ')}.`);
  const slug = (name: string, label: string) => {
    const v = one(name).toLowerCase();
    if (v && !SLUG.test(v)) {
      problem(name, `${label} (${name}): "${one(name)}" is not an organization's slug (lowercase letters, digits and dashes, e.g. county-orange).`);
      return '';
    }
    return v;
  };
  const ex = one('exercise');
  if (ex && ex !== 'true' && ex !== 'false') problem('exercise', `Exercise (exercise): "${ex}" is not true or false.`);
  const dates = { occurredAfter: null as Date | null, occurredBefore: null as Date | null, updatedSince: null as Date | null };
  const labels = { occurredAfter: 'Occurred after', occurredBefore: 'Occurred before', updatedSince: 'Updated since' } as const;
  for (const name of ['occurredAfter', 'occurredBefore', 'updatedSince'] as const) {
    const v = one(name);
    if (!v) continue;
    const r = readInstant(v);
    if (r.ok) dates[name] = r.value;
    else problem(name, `${labels[name]} (${name}): "${v}" ${r.reason}, or a date such as 2026-11-03.`);
  }
  const text = one('text');
  if (text.length > 500) problem('text', `Search (text): must be at most 500 characters (it has ${text.length}).`);
  const sortText = one('sort');
  const sort = (SORT_FIELDS as readonly string[]).includes(sortText) ? (sortText as SortField) : 'REPORTED_AT';
  if (sortText && sort !== sortText) problem('sort', `Sort by (sort): "${sortText}" is not one of ${SORT_FIELDS.join(', ')}.`);
  const dirText = one('direction');
  const direction = (DIRECTIONS as readonly string[]).includes(dirText) ? (dirText as Dir) : 'DESC';
  if (dirText && direction !== dirText) problem('direction', `Direction (direction): "${dirText}" is not one of ${DIRECTIONS.join(', ')}.`);
  return {
    query: {
      statuses: pick('statuses', 'Status', STATUSES),
      severityAtLeast,
      categories: pick('categories', 'Category', CATEGORIES),
      domains: pick('domains', 'Domain', DOMAINS),
      affectedCounty: slug('affectedCounty', 'Affected county'),
      reportingOrganization: slug('reportingOrganization', 'Reporting organization'),
      tlp: pick('tlp', 'TLP', TLPS),
      exercise: ex === 'true',
      occurredAfter: one('occurredAfter'),
      occurredBefore: one('occurredBefore'),
      updatedSince: one('updatedSince'),
      dates,
      text: text.slice(0, 500),
      sort,
      direction,
      after: one('after') || null,
    },
    problems,
  };
}

/** The list's query as the API's IncidentFilter (the incidents service's list, and the live banner's matcher). */
export function filterOf(query: ListQuery) {
  return {
    statuses: query.statuses.length ? query.statuses : null,
    severityAtLeast: query.severityAtLeast,
    categories: query.categories.length ? query.categories : null,
    domains: query.domains.length ? query.domains : null,
    affectedCounty: query.affectedCounty || null,
    reportingOrganization: query.reportingOrganization || null,
    tlp: query.tlp.length ? query.tlp : null,
    exercise: query.exercise,
    occurredAfter: query.dates.occurredAfter,
    occurredBefore: query.dates.occurredBefore,
    updatedSince: query.dates.updatedSince,
    text: query.text || null,
  };
}

/** The query string of a list: the filters and sort in force, plus `change` (a quick filter, a page). */
function queryString(q: ListQuery, change: { after?: string | null; add?: [string, string] } = {}): string {
  const p = new URLSearchParams();
  for (const s of q.statuses) p.append('statuses', s);
  if (q.severityAtLeast) p.set('severityAtLeast', q.severityAtLeast);
  for (const s of q.categories) p.append('categories', s);
  for (const s of q.domains) p.append('domains', s);
  if (q.affectedCounty) p.set('affectedCounty', q.affectedCounty);
  if (q.reportingOrganization) p.set('reportingOrganization', q.reportingOrganization);
  for (const s of q.tlp) p.append('tlp', s);
  if (q.exercise) p.set('exercise', 'true');
  if (q.occurredAfter) p.set('occurredAfter', q.occurredAfter);
  if (q.occurredBefore) p.set('occurredBefore', q.occurredBefore);
  if (q.updatedSince) p.set('updatedSince', q.updatedSince);
  if (q.text) p.set('text', q.text);
  if (q.sort !== 'REPORTED_AT') p.set('sort', q.sort);
  if (q.direction !== 'DESC') p.set('direction', q.direction);
  if (change.add) {
    const [k, v] = change.add;
    if (k === 'statuses') {
      if (!q.statuses.includes(v as IncidentStatus)) p.append(k, v);
    } else p.set(k, v);
  }
  if (change.after) p.set('after', change.after);
  const s = p.toString();
  return s ? `?${s}` : '';
}

/** Quick filters: each adds one filter of the API to those in force (they add up). */
function quickFilters(principal: UserPrincipal): Array<{ label: string; add: [string, string]; on: (q: ListQuery) => boolean }> {
  const org = principal.organization;
  const out: Array<{ label: string; add: [string, string]; on: (q: ListQuery) => boolean }> = [
    { label: 'Mine (reported by my organization)', add: ['reportingOrganization', org.slug], on: (q) => q.reportingOrganization === org.slug },
  ];
  if (org.kind === 'COUNTY') out.push({ label: 'My county', add: ['affectedCounty', org.slug], on: (q) => q.affectedCounty === org.slug });
  out.push(
    { label: 'Unacknowledged (REPORTED, not yet triaged)', add: ['statuses', 'REPORTED'], on: (q) => q.statuses.length === 1 && q.statuses[0] === 'REPORTED' },
    { label: 'HIGH and above', add: ['severityAtLeast', 'HIGH'], on: (q) => q.severityAtLeast === 'HIGH' },
  );
  return out;
}

/** A control whose filter could not be read: marked invalid and described by the summary that names it. */
function invalid(bad: ReadonlySet<string>, name: string) {
  return bad.has(name) ? { 'aria-invalid': 'true' as const, 'aria-describedby': 'filter-problems' } : {};
}

function Checkboxes<T extends string>(props: { legend: string; name: string; values: readonly T[]; checked: readonly T[]; label?: (v: T) => string; bad: ReadonlySet<string> }) {
  return (
    <fieldset {...(props.bad.has(props.name) ? { 'aria-describedby': 'filter-problems' } : {})}>
      <legend>{props.legend}</legend>
      {props.values.map((v) => (
        <span>
          <input type="checkbox" id={`f-${props.name}-${v}`} name={props.name} value={v} checked={props.checked.includes(v)} {...(props.bad.has(props.name) ? { 'aria-invalid': 'true' as const } : {})} />{' '}
          <label for={`f-${props.name}-${v}`}>{props.label ? props.label(v) : v}</label>
        </span>
      ))}
    </fieldset>
  );
}

function Filters(props: { q: ListQuery; bad: ReadonlySet<string> }) {
  const { q, bad } = props;
  return (
    <form method="get" action="/console/incidents" class="filters" role="search" aria-label="Filter incidents">
      <div>
        <label for="f-text">Search</label>
        <input type="search" id="f-text" name="text" value={q.text} {...invalid(bad, 'text')} />
      </div>
      <div>
        <label for="f-severity">Severity at least</label>
        <select id="f-severity" name="severityAtLeast" {...invalid(bad, 'severityAtLeast')}>
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
        <input type="text" id="f-county" name="affectedCounty" value={q.affectedCounty} placeholder="county-orange" {...invalid(bad, 'affectedCounty')} />
      </div>
      <div>
        <label for="f-reporter">Reporting organization (slug)</label>
        <input type="text" id="f-reporter" name="reportingOrganization" value={q.reportingOrganization} placeholder="cisa" {...invalid(bad, 'reportingOrganization')} />
      </div>
      <div>
        <label for="f-occurred-after">Occurred after</label>
        <input type="text" id="f-occurred-after" name="occurredAfter" value={q.occurredAfter} aria-describedby={bad.has('occurredAfter') ? 'filter-problems f-date-hint' : 'f-date-hint'} aria-invalid={bad.has('occurredAfter') ? 'true' : undefined} />
      </div>
      <div>
        <label for="f-occurred-before">Occurred before</label>
        <input type="text" id="f-occurred-before" name="occurredBefore" value={q.occurredBefore} aria-describedby={bad.has('occurredBefore') ? 'filter-problems f-date-hint' : 'f-date-hint'} aria-invalid={bad.has('occurredBefore') ? 'true' : undefined} />
      </div>
      <div>
        <label for="f-updated-since">Updated since</label>
        <input type="text" id="f-updated-since" name="updatedSince" value={q.updatedSince} aria-describedby={bad.has('updatedSince') ? 'filter-problems f-date-hint' : 'f-date-hint'} aria-invalid={bad.has('updatedSince') ? 'true' : undefined} />
      </div>
      <p id="f-date-hint" class="muted">
        Dates: 2026-11-03 (midnight UTC) or 2026-11-03T21:00:00-08:00.
      </p>
      <Checkboxes legend="Status" name="statuses" values={STATUSES} checked={q.statuses} bad={bad} />
      <Checkboxes legend="TLP" name="tlp" values={TLPS} checked={q.tlp} label={(t) => (t === 'AMBER_STRICT' ? 'AMBER+STRICT' : t)} bad={bad} />
      <Checkboxes legend="Domain" name="domains" values={DOMAINS} checked={q.domains} bad={bad} />
      <Checkboxes legend="Category" name="categories" values={CATEGORIES} checked={q.categories} bad={bad} />
      <div>
        <input type="checkbox" id="f-exercise" name="exercise" value="true" checked={q.exercise} {...invalid(bad, 'exercise')} /> <label for="f-exercise">Exercise incidents only</label>
      </div>
      <div>
        <label for="f-sort">Sort by</label>
        <select id="f-sort" name="sort" {...invalid(bad, 'sort')}>
          {SORT_FIELDS.map((s) => (
            <option value={s} selected={q.sort === s}>
              {SORT_LABELS[s]}
            </option>
          ))}
        </select>
      </div>
      <div>
        <label for="f-direction">Order</label>
        <select id="f-direction" name="direction" {...invalid(bad, 'direction')}>
          <option value="DESC" selected={q.direction === 'DESC'}>
            Newest or highest first
          </option>
          <option value="ASC" selected={q.direction === 'ASC'}>
            Oldest or lowest first
          </option>
        </select>
      </div>
      <div>
        <button type="submit">Apply filters</button> <a href="/console/incidents">Clear</a>
      </div>
    </form>
  );
}

function ListPage(props: { ctx: PageContext; q: ListQuery; rows: IncidentRow[]; total: number; next: string | null; problems: ListProblem[] }) {
  const { q, rows } = props;
  return (
    <Layout title="Incidents" ctx={props.ctx} live={new URLSearchParams({ view: 'list', back: `/console/incidents${queryString(q)}` }).toString()}>
      <h1>Incidents</h1>
      <nav aria-label="Quick filters">
        <ul class="quick-filters">
          {quickFilters(props.ctx.principal!).map((f) => (
            <li>
              {f.on(q) ? (
                <span>{`${f.label} (in force)`}</span>
              ) : (
                <a href={`/console/incidents${queryString(q, { add: f.add })}`}>{f.label}</a>
              )}
            </li>
          ))}
        </ul>
      </nav>
      {props.problems.length > 0 && (
        // Focused on load (autofocus works without script), before the form, so it is read first.
        <div class="notice error-summary" role="alert" tabindex={-1} id="filter-problems" autofocus>
          {props.problems.map((p) => (
            <p class="error">{p.message}</p>
          ))}
        </div>
      )}
      <Filters q={q} bad={new Set(props.problems.map((p) => p.param))} />
      {/* Live (src/web/live.tsx): "N new / updated" and a reload link; polite, never takes focus, the list stays put. */}
      <div class="live-banner" id="live-banner" role="status" sse-swap="incidents"></div>
      <p id="count">
        {props.total === 1 ? '1 incident' : `${props.total} incidents`}
        {q.after ? ' (a later page)' : ''}
      </p>
      <p class="muted" id="sorted">{`Sorted by ${SORT_LABELS[q.sort].toLowerCase()}, ${q.direction === 'DESC' ? 'newest or highest first' : 'oldest or lowest first'}.`}</p>
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
                <th scope="col">Last updated</th>
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
                  <td>{fmt(r.updated_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p>No incident matches these filters.</p>
      )}
      <nav class="pager" aria-label="Pages">
        {q.after && <a href={`/console/incidents${queryString(q)}`}>First page</a>}
        {props.next && <a href={`/console/incidents${queryString(q, { after: props.next })}`}>Next page</a>}
        <span class="muted">{`${PAGE_SIZE} per page`}</span>
      </nav>
    </Layout>
  );
}

export function registerIncidentListPages(app: Hono<ConsoleEnv>, services: Services): void {
  const principalOf = (c: Context<ConsoleEnv>) => c.get('session')!.principal;

  app.get('/incidents', async (c) => {
    const ctx = pageContext(c);
    const { query, problems } = readListQuery(new URL(c.req.url).searchParams);
    // A filter that could not be read is not silently dropped: nothing is listed until it is fixed.
    if (problems.length) return c.html(renderPage(<ListPage ctx={ctx} q={query} rows={[]} total={0} next={null} problems={problems} />), 400);
    try {
      const page = await services.incidents.list(principalOf(c), {
        filter: filterOf(query),
        first: PAGE_SIZE,
        after: query.after,
        order: { field: query.sort, direction: query.direction },
      });
      const total = await page.totalCount();
      const next = page.hasNextPage ? (page.cursors[page.cursors.length - 1] ?? null) : null;
      return c.html(renderPage(<ListPage ctx={ctx} q={query} rows={page.nodes} total={total} next={next} problems={[]} />));
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      const message = err.field === 'after' ? 'Page (after): this page link does not belong to this sort, or is damaged. Start again from the first page.' : err.message;
      return c.html(renderPage(<ListPage ctx={ctx} q={{ ...query, after: null }} rows={[]} total={0} next={null} problems={[{ param: err.field, message }]} />), 400);
    }
  });
}
