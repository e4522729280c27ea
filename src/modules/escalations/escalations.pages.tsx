import type { Context, Hono } from 'hono';
import type { Principal } from '../../access/principal.js';
import type { Services } from '../../services.js';
import { pageContext, type ConsoleEnv } from '../../web/console.js';
import { CsrfField, Layout, NotFoundPage, renderPage, TlpLabel, type PageContext } from '../../web/layout.js';
import type { EscalationRow } from './index.js';

/**
 * The console's My pages screen: an adapter like the resolvers. It lists what `myPages` lists and
 * acknowledges through the same `acknowledge` use case as `acknowledgeEscalation`, with the signed-in
 * principal, so the one access policy decides. Plain form posts (one press, no JavaScript needed),
 * answered by a redirect whose page says what was acknowledged in a status region.
 */

const fmt = (d: Date | null) => (d ? `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC` : '–');

export interface PageRow {
  esc: EscalationRow;
  reference: string;
  severity: string;
  tlp: string;
  exercise: boolean;
}

export async function rowsOf(services: Services, principal: Principal): Promise<PageRow[]> {
  const pages = await services.escalations.myPages(principal);
  const incidents = await services.incidents.visibleAmong(principal, [...new Set(pages.map((p) => p.incident_id))]);
  const rows: PageRow[] = [];
  for (const esc of pages) {
    const i = incidents.get(esc.incident_id);
    // myPages already checked visibility; an incident narrowed in between is simply not shown.
    if (i) rows.push({ esc, reference: i.reference, severity: i.severity, tlp: i.tlp, exercise: i.exercise });
  }
  return rows;
}

function MyPages(props: { ctx: PageContext; rows: PageRow[]; acknowledged: number | null }) {
  const { rows, ctx } = props;
  return (
    <Layout title="My pages" ctx={ctx} live="view=pages">
      <h1>My pages</h1>
      <div role="status">
        {props.acknowledged !== null && (
          <p>
            {props.acknowledged === 0
              ? 'Nothing left to acknowledge.'
              : `Acknowledged ${props.acknowledged === 1 ? '1 page' : `${props.acknowledged} pages`}: paging has stopped.`}
          </p>
        )}
      </div>
      {/* Filled again live when a page reaches me or one is acknowledged (src/web/live.tsx). */}
      <div id="my-pages" sse-swap="pages">
        <PagesRegion ctx={ctx} rows={rows} />
      </div>
    </Layout>
  );
}

/** The list of my pages (or the word that there are none): the region the live stream fills again. */
export function PagesRegion(props: { ctx: PageContext; rows: PageRow[] }) {
  const { rows, ctx } = props;
  return (
    <>
      {rows.length === 0 ? (
        <p>Nobody is paging you right now.</p>
      ) : (
        <>
          <p id="pages-count">{rows.length === 1 ? '1 unacknowledged page' : `${rows.length} unacknowledged pages`}</p>
          <form method="post" action="/console/pages/acknowledge-all">
            <CsrfField token={ctx.csrfToken} />
            <button type="submit">Acknowledge all mine</button>
          </form>
          <div class="table-wrap">
            <table aria-describedby="pages-count">
              <thead>
                <tr>
                  <th scope="col">Incident</th>
                  <th scope="col">Severity</th>
                  <th scope="col">TLP</th>
                  <th scope="col">Rule and level</th>
                  <th scope="col">Paged</th>
                  <th scope="col">Next escalation</th>
                  <th scope="col">Action</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr>
                    <td>
                      <a href={`/console/incidents/${r.esc.incident_id}`}>{r.reference}</a>
                      {r.exercise ? ' (EXERCISE)' : ''}
                    </td>
                    <td>{r.severity}</td>
                    <td>
                      <TlpLabel tlp={r.tlp} />
                    </td>
                    {/* The level last paged (what reached me), not the level the next timer will page. */}
                    <td>{`${r.esc.rule_name}, level ${(r.esc.last_paged_level ?? r.esc.level) + 1}`}</td>
                    <td>{fmt(r.esc.created_at)}</td>
                    <td>{r.esc.state === 'ACTIVE' ? fmt(r.esc.next_fire_at) : 'none (last level paged)'}</td>
                    <td>
                      <form method="post" action={`/console/pages/${r.esc.id}/acknowledge`}>
                        <CsrfField token={ctx.csrfToken} />
                        {/* The reference in the name: "Acknowledge" alone repeated down the table says not which. */}
                        <button type="submit" aria-label={`Acknowledge ${r.reference}`}>
                          Acknowledge
                        </button>
                      </form>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </>
  );
}

/**
 * The notice every console page shows while I am being paged (src/web/layout.tsx's role=alert region,
 * filled by the live stream): what for, a way to My pages, and one press to acknowledge each.
 */
export function PageNotice(props: { ctx: PageContext; rows: PageRow[]; listedOnPage?: boolean }) {
  const { rows, ctx } = props;
  if (rows.length === 0) return <></>;
  const shown = rows.slice(0, 5);
  const text = `You are being paged for ${shown.map((r) => r.reference).join(', ')}${rows.length > shown.length ? ` and ${rows.length - shown.length} more` : ''}.`;
  // On My pages the table below has the buttons: the notice only says it (no second button of the same name).
  if (props.listedOnPage) return <p><strong>{text}</strong></p>;
  return (
    <div>
      <p>
        <strong>{text}</strong> <a href="/console/pages">Open My pages</a>
      </p>
      <ul>
        {shown.map((r) => (
          <li>
            {`${r.reference}${r.exercise ? ' (EXERCISE)' : ''}, ${r.severity}: `}
            <form method="post" action={`/console/pages/${r.esc.id}/acknowledge`}>
              <CsrfField token={ctx.csrfToken} />
              <button type="submit" aria-label={`Acknowledge ${r.reference}`}>
                Acknowledge
              </button>
            </form>
          </li>
        ))}
      </ul>
    </div>
  );
}

export function registerEscalationPages(app: Hono<ConsoleEnv>, services: Services): void {
  const principalOf = (c: Context<ConsoleEnv>) => c.get('session')!.principal;

  app.get('/pages', async (c) => {
    const n = Number(c.req.query('acknowledged'));
    const acknowledged = Number.isInteger(n) && n >= 0 && n <= 1000 ? n : null;
    return c.html(renderPage(<MyPages ctx={pageContext(c)} rows={await rowsOf(services, principalOf(c))} acknowledged={acknowledged} />));
  });

  // Only a page that is paging this user: anything else (another user's page, an unknown id) is the same
  // 404, even where the API would let an analyst of a targeted organization acknowledge it.
  app.post('/pages/:id/acknowledge', async (c) => {
    const principal = principalOf(c);
    const id = c.req.param('id');
    const mine = (await services.escalations.myPages(principal)).some((p) => p.id === id);
    if (!mine) return c.html(renderPage(<NotFoundPage ctx={pageContext(c)} what="page" />), 404);
    await services.escalations.acknowledge(principal, id);
    return c.redirect('/console/pages?acknowledged=1', 303);
  });

  app.post('/pages/acknowledge-all', async (c) => {
    const principal = principalOf(c);
    const pages = await services.escalations.myPages(principal);
    // One change per escalation (each its own transaction, audit entry and outbox row); acknowledging one
    // also acknowledges its incident's siblings, which then answer as already acknowledged.
    for (const p of pages) await services.escalations.acknowledge(principal, p.id);
    return c.redirect(`/console/pages?acknowledged=${pages.length}`, 303);
  });
}
