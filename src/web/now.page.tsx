import type { Context, Hono } from 'hono';
import type { UserPrincipal } from '../access/principal.js';
import { OPEN_STATUSES, SEVERITIES, type Severity } from '../domain/taxonomy.js';
import type { EscalationRow } from '../modules/escalations/index.js';
import type { IncidentRow } from '../modules/incidents/index.js';
import type { RecentCorrelation } from '../modules/indicators/index.js';
import type { DutyOnCall } from '../modules/oncall/index.js';
import type { Services } from '../services.js';
import { pageContext, type ConsoleEnv } from './console.js';
import { CsrfField, Layout, renderPage, TlpLabel, type PageContext } from './layout.js';

/**
 * The console's Now screen: what needs me at this moment, on one page that fits a phone. Every part is
 * read through the services with the signed-in principal (my pages, incidents, correlations, on-call),
 * so the one access policy decides what it shows; acknowledging posts to My pages' own route.
 */

const CORRELATION_DAYS = 7;
const INCIDENTS_SHOWN = 10;
const OPEN = [...OPEN_STATUSES];

const fmt = (d: Date) => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

function When(props: { at: Date | null; none: string }) {
  return props.at ? <time datetime={props.at.toISOString()}>{fmt(props.at)}</time> : <>{props.none}</>;
}

interface PageItem {
  esc: EscalationRow;
  incident: IncidentRow;
}

interface IncidentSection {
  title: string;
  total: number;
  bySeverity: Array<{ severity: Severity; count: number }>;
  rows: IncidentRow[];
  /** The incident list with the same filter, where it can express it. */
  listHref: string | null;
}

interface NowData {
  pages: PageItem[];
  sections: IncidentSection[];
  correlations: RecentCorrelation[];
  onCall: DutyOnCall[];
}

async function openIncidents(services: Services, principal: UserPrincipal, title: string, filter: { reportingOrganization?: string; affectedCounty?: string }, listHref: string | null): Promise<IncidentSection> {
  const list = (severityAtLeast: Severity | null, first: number) =>
    services.incidents.list(principal, { filter: { ...filter, statuses: OPEN, severityAtLeast }, first, after: null, order: { field: 'SEVERITY', direction: 'DESC' } });
  const page = await list(null, INCIDENTS_SHOWN);
  // Counts per severity from "at least" counts (the list's own filter): the policy counts for us.
  const atLeast = await Promise.all(SEVERITIES.map(async (s) => (await list(s, 1)).totalCount()));
  const bySeverity = SEVERITIES.map((severity, i) => ({ severity, count: atLeast[i]! - (atLeast[i + 1] ?? 0) })).reverse();
  return { title, total: await page.totalCount(), bySeverity, rows: page.nodes, listHref };
}

async function loadNow(services: Services, principal: UserPrincipal): Promise<NowData> {
  const escalations = await services.escalations.myPages(principal);
  const visible = await services.incidents.visibleAmong(principal, [...new Set(escalations.map((p) => p.incident_id))]);
  // myPages already checked visibility; an incident narrowed in between is simply not shown.
  const pages = escalations.flatMap((esc) => {
    const incident = visible.get(esc.incident_id);
    return incident ? [{ esc, incident }] : [];
  });
  const org = principal.organization;
  const openQuery = OPEN.map((s) => `statuses=${s}`).join('&');
  const sections = [await openIncidents(services, principal, `Reported by ${org.name}`, { reportingOrganization: org.slug }, null)];
  if (org.kind === 'COUNTY') {
    sections.push(await openIncidents(services, principal, `Affecting ${org.name}`, { affectedCounty: org.slug }, `/console/incidents?affectedCounty=${encodeURIComponent(org.slug)}&${openQuery}`));
  }
  const correlations = await services.indicatorReports.recentCorrelations(principal, { since: new Date(Date.now() - CORRELATION_DAYS * 86_400_000), limit: 10 });
  const onCall = await services.oncall.dutyBoard(principal, [org.slug]);
  return { pages, sections, correlations, onCall };
}

function IncidentLine(props: { i: IncidentRow }) {
  const { i } = props;
  return (
    <li>
      <strong>{i.severity}</strong> <a href={`/console/incidents/${i.id}`}>{i.reference}</a> {i.exercise && <strong>EXERCISE: </strong>}
      {i.title} <TlpLabel tlp={i.tlp} /> <span class="muted">{i.status}</span>
    </li>
  );
}

function PagesSection(props: { ctx: PageContext; pages: PageItem[] }) {
  const { pages, ctx } = props;
  return (
    <section aria-labelledby="now-pages">
      <h2 id="now-pages">My unacknowledged pages</h2>
      {pages.length === 0 ? (
        <p>Nobody is paging you right now.</p>
      ) : (
        <ul class="cards">
          {pages.map(({ esc, incident }) => (
            <li>
              <p>
                <strong>{incident.severity}</strong> <a href={`/console/incidents/${incident.id}`}>{incident.reference}</a>{' '}
                {incident.exercise && <strong>EXERCISE </strong>}
                <TlpLabel tlp={incident.tlp} />
              </p>
              <p>
                {`${esc.rule_name}, level ${(esc.last_paged_level ?? esc.level) + 1}. `}
                {esc.state === 'ACTIVE' ? (
                  <>
                    Escalates at <When at={esc.next_fire_at} none="–" /> unless acknowledged.
                  </>
                ) : (
                  'Last level paged: no further escalation.'
                )}
              </p>
              <form method="post" action={`/console/pages/${esc.id}/acknowledge`}>
                <CsrfField token={ctx.csrfToken} />
                <button type="submit" aria-label={`Acknowledge ${incident.reference}`}>
                  Acknowledge
                </button>
              </form>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function IncidentsSection(props: { s: IncidentSection; id: string }) {
  const { s } = props;
  return (
    <section aria-labelledby={props.id}>
      <h3 id={props.id}>{s.title}</h3>
      <p>
        {s.total === 0
          ? 'No open incidents.'
          : `${s.total === 1 ? '1 open incident' : `${s.total} open incidents`}: ${s.bySeverity.filter((b) => b.count > 0).map((b) => `${b.count} ${b.severity}`).join(', ')}.`}
      </p>
      {s.rows.length > 0 && (
        <ul class="cards">
          {s.rows.map((i) => (
            <IncidentLine i={i} />
          ))}
        </ul>
      )}
      {s.listHref && s.total > s.rows.length && (
        <p>
          <a href={s.listHref}>{`All ${s.total} in the incident list`}</a>
        </p>
      )}
    </section>
  );
}

function OnCallSection(props: { board: DutyOnCall[]; org: string }) {
  return (
    <section aria-labelledby="now-oncall">
      <h2 id="now-oncall">{`On call now for ${props.org}`}</h2>
      {props.board.length === 0 ? (
        <p>Your organization has no duties.</p>
      ) : (
        <ul class="cards">
          {props.board.map((d) => (
            <li>
              <p>
                <a href={`/console/on-call/${d.organization.slug}/${d.duty.name}`}>{d.duty.name}</a>
                {d.duty.description ? <span class="muted">{` (${d.duty.description})`}</span> : ''}
              </p>
              {!d.schedule ? (
                <p>No schedule: nobody is paged for this duty.</p>
              ) : !d.now ? (
                <p>Nobody is on call.</p>
              ) : (
                <p>
                  {`${d.now.user.name} (${d.now.user.email}), ${d.now.source === 'OVERRIDE' ? 'by an override' : 'by the rotation'}, until `}
                  <When at={d.now.end} none="further notice" />
                  {d.next ? `; then ${d.next.user.name}` : ''}.
                </p>
              )}
            </li>
          ))}
        </ul>
      )}
      <p>
        <a href="/console/on-call">Every duty, schedules and my contact methods</a>
      </p>
    </section>
  );
}

function NowPage(props: { ctx: PageContext; data: NowData; org: string }) {
  const { data } = props;
  return (
    <Layout title="Now" ctx={props.ctx} live="view=now">
      <h1>Now</h1>
      <PagesSection ctx={props.ctx} pages={data.pages} />
      <section aria-labelledby="now-incidents">
        <h2 id="now-incidents">Open incidents, most severe first</h2>
        {data.sections.map((s, i) => (
          <IncidentsSection s={s} id={`now-incidents-${i}`} />
        ))}
      </section>
      <section aria-labelledby="now-correlations">
        <h2 id="now-correlations">{`Statewide correlations, last ${CORRELATION_DAYS} days`}</h2>
        <p class="muted">Indicators reported or sighted by several counties: the hub opened a statewide incident for each.</p>
        {data.correlations.length === 0 ? (
          <p>None that you may see.</p>
        ) : (
          <ul class="cards">
            {data.correlations.map((c) => (
              <li>
                <a href={`/console/incidents/${c.incident.id}`}>{c.incident.reference}</a> {c.incident.title}{' '}
                <span class="muted">
                  {`${c.countyCount} counties, ${c.incident.status}, updated `}
                  <When at={c.updatedAt} none="–" />
                </span>
              </li>
            ))}
          </ul>
        )}
      </section>
      <OnCallSection board={data.onCall} org={props.org} />
    </Layout>
  );
}

export function registerNowPage(app: Hono<ConsoleEnv>, services: Services): void {
  const principalOf = (c: Context<ConsoleEnv>) => c.get('session')!.principal;
  app.get('/now', async (c) => {
    const principal = principalOf(c);
    return c.html(renderPage(<NowPage ctx={pageContext(c)} data={await loadNow(services, principal)} org={principal.organization.name} />));
  });
}
