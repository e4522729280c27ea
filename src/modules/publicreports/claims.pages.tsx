import type { Context, Hono } from 'hono';
import { ForbiddenError, InputError, NotFoundError } from '../../errors.js';
import type { Services } from '../../services.js';
import { pageContext, type ConsoleEnv } from '../../web/console.js';
import { CsrfField, Layout, NotFoundPage, renderPage, type PageContext } from '../../web/layout.js';
import { CALIFORNIA_COUNTIES } from '../partners/index.js';
import { catalogs } from './catalog.js';
import { CLAIM_STATUSES, type ClaimDetail, type ClaimStatus, type ClaimSummary } from './claims.service.js';

/**
 * The console's claims screens (issue 16): the list with counts, counties, languages and trend, filters in the
 * query string; a claim's page with its reports (only those the analyst may see), and plain form posts to
 * change its status, note, merge, split and promote it. Thin adapters over the claims service: the access
 * rule (src/access/claims.ts) decides.
 */

const fmt = (d: Date | null) => (d ? `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC` : '–');
const COUNTY_NAME = new Map(CALIFORNIA_COUNTIES.map((c) => [c.fips, c.name]));
const countyName = (c: string | null) => (c === null ? 'not given' : c === 'STATEWIDE' ? 'All of California' : (COUNTY_NAME.get(c) ?? c));
const languageName = (code: string) => catalogs().byCode.get(code)?.meta.englishName ?? code;
const STATUS_LABEL: Record<ClaimStatus, string> = { NEW: 'New', TRIAGING: 'Triaging', FALSE_CONFIRMED: 'False – confirmed', NOT_ACTIONABLE: 'Not actionable', RESOLVED: 'Resolved' };
const WHERE_LABEL: Record<string, string> = { SOCIAL_MEDIA: 'Social media', TEXT_MESSAGE: 'Text message', EMAIL: 'E-mail', WEBSITE: 'Website', PHONE_CALL: 'Phone call', IN_PERSON: 'In person', OTHER: 'Other' };
const WHEN_LABEL: Record<string, string> = { TODAY: 'the day of the report', YESTERDAY: 'the day before', THIS_WEEK: 'earlier that week', EARLIER: 'over a week before' };

function trend(s: ClaimSummary): string {
  if (s.last24h === s.previous24h) return `steady (${s.last24h} in 24 h)`;
  return s.last24h > s.previous24h ? `rising (${s.last24h} in 24 h, ${s.previous24h} the day before)` : `falling (${s.last24h} in 24 h, ${s.previous24h} the day before)`;
}

function ForbiddenPage(props: { ctx: PageContext }) {
  return (
    <Layout title="Claims" ctx={props.ctx}>
      <h1>Claims</h1>
      <p>Only analysts of the Secretary of State, Cal OES and the counties triage the public's reports.</p>
    </Layout>
  );
}

function ClaimList(props: { ctx: PageContext; rows: ClaimSummary[]; status: string; county: string; language: string }) {
  return (
    <Layout title="Claims" ctx={props.ctx}>
      <h1>Claims from public reports</h1>
      <form method="get" action="/console/claims" class="filters" role="search" aria-label="Filter claims">
        <div>
          <label for="cf-status">Status</label>
          <select id="cf-status" name="status">
            <option value="">Any</option>
            {CLAIM_STATUSES.map((s) => (
              <option value={s} selected={props.status === s}>
                {STATUS_LABEL[s]}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="cf-county">County</label>
          <select id="cf-county" name="county">
            <option value="">Any</option>
            <option value="STATEWIDE" selected={props.county === 'STATEWIDE'}>
              All of California
            </option>
            {[...CALIFORNIA_COUNTIES].sort((a, b) => a.name.localeCompare(b.name)).map((c) => (
              <option value={c.fips} selected={props.county === c.fips}>
                {c.name}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="cf-language">Language of the form</label>
          <select id="cf-language" name="language">
            <option value="">Any</option>
            {catalogs().list.map((c) => (
              <option value={c.meta.code} selected={props.language === c.meta.code}>
                {c.meta.englishName}
              </option>
            ))}
          </select>
        </div>
        <button type="submit">Filter</button>
      </form>
      {props.rows.length === 0 ? (
        <p>No claims match.</p>
      ) : (
        <div class="table-wrap">
          <table>
            <caption class="muted">{`${props.rows.length} claims, most recent activity first`}</caption>
            <thead>
              <tr>
                <th scope="col">Claim</th>
                <th scope="col">Status</th>
                <th scope="col">Reports</th>
                <th scope="col">Trend</th>
                <th scope="col">Counties</th>
                <th scope="col">Languages</th>
                <th scope="col">Last seen</th>
              </tr>
            </thead>
            <tbody>
              {props.rows.map((r) => (
                <tr>
                  <td>
                    <a href={`/console/claims/${r.id}`}>{r.reference}</a> <span class="summary">{r.title}</span>
                  </td>
                  <td>{STATUS_LABEL[r.status]}</td>
                  <td>{r.reports}</td>
                  <td>{trend(r)}</td>
                  <td>{r.counties.map(countyName).join(', ') || '–'}</td>
                  <td>{r.languages.map(languageName).join(', ')}</td>
                  <td>{fmt(r.lastSeenAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Layout>
  );
}

type AnswerView = Awaited<ReturnType<Services['rumor']['answerOf']>>;

function AnswerSection(props: { ctx: PageContext; claimId: string; answer: AnswerView; err: (f: string) => unknown; describedBy: (f: string) => string | undefined }) {
  const { answer, texts } = props.answer;
  const status = answer?.status ?? 'none';
  return (
    <section aria-labelledby="cl-answer-heading">
      <h2 id="cl-answer-heading">Rumor-control answer</h2>
      <p>
        {status === 'PUBLISHED' ? (
          <>
            Published: <a href={`/rumor-control/en/${answer!.slug}`}>{`/rumor-control/…/${answer!.slug}`}</a>. Reporters who asked for an answer are written to once, in their language.
          </>
        ) : status === 'UNPUBLISHED' ? (
          'Unpublished.'
        ) : status === 'DRAFT' ? (
          'Draft: not published yet.'
        ) : (
          'No answer yet. Write it in English first (the fallback of every language), then in the others.'
        )}
      </p>
      {texts.length > 0 && (
        <ul>
          {texts.map((t) => (
            <li>{`${languageName(t.language)}: ${t.title}`}</li>
          ))}
        </ul>
      )}
      <form method="post" action={`/console/claims/${props.claimId}/answer`}>
        <CsrfField token={props.ctx.csrfToken} />
        <label for="cl-language">Language of this text</label>
        {props.err('language') as never}
        <select id="cl-language" name="language" aria-describedby={props.describedBy('language')}>
          {catalogs().list.map((c) => (
            <option value={c.meta.code}>{c.meta.englishName}</option>
          ))}
        </select>
        <label for="cl-title">Title of the answer</label>
        {props.err('title') as never}
        <input type="text" id="cl-title" name="title" aria-describedby={props.describedBy('title')} />
        <label for="cl-answer">Answer (public: quote a reporter only on purpose)</label>
        {props.err('answer') as never}
        <textarea id="cl-answer" name="body" aria-describedby={props.describedBy('answer')}></textarea>
        <p>
          <button type="submit">Save this text</button>
        </p>
      </form>
      {answer && status !== 'PUBLISHED' && (
        <form method="post" action={`/console/claims/${props.claimId}/publish`}>
          <CsrfField token={props.ctx.csrfToken} />
          {props.err('publish') as never}
          <button type="submit" id="cl-publish">
            Publish the answer
          </button>
        </form>
      )}
      {status === 'PUBLISHED' && (
        <form method="post" action={`/console/claims/${props.claimId}/unpublish`}>
          <CsrfField token={props.ctx.csrfToken} />
          {props.err('unpublish') as never}
          <button type="submit" id="cl-unpublish" class="secondary">
            Unpublish
          </button>
        </form>
      )}
    </section>
  );
}

function ClaimPage(props: { ctx: PageContext; d: ClaimDetail; answer: AnswerView | null; error?: { field: string; message: string } | null; done?: string | null }) {
  const { claim, summary, reports, notes, scope } = props.d;
  const manage = scope.kind === 'all';
  const err = (field: string) =>
    props.error?.field === field ? (
      <p class="error" id={`cl-${field}-error`}>
        {props.error.message}
      </p>
    ) : null;
  const describedBy = (field: string) => (props.error?.field === field ? `cl-${field}-error` : undefined);
  return (
    <Layout title={`${claim.reference}: ${claim.title}`} ctx={props.ctx}>
      <h1>{`${claim.reference}: ${claim.title}`}</h1>
      {props.error && (
        <div class="notice error-summary" role="alert" tabindex={-1} id="cl-errors" autofocus>
          <p>
            <a href={`#cl-${props.error.field}`}>{props.error.message}</a>
          </p>
        </div>
      )}
      {props.done && <p role="status">{props.done}</p>}
      <dl class="facts">
        <dt>Status</dt>
        <dd>{STATUS_LABEL[summary.status]}</dd>
        <dt>Reports</dt>
        <dd>{scope.kind === 'county' ? `${summary.reports} from your county` : String(summary.reports)}</dd>
        <dt>Trend</dt>
        <dd>{trend(summary)}</dd>
        <dt>Counties</dt>
        <dd>{summary.counties.map(countyName).join(', ') || '–'}</dd>
        <dt>Languages</dt>
        <dd>{summary.languages.map(languageName).join(', ')}</dd>
        <dt>First seen</dt>
        <dd>{fmt(summary.firstSeenAt)}</dd>
        <dt>Last seen</dt>
        <dd>{fmt(summary.lastSeenAt)}</dd>
        <dt>Links</dt>
        <dd>{claim.links.length ? claim.links.join(' · ') : '–'}</dd>
        <dt>Phone numbers</dt>
        <dd>{claim.phones.length ? claim.phones.join(' · ') : '–'}</dd>
        <dt>Incident</dt>
        <dd>{summary.incidentId ? <a href={`/console/incidents/${summary.incidentId}`}>the misinformation incident of this claim</a> : 'none'}</dd>
        {props.d.mergedFrom.length > 0 && <dt>Merged into this</dt>}
        {props.d.mergedFrom.length > 0 && <dd>{props.d.mergedFrom.map((m) => m.reference).join(', ')}</dd>}
      </dl>
      {manage && (
        <section aria-labelledby="cl-actions">
          <h2 id="cl-actions">Triage</h2>
          <form method="post" action={`/console/claims/${claim.id}/status`}>
            <CsrfField token={props.ctx.csrfToken} />
            <label for="cl-status">Status</label>
            {err('status')}
            <select id="cl-status" name="status" aria-describedby={describedBy('status')}>
              {CLAIM_STATUSES.map((s) => (
                <option value={s} selected={claim.status === s}>
                  {STATUS_LABEL[s]}
                </option>
              ))}
            </select>{' '}
            <button type="submit">Set status</button>
          </form>
          <form method="post" action={`/console/claims/${claim.id}/merge`}>
            <CsrfField token={props.ctx.csrfToken} />
            <label for="cl-into">Merge this claim into (its reference, e.g. CLM-00012)</label>
            {err('into')}
            <input type="text" id="cl-into" name="into" aria-describedby={describedBy('into')} />{' '}
            <button type="submit">Merge</button>
          </form>
          {claim.links.length > 0 && (
            <form method="post" action={`/console/claims/${claim.id}/indicators`}>
              <CsrfField token={props.ctx.csrfToken} />
              <fieldset id="cl-links" aria-describedby={describedBy('links')}>
                <legend>Links confirmed as malicious become indicators of your organization (URL, TLP:CLEAR)</legend>
                {err('links')}
                {claim.links.map((l, i) => (
                  <p>
                    <input type="checkbox" name="links" value={l} id={`cl-link-${i}`} /> <label for={`cl-link-${i}`} class="inline">{l}</label>
                  </p>
                ))}
              </fieldset>
              <button type="submit">Report the chosen links as indicators</button>
            </form>
          )}
          {!summary.incidentId && (
            <form method="post" action={`/console/claims/${claim.id}/promote`}>
              <CsrfField token={props.ctx.csrfToken} />
              <p>A misinformation incident is filed for this claim and routed like any other.</p>
              {err('promote')}
              <button type="submit" id="cl-promote">
                Promote to an incident
              </button>
            </form>
          )}
        </section>
      )}
      {manage && props.answer && <AnswerSection ctx={props.ctx} claimId={claim.id} answer={props.answer} err={err} describedBy={describedBy} />}
      <section aria-labelledby="cl-reports">
        <h2 id="cl-reports">{`Reports (${reports.length})`}</h2>
        <form method="post" action={`/console/claims/${claim.id}/split`}>
          <CsrfField token={props.ctx.csrfToken} />
          {err('reports')}
          <ul class="timeline" id="cl-reports-list">
            {reports.map((r) => (
              <li>
                <p class="meta">
                  {manage && (
                    <>
                      <input type="checkbox" name="reports" value={r.id} id={`cl-r-${r.id}`} aria-describedby={describedBy('reports')} /> <label for={`cl-r-${r.id}`} class="inline">{`Move ${r.reference} to a new claim`}</label>{' '}
                    </>
                  )}
                  {`${r.reference} · ${fmt(r.created_at)} · form in ${languageName(r.language)}${r.detected_language && r.detected_language !== r.language ? ` (text in ${r.detected_language})` : ''} · ${WHERE_LABEL[r.seen_where] ?? r.seen_where}, ${WHEN_LABEL[r.seen_when] ?? r.seen_when} · county: ${countyName(r.county)} · joined by ${String(r.cluster_reason ?? '').toLowerCase().replace('_', ' ')}${r.followup_email ? ' · follow-up requested' : ''}${r.screenshot ? ' · screenshot' : ''}`}
                </p>
                {r.claim_text && <p class="body">{r.claim_text}</p>}
                {r.link && <p class="body">{`Link: ${r.link}`}</p>}
                {r.why_false && <p class="body">{`Why false: ${r.why_false}`}</p>}
              </li>
            ))}
          </ul>
          {manage && <button type="submit">Move the chosen reports to a new claim</button>}
        </form>
      </section>
      <section aria-labelledby="cl-notes">
        <h2 id="cl-notes">Notes</h2>
        <ul class="timeline">
          {notes.map((n) => (
            <li>
              <p class="meta">{`${n.authorName} · ${fmt(n.createdAt)}`}</p>
              <p class="body">{n.body}</p>
            </li>
          ))}
        </ul>
        <form method="post" action={`/console/claims/${claim.id}/notes`}>
          <CsrfField token={props.ctx.csrfToken} />
          <label for="cl-body">Add a note</label>
          {err('body')}
          <textarea id="cl-body" name="body" aria-describedby={describedBy('body')}></textarea>
          <p>
            <button type="submit">Add note</button>
          </p>
        </form>
      </section>
    </Layout>
  );
}

export function registerClaimPages(app: Hono<ConsoleEnv>, services: Services): void {
  const principalOf = (c: Context<ConsoleEnv>) => c.get('session')!.principal;

  app.get('/claims', async (c) => {
    const status = c.req.query('status') ?? '';
    const county = c.req.query('county') ?? '';
    const language = c.req.query('language') ?? '';
    try {
      const rows = await services.claims.list(principalOf(c), {
        status: (CLAIM_STATUSES as readonly string[]).includes(status) ? (status as ClaimStatus) : null,
        county: county || null,
        language: language || null,
      });
      return c.html(renderPage(<ClaimList ctx={pageContext(c)} rows={rows} status={status} county={county} language={language} />));
    } catch (err) {
      if (err instanceof ForbiddenError) return c.html(renderPage(<ForbiddenPage ctx={pageContext(c)} />), 403);
      throw err;
    }
  });

  const show = async (c: Context<ConsoleEnv>, id: string, error: { field: string; message: string } | null = null, done: string | null = null) => {
    try {
      const d = await services.claims.get(principalOf(c), id);
      const answer = d.scope.kind === 'all' ? await services.rumor.answerOf(principalOf(c), id) : null;
      return c.html(renderPage(<ClaimPage ctx={pageContext(c)} d={d} answer={answer} error={error} done={done} />), error ? 422 : 200);
    } catch (err) {
      if (err instanceof NotFoundError) return c.html(renderPage(<NotFoundPage ctx={pageContext(c)} what="claim" />), 404);
      throw err;
    }
  };
  const DONE: Record<string, string> = { status: 'Status changed.', note: 'Note added.', merged: 'The other claim was merged into this one.', split: 'The chosen reports are now a claim of their own.', promoted: 'A misinformation incident was filed for this claim.', answer: 'The answer\'s text was saved.', indicators: 'The chosen links are now indicators (TLP:CLEAR).', published: 'The answer is published.', unpublished: 'The answer is unpublished.' };
  app.get('/claims/:id', (c) => show(c, c.req.param('id'), null, DONE[c.req.query('done') ?? ''] ?? null));

  /** A change, then back to the claim's page (303); a refusal or bad input shows the page with the error. */
  const act = (path: string, run: (c: Context<ConsoleEnv>, id: string, form: Record<string, string | string[]>) => Promise<string>) =>
    app.post(`/claims/:id/${path}`, async (c) => {
      const id = c.req.param('id');
      const raw = await c.req.parseBody({ all: true });
      const form: Record<string, string | string[]> = {};
      for (const [k, v] of Object.entries(raw)) form[k] = Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? v : '';
      try {
        const target = await run(c, id, form);
        return c.redirect(target, 303);
      } catch (err) {
        if (err instanceof InputError) return show(c, id, { field: err.field, message: err.message.replace(/^[a-z]+: /, '') });
        if (err instanceof ForbiddenError) return c.html(renderPage(<ForbiddenPage ctx={pageContext(c)} />), 403);
        if (err instanceof NotFoundError) return c.html(renderPage(<NotFoundPage ctx={pageContext(c)} what="claim" />), 404);
        throw err;
      }
    });
  const one = (v: string | string[] | undefined) => (typeof v === 'string' ? v : '');
  act('status', async (c, id, f) => {
    await services.claims.setStatus(principalOf(c), id, one(f.status));
    return `/console/claims/${id}?done=status`;
  });
  act('notes', async (c, id, f) => {
    await services.claims.addNote(principalOf(c), id, one(f.body));
    return `/console/claims/${id}?done=note`;
  });
  act('merge', async (c, id, f) => {
    const { intoId } = await services.claims.merge(principalOf(c), id, one(f.into));
    return `/console/claims/${intoId}?done=merged`;
  });
  act('split', async (c, id, f) => {
    const chosen = Array.isArray(f.reports) ? f.reports : f.reports ? [f.reports] : [];
    const { newId } = await services.claims.split(principalOf(c), id, chosen);
    return `/console/claims/${newId}?done=split`;
  });
  act('answer', async (c, id, f) => {
    await services.rumor.saveText(principalOf(c), id, one(f.language), one(f.title), one(f.body));
    return `/console/claims/${id}?done=answer`;
  });
  act('publish', async (c, id) => {
    await services.rumor.publish(principalOf(c), id);
    return `/console/claims/${id}?done=published`;
  });
  act('unpublish', async (c, id) => {
    await services.rumor.unpublish(principalOf(c), id);
    return `/console/claims/${id}?done=unpublished`;
  });
  act('indicators', async (c, id, f) => {
    const chosen = Array.isArray(f.links) ? f.links : f.links ? [f.links] : [];
    const p = principalOf(c);
    const confirmed = await services.claims.confirmLinks(p, id, chosen);
    const results = await services.indicatorReports.reportIndicators(
      p,
      confirmed.links.map((value) => ({ value, type: 'URL' as const, tlp: 'CLEAR' as const, description: `Confirmed malicious by an analyst: a link of claim ${confirmed.reference} (public reports).`, incidentId: confirmed.incidentId })),
    );
    const failed = results.find((r) => !r.ok);
    if (failed) throw new InputError('links', failed.error ?? 'not stored');
    return `/console/claims/${id}?done=indicators`;
  });
  act('promote', async (c, id) => {
    await services.claims.promote(principalOf(c), id);
    return `/console/claims/${id}?done=promoted`;
  });
}
