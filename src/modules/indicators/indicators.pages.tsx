import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Context, Hono } from 'hono';
import type { UserPrincipal } from '../../access/principal.js';
import { parseInstant } from '../../dates.js';
import { INDICATOR_TYPES, type IndicatorType } from '../../domain/indicator-types.js';
import { TLPS, type Tlp } from '../../domain/taxonomy.js';
import { ForbiddenError, InputError } from '../../errors.js';
import type { Services } from '../../services.js';
import { pageContext, type ConsoleEnv } from '../../web/console.js';
import { zonedToUtc } from '../../web/forms.js';
import { CsrfField, Layout, NotFoundPage, renderPage, TlpLabel, type PageContext } from '../../web/layout.js';
import { formatFromFileName, IMPORT_FORMATS, type ImportFormat, type IngestProgress, type IngestResult, type InvalidLine } from './ingest.js';
import { detectType, normalize, refang } from './normalize.js';
import { MAX_BATCH, type IndicatorReportInput } from './reports.service.js';

/**
 * The console's Indicators screens, an adapter like the resolvers over the same use cases: search (type
 * detected by the hub's own normalize/detectType), paste many (matchObservables, with `via`), the indicator
 * page (what the access policy lets this user see of it, and a count of the counties that sighted it),
 * the report and sighting forms (reportIndicators, reportSighting) and the bulk import upload (the same
 * ingest path as `estf indicators import`) with its progress. An indicator the user may not see answers
 * exactly like one that does not exist, on every path.
 */

const PAGE_SIZE = 50;
/** Refused lines kept per console import for its per-line result; the rest are counted. */
const IMPORT_INVALID_SHOWN = 1_000;
/** Finished imports stay readable this long (in this process's memory). */
const IMPORT_KEEP_MS = 3_600_000;
/** Imports one user may run at once. */
const IMPORTS_PER_USER = 2;
const ZONES = ['UTC', 'America/Los_Angeles'] as const;

const fmt = (d: Date | null | undefined) => (d ? `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC` : '–');
const num = (n: number) => n.toLocaleString('en-US');
const TYPE_TEXT: Record<IndicatorType, string> = {
  IPV4: 'IPv4 address', IPV6: 'IPv6 address', CIDR: 'network', DOMAIN: 'domain', URL: 'URL', EMAIL: 'e-mail address',
  MD5: 'MD5 hash', SHA1: 'SHA-1 hash', SHA256: 'SHA-256 hash', PHONE: 'phone number', SOCIAL_ACCOUNT: 'social-media account',
};
const VIA_TEXT: Record<string, string> = {
  EXACT: 'the same value',
  CIDR: 'an address inside a reported network',
  URL_HOST: 'the URL’s host',
  SUBDOMAIN: 'a parent domain',
  EMAIL_DOMAIN: 'the e-mail address’s domain',
  HOST_PORT: 'the host of host:port',
};
const TLP_TEXT: Record<Tlp, string> = {
  CLEAR: 'TLP:CLEAR – may be shared publicly',
  GREEN: 'TLP:GREEN – the community, not publicly',
  AMBER: 'TLP:AMBER – the recipients’ organizations on a need-to-know basis',
  AMBER_STRICT: 'TLP:AMBER+STRICT – the recipients’ organizations only',
  RED: 'TLP:RED – named recipients only',
};

type Body = Record<string, string | File | (string | File)[]>;
const one = (b: Body, k: string) => {
  const v = b[k];
  const s = Array.isArray(v) ? v[0] : v;
  return typeof s === 'string' ? s : '';
};
const lines = (text: string) => text.split(/[\r\n,]+/).map((s) => s.trim()).filter(Boolean);
const typeOf = (s: string): IndicatorType | null => ((INDICATOR_TYPES as readonly string[]).includes(s) ? (s as IndicatorType) : null);
const tlpOf = (s: string): Tlp | null => ((TLPS as readonly string[]).includes(s) ? (s as Tlp) : null);

interface FieldError {
  field: string;
  message: string;
}

/** An error beside its field (aria-describedby) and the attributes of the field it describes. */
function fieldError(prefix: string, err: FieldError | null, field: string) {
  const has = err !== null && err.field === field;
  const id = `${prefix}-${field}-error`;
  return {
    attrs: has ? { 'aria-invalid': 'true' as const, 'aria-describedby': id } : {},
    message: has ? (
      <p id={id} class="error">
        {err!.message}
      </p>
    ) : null,
  };
}

/** The focused summary at the top of a refused form, linking to the field. */
function ErrorSummary(props: { prefix: string; title: string; err: FieldError; label: string }) {
  return (
    <div class="notice error-summary" role="alert" tabindex={-1} id={`${props.prefix}-errors`} aria-labelledby={`${props.prefix}-errors-title`} autofocus>
      <h2 id={`${props.prefix}-errors-title`}>{props.title}</h2>
      <ul>
        <li>
          <a href={`#${props.prefix}-${props.err.field}`}>{`${props.label}: ${props.err.message}`}</a>
        </li>
      </ul>
    </div>
  );
}

function TypeSelect(props: { id: string; value: string; label: string; attrs?: Record<string, string | undefined> }) {
  return (
    <>
      <label for={props.id}>{props.label}</label>
      <select id={props.id} name="type" {...(props.attrs ?? {})}>
        <option value="">Detect from the value</option>
        {INDICATOR_TYPES.map((t) => (
          <option value={t} selected={props.value === t}>
            {TYPE_TEXT[t]}
          </option>
        ))}
      </select>
    </>
  );
}

function SubNav() {
  return (
    <nav aria-label="Indicators" class="pager">
      <a href="/console/indicators">Search</a>
      <a href="/console/indicators/match">Paste many</a>
      <a href="/console/indicators/report">Report an indicator</a>
      <a href="/console/indicators/sighting">Report a sighting</a>
      <a href="/console/indicators/import">Bulk import</a>
    </nav>
  );
}

// ── Search ───────────────────────────────────────────────────────────────────────────────────────────

interface SearchQuery {
  q: string;
  type: string;
  benign: boolean;
  after: number | null;
}

interface Detection {
  ok: boolean;
  type: IndicatorType | null;
  value: string;
  reason: string | null;
}

function detect(q: string, type: IndicatorType | null): Detection {
  const n = normalize(type, q);
  if (n.ok) return { ok: true, type: n.type, value: n.value, reason: null };
  return { ok: false, type: type ?? detectType(refang(q.trim())), value: refang(q.trim()), reason: n.reason };
}

function searchHref(s: SearchQuery, after: number | null) {
  const p = new URLSearchParams();
  if (s.q) p.set('q', s.q);
  if (s.type) p.set('type', s.type);
  if (s.benign) p.set('benign', 'on');
  if (after !== null) p.set('after', String(after));
  const qs = p.toString();
  return `/console/indicators${qs ? `?${qs}` : ''}`;
}

interface IndicatorItem {
  id: number;
  type: IndicatorType;
  value: string;
  benign_reason: string | null;
  last_seen: Date;
}

function SearchPage(props: { ctx: PageContext; s: SearchQuery; det: Detection | null; exact: IndicatorItem | null; rows: IndicatorItem[]; total: number; next: number | null; problem: string | null }) {
  const { s, det } = props;
  return (
    <Layout title={props.problem ? 'Error: Indicators' : 'Indicators'} ctx={props.ctx}>
      <h1>Indicators</h1>
      <SubNav />
      <form method="get" action="/console/indicators" class="filters" role="search" aria-label="Search indicators">
        <div>
          <label for="is-q">Search for a value</label>
          <input type="search" id="is-q" name="q" value={s.q} aria-describedby="is-q-help" />
          <p id="is-q-help" class="muted">
            An IP address, network, domain, URL, e-mail address, hash, phone number or platform:handle; defanged is fine. Part of a value finds the values containing it.
          </p>
        </div>
        <div>
          <TypeSelect id="is-type" value={s.type} label="Type" />
        </div>
        <div>
          <input type="checkbox" id="is-benign" name="benign" checked={s.benign} /> <label for="is-benign">Include values on a warning list</label>
        </div>
        <div>
          <button type="submit">Search</button> <a href="/console/indicators">Clear</a>
        </div>
      </form>
      {props.problem && (
        <p class="error" role="alert">
          {props.problem}
        </p>
      )}
      {det && (
        <section aria-labelledby="is-detected" class="detected">
          <h2 id="is-detected">What you searched for</h2>
          {det.ok ? (
            <p>
              {`Detected type: ${TYPE_TEXT[det.type!]} (${det.type}). Canonical value: `}
              <code>{det.value}</code>
            </p>
          ) : (
            <p>{`Not a complete indicator (${det.reason}); showing the values that contain “${det.value}”.`}</p>
          )}
          {det.ok &&
            (props.exact ? (
              <p>
                {'Exact match: '}
                <a href={`/console/indicators/${props.exact.id}`}>{`${props.exact.type} ${props.exact.value}`}</a>
              </p>
            ) : (
              <p>No indicator with this exact value is known to you.</p>
            ))}
        </section>
      )}
      <h2 id="is-results">{s.q ? 'Values containing it' : 'Indicators, newest first'}</h2>
      <p id="is-count" aria-live="polite">
        {props.total === 1 ? '1 indicator' : `${num(props.total)} indicators`}
        {s.after !== null ? ' (a later page)' : ''}
      </p>
      {props.rows.length > 0 ? (
        <div class="table-wrap">
          <table aria-labelledby="is-results" aria-describedby="is-count">
            <thead>
              <tr>
                <th scope="col">Value</th>
                <th scope="col">Type</th>
                <th scope="col">Last seen</th>
                <th scope="col">Warning list</th>
              </tr>
            </thead>
            <tbody>
              {props.rows.map((r) => (
                <tr>
                  <td class="value">
                    <a href={`/console/indicators/${r.id}`}>{r.value}</a>
                  </td>
                  <td>{r.type}</td>
                  <td>{fmt(r.last_seen)}</td>
                  <td>{r.benign_reason ?? '–'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p>No indicator matches.</p>
      )}
      <nav class="pager" aria-label="Pages">
        {s.after !== null && <a href={searchHref(s, null)}>First page</a>}
        {props.next !== null && <a href={searchHref(s, props.next)}>Next page</a>}
      </nav>
    </Layout>
  );
}

// ── Paste many ───────────────────────────────────────────────────────────────────────────────────────

interface MatchOutcome {
  count: number;
  matches: Array<{ index: number; input: string; type: string; value: string; via: string; indicator: IndicatorItem }>;
  invalid: Array<{ index: number; input: string; reason: string }>;
}

function MatchPage(props: { ctx: PageContext; values: string; includeExpired: boolean; err: FieldError | null; out: MatchOutcome | null }) {
  const e = fieldError('im', props.err, 'values');
  const out = props.out;
  const matchedLines = out ? new Set(out.matches.map((m) => m.index)).size : 0;
  return (
    <Layout title={props.err ? 'Error: Paste many' : 'Paste many'} ctx={props.ctx}>
      <h1>Match many values</h1>
      <SubNav />
      {props.err && <ErrorSummary prefix="im" title="The values were not matched" err={props.err} label="Values" />}
      <form method="post" action="/console/indicators/match" novalidate>
        <CsrfField token={props.ctx.csrfToken} />
        <div>
          <label for="im-values">{`Values from your logs, one a line (at most ${num(MAX_BATCH)})`}</label>
          {e.message}
          <textarea id="im-values" name="values" rows={12} aria-describedby={props.err ? 'im-values-error im-values-help' : 'im-values-help'} aria-invalid={props.err ? 'true' : undefined}>
            {props.values}
          </textarea>
          <p id="im-values-help" class="muted">
            Any spelling, types detected. A URL also matches its host, a host its parent domains, an address the networks containing it, an e-mail address its domain.
          </p>
        </div>
        <div>
          <input type="checkbox" id="im-expired" name="includeExpired" checked={props.includeExpired} /> <label for="im-expired">Also match reports past their end of validity</label>
        </div>
        <p>
          <button type="submit">Match</button>
        </p>
      </form>
      {out && (
        <section aria-labelledby="im-results">
          <h2 id="im-results">Results</h2>
          <p role="status">{`${num(out.count)} values: ${num(matchedLines)} matched, ${num(out.count - matchedLines - out.invalid.length)} did not match, ${num(out.invalid.length)} not indicators.`}</p>
          {out.matches.length > 0 && (
            <div class="table-wrap">
              <table>
                <caption>Matches</caption>
                <thead>
                  <tr>
                    <th scope="col">Line</th>
                    <th scope="col">Your value</th>
                    <th scope="col">Read as</th>
                    <th scope="col">Matched by</th>
                    <th scope="col">Indicator</th>
                  </tr>
                </thead>
                <tbody>
                  {out.matches.map((m) => (
                    <tr>
                      <td>{m.index + 1}</td>
                      <td class="value">{m.input}</td>
                      <td class="value">{`${m.type} ${m.value}`}</td>
                      <td>{`${m.via}: ${VIA_TEXT[m.via] ?? m.via}`}</td>
                      <td class="value">
                        <a href={`/console/indicators/${m.indicator.id}`}>{`${m.indicator.type} ${m.indicator.value}`}</a>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {out.invalid.length > 0 && (
            <div class="table-wrap">
              <table>
                <caption>Not indicators</caption>
                <thead>
                  <tr>
                    <th scope="col">Line</th>
                    <th scope="col">Your value</th>
                    <th scope="col">Why</th>
                  </tr>
                </thead>
                <tbody>
                  {out.invalid.map((m) => (
                    <tr>
                      <td>{m.index + 1}</td>
                      <td class="value">{m.input}</td>
                      <td>{m.reason}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      )}
    </Layout>
  );
}

// ── The indicator page ───────────────────────────────────────────────────────────────────────────────

interface IndicatorView {
  row: IndicatorItem;
  reports: Array<{ id: number; organization: string; reporter: string | null; tlp: Tlp; les: boolean; confidence: number; validFrom: Date; validUntil: Date | null; description: string | null; incident: { id: string; reference: string } | null; updatedAt: Date }>;
  sightings: Array<{ organization: string; seenAt: Date; count: number; tlp: Tlp }>;
  counts: { sightings: number; organizations: number; counties: number };
  seen: { first: Date | null; last: Date | null };
  incidents: Array<{ id: string; reference: string; title: string; tlp: string }>;
}

function IndicatorPage(props: { ctx: PageContext; v: IndicatorView; notice: string | null }) {
  const { v } = props;
  const tlps = [...new Set([...v.reports.map((r) => r.tlp), ...v.sightings.map((s) => s.tlp)])];
  const valueParam = `type=${encodeURIComponent(v.row.type)}&value=${encodeURIComponent(v.row.value)}`;
  return (
    <Layout title={`${v.row.type} ${v.row.value}`} ctx={props.ctx}>
      <h1 class="value">{v.row.value}</h1>
      {props.notice && (
        <p class="notice saved" role="status">
          {props.notice}
        </p>
      )}
      <dl class="facts">
        <dt>Type</dt>
        <dd>{`${TYPE_TEXT[v.row.type]} (${v.row.type})`}</dd>
        <dt>Value</dt>
        <dd class="value">
          <code>{v.row.value}</code>
        </dd>
        <dt>TLP</dt>
        <dd>
          {tlps.length ? tlps.map((t) => (
            <>
              <TlpLabel tlp={t} />{' '}
            </>
          )) : '–'}
        </dd>
        <dt>Warning list</dt>
        <dd>{v.row.benign_reason ?? 'not on a warning list'}</dd>
        <dt>First seen</dt>
        <dd>{fmt(v.seen.first)}</dd>
        <dt>Last seen</dt>
        <dd>{fmt(v.seen.last)}</dd>
        <dt>Seen in</dt>
        <dd>{`${v.counts.counties === 1 ? '1 county' : `${num(v.counts.counties)} counties`} (${num(v.counts.sightings)} sightings by ${num(v.counts.organizations)} organizations)`}</dd>
      </dl>
      <p class="pager">
        <a href={`/console/indicators/report?${valueParam}`}>Report this indicator</a>
        <a href={`/console/indicators/sighting?${valueParam}`}>Report a sighting of it</a>
      </p>
      <h2 id="iv-reports">Reports</h2>
      {v.reports.length ? (
        <div class="table-wrap">
          <table aria-labelledby="iv-reports">
            <thead>
              <tr>
                <th scope="col">Organization</th>
                <th scope="col">TLP</th>
                <th scope="col">Confidence</th>
                <th scope="col">Valid</th>
                <th scope="col">Description</th>
                <th scope="col">Incident</th>
              </tr>
            </thead>
            <tbody>
              {v.reports.map((r) => (
                <tr>
                  <td>
                    {r.organization}
                    {r.reporter && <span class="muted">{` (${r.reporter})`}</span>}
                  </td>
                  <td>
                    <TlpLabel tlp={r.tlp} />
                    {r.les && <span class="les"> law-enforcement sensitive</span>}
                  </td>
                  <td>{r.confidence}</td>
                  <td>{`${fmt(r.validFrom)} to ${r.validUntil ? fmt(r.validUntil) : 'no end'}`}</td>
                  <td class="summary">{r.description ?? '–'}</td>
                  <td>{r.incident ? <a href={`/console/incidents/${r.incident.id}`}>{r.incident.reference}</a> : '–'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p>No report of it that you may see.</p>
      )}
      <h2 id="iv-sightings">Sightings</h2>
      {v.sightings.length ? (
        <div class="table-wrap">
          <table aria-labelledby="iv-sightings">
            <thead>
              <tr>
                <th scope="col">Organization</th>
                <th scope="col">Seen at</th>
                <th scope="col">Count</th>
                <th scope="col">TLP</th>
              </tr>
            </thead>
            <tbody>
              {v.sightings.map((s) => (
                <tr>
                  <td>{s.organization}</td>
                  <td>{fmt(s.seenAt)}</td>
                  <td>{num(s.count)}</td>
                  <td>
                    <TlpLabel tlp={s.tlp} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p>No sighting of it that you may see.</p>
      )}
      <h2 id="iv-incidents">Linked incidents</h2>
      {v.incidents.length ? (
        <ul aria-labelledby="iv-incidents">
          {v.incidents.map((i) => (
            <li>
              <a href={`/console/incidents/${i.id}`}>{i.reference}</a> {i.title} <TlpLabel tlp={i.tlp} />
            </li>
          ))}
        </ul>
      ) : (
        <p>No linked incident that you may see.</p>
      )}
    </Layout>
  );
}

// ── Report and sighting forms ────────────────────────────────────────────────────────────────────────

interface ReportForm {
  value: string;
  type: string;
  tlp: string;
  confidence: string;
  validUntil: string;
  description: string;
  incident: string;
  shareWith: string;
  shareWithUsers: string;
  les: boolean;
}
const REPORT_LABEL: Record<string, string> = {
  value: 'Value', type: 'Type', tlp: 'TLP', confidence: 'Confidence', validUntil: 'Valid until', description: 'Description', incident: 'Linked incident',
  shareWith: 'Share with organizations', shareWithUsers: 'Named recipients', les: 'Law-enforcement sensitive',
};
/** The API's field names (IndicatorReportInput) → the form's. */
const REPORT_FIELD: Record<string, string> = { incidentId: 'incident', validFrom: 'validUntil', input: 'value', lawEnforcementSensitive: 'les' };

function ReportPage(props: { ctx: PageContext; f: ReportForm; err: FieldError | null }) {
  const { f, err } = props;
  const e = (k: string) => fieldError('ir', err, k);
  return (
    <Layout title={err ? 'Error: Report an indicator' : 'Report an indicator'} ctx={props.ctx}>
      <h1>Report an indicator</h1>
      <SubNav />
      {err && <ErrorSummary prefix="ir" title="The indicator was not reported" err={err} label={REPORT_LABEL[err.field] ?? err.field} />}
      <form method="post" action="/console/indicators/report" class="filing" novalidate>
        <CsrfField token={props.ctx.csrfToken} />
        <p class="muted">Your organization’s report of the value: reporting it again updates that report.</p>
        <div>
          <label for="ir-value">Value (required)</label>
          {e('value').message}
          <input type="text" id="ir-value" name="value" value={f.value} required {...e('value').attrs} />
        </div>
        <div>
          {e('type').message}
          <TypeSelect id="ir-type" value={f.type} label="Type" attrs={e('type').attrs} />
        </div>
        <div>
          <label for="ir-tlp">Traffic Light Protocol (required)</label>
          {e('tlp').message}
          <select id="ir-tlp" name="tlp" {...e('tlp').attrs}>
            {TLPS.map((t) => (
              <option value={t} selected={f.tlp === t}>
                {TLP_TEXT[t]}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="ir-confidence">Confidence (0 to 100)</label>
          {e('confidence').message}
          <input type="text" inputmode="numeric" id="ir-confidence" name="confidence" value={f.confidence} {...e('confidence').attrs} />
        </div>
        <div>
          <label for="ir-validUntil">Valid until (a date, UTC; empty: no end)</label>
          {e('validUntil').message}
          <input type="date" id="ir-validUntil" name="validUntil" value={f.validUntil} {...e('validUntil').attrs} />
        </div>
        <div>
          <label for="ir-description">Description</label>
          {e('description').message}
          <textarea id="ir-description" name="description" {...e('description').attrs}>
            {f.description}
          </textarea>
        </div>
        <div>
          <label for="ir-incident">Linked incident (its reference, e.g. ESTF-2026-00042)</label>
          {e('incident').message}
          <input type="text" id="ir-incident" name="incident" value={f.incident} {...e('incident').attrs} />
        </div>
        <div>
          <label for="ir-shareWith">Share with organizations (slugs, one a line; TLP:AMBER and AMBER+STRICT)</label>
          {e('shareWith').message}
          <textarea id="ir-shareWith" name="shareWith" {...e('shareWith').attrs}>
            {f.shareWith}
          </textarea>
        </div>
        <div>
          <label for="ir-shareWithUsers">Named recipients (e-mail addresses, one a line; only for TLP:RED)</label>
          {e('shareWithUsers').message}
          <textarea id="ir-shareWithUsers" name="shareWithUsers" {...e('shareWithUsers').attrs}>
            {f.shareWithUsers}
          </textarea>
        </div>
        <div>
          {e('les').message}
          <input type="checkbox" id="ir-les" name="les" checked={f.les} {...e('les').attrs} /> <label for="ir-les">Law-enforcement sensitive</label>
        </div>
        <p>
          <button type="submit">Report indicator</button>
        </p>
      </form>
    </Layout>
  );
}

interface SightingForm {
  value: string;
  type: string;
  seenAt: string;
  zone: string;
  count: string;
  tlp: string;
}
const SIGHTING_LABEL: Record<string, string> = { value: 'Value', type: 'Type', seenAt: 'Seen at', count: 'Count', tlp: 'TLP' };

function SightingPage(props: { ctx: PageContext; f: SightingForm; err: FieldError | null }) {
  const { f, err } = props;
  const e = (k: string) => fieldError('sg', err, k);
  return (
    <Layout title={err ? 'Error: Report a sighting' : 'Report a sighting'} ctx={props.ctx}>
      <h1>Report a sighting</h1>
      <SubNav />
      {err && <ErrorSummary prefix="sg" title="The sighting was not reported" err={err} label={SIGHTING_LABEL[err.field] ?? err.field} />}
      <form method="post" action="/console/indicators/sighting" class="filing" novalidate>
        <CsrfField token={props.ctx.csrfToken} />
        <p class="muted">“We saw this value”: in your logs, your mail, on a phone call.</p>
        <div>
          <label for="sg-value">Value (required)</label>
          {e('value').message}
          <input type="text" id="sg-value" name="value" value={f.value} required {...e('value').attrs} />
        </div>
        <div>
          {e('type').message}
          <TypeSelect id="sg-type" value={f.type} label="Type" attrs={e('type').attrs} />
        </div>
        <div>
          <label for="sg-seenAt">Seen at (empty: now)</label>
          {e('seenAt').message}
          <input type="datetime-local" id="sg-seenAt" name="seenAt" value={f.seenAt} {...e('seenAt').attrs} />
        </div>
        <div>
          <label for="sg-zone">Time zone of that time</label>
          <select id="sg-zone" name="zone">
            {ZONES.map((z) => (
              <option value={z} selected={f.zone === z}>
                {z === 'UTC' ? 'UTC' : 'Pacific time (America/Los_Angeles)'}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="sg-count">Count (how many times, 1 to 1,000,000)</label>
          {e('count').message}
          <input type="text" inputmode="numeric" id="sg-count" name="count" value={f.count} {...e('count').attrs} />
        </div>
        <div>
          <label for="sg-tlp">Traffic Light Protocol of the sighting</label>
          {e('tlp').message}
          <select id="sg-tlp" name="tlp" {...e('tlp').attrs}>
            {TLPS.map((t) => (
              <option value={t} selected={f.tlp === t}>
                {TLP_TEXT[t]}
              </option>
            ))}
          </select>
        </div>
        <p>
          <button type="submit">Report sighting</button>
        </p>
      </form>
    </Layout>
  );
}


function* slices(data: Buffer, size: number): Generator<Buffer> {
  for (let at = 0; at < data.length; at += size) yield data.subarray(at, at + size);
}

/** A whole number typed into a form, or the InputError the API would give. */
function wholeNumber(text: string, field: string, fallback: number | null): number | null {
  const t = text.trim();
  if (!t) return fallback;
  if (!/^-?\d+$/.test(t)) throw new InputError(field, 'must be a whole number');
  return Number(t);
}

// ── Bulk import ──────────────────────────────────────────────────────────────────────────────────────

interface ImportJob {
  id: string;
  userId: string;
  fileName: string;
  bytes: number;
  tlp: Tlp;
  state: 'running' | 'done' | 'failed';
  progress: IngestProgress;
  result: IngestResult | null;
  refused: InvalidLine[];
  error: string | null;
  startedAt: Date;
  endedAt: Date | null;
}

interface ImportForm {
  format: string;
  tlp: string;
  confidence: string;
  les: boolean;
}
const IMPORT_LABEL: Record<string, string> = { file: 'File', format: 'Format', tlp: 'TLP', confidence: 'Confidence', les: 'Law-enforcement sensitive' };

function ImportPage(props: { ctx: PageContext; f: ImportForm; err: FieldError | null; maxBytes: number; jobs: ImportJob[] }) {
  const { f, err } = props;
  const e = (k: string) => fieldError('ii', err, k);
  return (
    <Layout title={err ? 'Error: Bulk import' : 'Bulk import'} ctx={props.ctx}>
      <h1>Bulk import of indicators</h1>
      <SubNav />
      {err && <ErrorSummary prefix="ii" title="The file was not imported" err={err} label={IMPORT_LABEL[err.field] ?? err.field} />}
      <form method="post" action="/console/indicators/import" enctype="multipart/form-data" class="filing" novalidate>
        <CsrfField token={props.ctx.csrfToken} />
        <p class="muted">
          {`Reports of your organization, as with “estf indicators import”. A CSV file with a header row naming a “value” column (and optionally type, description, confidence, valid_until), JSON or JSON Lines, or text with one value a line. At most ${num(props.maxBytes)} bytes; larger feeds go through the operator’s estf indicators import.`}
        </p>
        <div>
          <label for="ii-file">File (required)</label>
          {e('file').message}
          <input type="file" id="ii-file" name="file" accept=".csv,.txt,.lst,.list,.json,.jsonl,.ndjson,text/csv,text/plain,application/json" {...e('file').attrs} />
        </div>
        <div>
          <label for="ii-format">Format</label>
          {e('format').message}
          <select id="ii-format" name="format" {...e('format').attrs}>
            <option value="">From the file name (.csv, .json, .txt)</option>
            {IMPORT_FORMATS.map((x) => (
              <option value={x} selected={f.format === x}>
                {x === 'csv' ? 'CSV' : x === 'json' ? 'JSON or JSON Lines' : 'Text, one value a line'}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="ii-tlp">Traffic Light Protocol of the reports</label>
          {e('tlp').message}
          <select id="ii-tlp" name="tlp" {...e('tlp').attrs}>
            {TLPS.map((t) => (
              <option value={t} selected={f.tlp === t}>
                {TLP_TEXT[t]}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="ii-confidence">Confidence for lines that state none (0 to 100)</label>
          {e('confidence').message}
          <input type="text" inputmode="numeric" id="ii-confidence" name="confidence" value={f.confidence} {...e('confidence').attrs} />
        </div>
        <div>
          <input type="checkbox" id="ii-les" name="les" checked={f.les} /> <label for="ii-les">Law-enforcement sensitive</label>
        </div>
        <p>
          <button type="submit">Import file</button>
        </p>
      </form>
      {props.jobs.length > 0 && (
        <section aria-labelledby="ii-recent">
          <h2 id="ii-recent">Your recent imports</h2>
          <ul>
            {props.jobs.map((j) => (
              <li>
                <a href={`/console/indicators/imports/${j.id}`}>{j.fileName}</a>
                {` – ${j.state === 'running' ? 'running' : j.state === 'done' ? 'finished' : 'failed'}, started ${fmt(j.startedAt)}`}
              </li>
            ))}
          </ul>
        </section>
      )}
    </Layout>
  );
}

function stateText(j: ImportJob): string {
  if (j.state === 'running') return `Importing ${j.fileName}…`;
  if (j.state === 'failed') return `The import of ${j.fileName} stopped: ${j.error}`;
  return `The import of ${j.fileName} is finished: ${num(j.result!.valid)} lines accepted, ${num(j.result!.invalid)} refused.`;
}

/** The polled part of an import's page: progress while it runs (htmx polls it every second), the result after. */
function ImportStatus(props: { job: ImportJob; oob: boolean }) {
  const j = props.job;
  const r = j.result;
  const polling = j.state === 'running' ? { 'hx-get': `/console/indicators/imports/${j.id}/status`, 'hx-trigger': 'every 1s', 'hx-swap': 'outerHTML' } : {};
  return (
    <>
      {props.oob && (
        <p id="ii-state" role="status" hx-swap-oob="true">
          {stateText(j)}
        </p>
      )}
      <div id="ii-progress" {...polling}>
        {j.state === 'running' && (
          <>
            <label for="ii-bar">Progress</label>
            <progress id="ii-bar" max={Math.max(j.bytes, 1)} value={Math.min(j.progress.bytesRead, j.bytes)}>
              {`${Math.round((100 * j.progress.bytesRead) / Math.max(j.bytes, 1))}%`}
            </progress>
            <p>{`${num(j.progress.bytesRead)} of ${num(j.bytes)} bytes read, ${num(j.progress.lines)} lines, ${num(j.progress.written)} values written.`}</p>
            <p class="muted">
              This part of the page updates by itself; without JavaScript, <a href={`/console/indicators/imports/${j.id}`}>reload it</a>.
            </p>
          </>
        )}
        {r && (
          <>
            <dl class="facts" aria-label="Counts">
              <dt>Lines read</dt>
              <dd>{num(r.lines)}</dd>
              <dt>Accepted</dt>
              <dd>{num(r.valid)}</dd>
              <dt>New indicators</dt>
              <dd>{num(r.created)}</dd>
              <dt>Already known</dt>
              <dd>{num(r.known)}</dd>
              <dt>Duplicates in the file</dt>
              <dd>{num(r.duplicates)}</dd>
              <dt>On a warning list</dt>
              <dd>{num(r.benign)}</dd>
              <dt>Refused</dt>
              <dd>{num(r.invalid)}</dd>
              <dt>Reports</dt>
              <dd>{`${num(r.reports.created)} new, ${num(r.reports.updated)} updated, ${num(r.reports.unchanged)} unchanged`}</dd>
              <dt>Took</dt>
              <dd>{`${(r.ms / 1000).toFixed(1)} s`}</dd>
            </dl>
            {r.ignoredColumns.length > 0 && <p>{`Columns ignored: ${r.ignoredColumns.join(', ')}.`}</p>}
          </>
        )}
        {j.state === 'failed' && (
          <p class="error">{`Stopped: ${j.error}. Batches written before the problem stay; importing the file again is harmless.`}</p>
        )}
        {j.state !== 'running' && j.refused.length > 0 && (
          <div class="table-wrap">
            <table>
              <caption>
                {j.refused.length < (r?.invalid ?? j.refused.length) ? `Refused lines (the first ${num(j.refused.length)} of ${num(r!.invalid)})` : 'Refused lines'}
              </caption>
              <thead>
                <tr>
                  <th scope="col">Line</th>
                  <th scope="col">Reason</th>
                </tr>
              </thead>
              <tbody>
                {j.refused.map((l) => (
                  <tr>
                    <td>{l.line}</td>
                    <td>{l.reason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </div>
    </>
  );
}

function ImportJobPage(props: { ctx: PageContext; job: ImportJob }) {
  const j = props.job;
  return (
    <Layout title={`Import of ${j.fileName}`} ctx={props.ctx}>
      <h1>{`Import of ${j.fileName}`}</h1>
      <SubNav />
      <p>
        {`${num(j.bytes)} bytes, reports under `}
        <TlpLabel tlp={j.tlp} />
        {`, started ${fmt(j.startedAt)}.`}
      </p>
      <p id="ii-state" role="status">
        {stateText(j)}
      </p>
      <ImportStatus job={j} oob={false} />
      <p>
        <a href="/console/indicators/import">Import another file</a>
      </p>
    </Layout>
  );
}

function ForbiddenPage(props: { ctx: PageContext; what: string }) {
  return (
    <Layout title="Not allowed" ctx={props.ctx}>
      <h1>Not allowed</h1>
      <p>{`Only analysts may ${props.what}.`}</p>
    </Layout>
  );
}

// ── Routes ───────────────────────────────────────────────────────────────────────────────────────────

export function registerIndicatorPages(app: Hono<ConsoleEnv>, services: Services, options: { importMaxBytes: number }): void {
  const principalOf = (c: Context<ConsoleEnv>): UserPrincipal => c.get('session')!.principal;
  const html = (c: Context<ConsoleEnv>, node: unknown, status: 200 | 400 | 403 | 404 | 413 | 429 = 200) => c.html(renderPage(node), status);
  const message = (err: InputError) => (err.message.startsWith(`${err.field}: `) ? err.message.slice(err.field.length + 2) : err.message);

  app.get('/indicators', async (c) => {
    const ctx = pageContext(c);
    const p = principalOf(c);
    const afterText = c.req.query('after') ?? '';
    const s: SearchQuery = { q: (c.req.query('q') ?? '').trim(), type: c.req.query('type') ?? '', benign: c.req.query('benign') === 'on', after: null };
    let problem: string | null = null;
    if (afterText) {
      if (/^[1-9]\d{0,15}$/.test(afterText)) s.after = Number(afterText);
      else problem = 'This page link is not valid: start again from the first page.';
    }
    const type = typeOf(s.type);
    if (s.type && !type) problem = `Type "${s.type}" is not one of ${INDICATOR_TYPES.join(', ')}.`;
    const det = s.q ? detect(s.q, type) : null;
    const exact = det?.ok ? await services.indicatorReports.indicator(p, det.type!, det.value) : null;
    const page = await services.indicatorReports.list(
      p,
      { text: det ? det.value : null, types: type ? [type] : null, includeBenign: s.benign || (det?.ok ?? false) },
      PAGE_SIZE,
      s.after,
    );
    const total = await page.totalCount();
    const next = page.hasNextPage ? page.nodes[page.nodes.length - 1]!.id : null;
    return html(c, <SearchPage ctx={ctx} s={s} det={det} exact={exact ?? null} rows={page.nodes} total={total} next={next} problem={problem} />, problem ? 400 : 200);
  });

  app.get('/indicators/match', (c) => html(c, <MatchPage ctx={pageContext(c)} values="" includeExpired={false} err={null} out={null} />));
  app.post('/indicators/match', async (c) => {
    const body = await c.req.parseBody();
    const text = one(body, 'values');
    const includeExpired = one(body, 'includeExpired') === 'on';
    const values = text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
    const page = (err: FieldError | null, out: MatchOutcome | null, status: 200 | 400) =>
      html(c, <MatchPage ctx={pageContext(c)} values={text} includeExpired={includeExpired} err={err} out={out} />, status);
    if (values.length === 0) return page({ field: 'values', message: 'paste at least one value' }, null, 400);
    try {
      const r = await services.indicatorReports.match(principalOf(c), values, includeExpired);
      return page(null, { count: values.length, matches: r.matches, invalid: r.invalid }, 200);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      return page({ field: 'values', message: `${message(err)}; split the list and match it in parts` }, null, 400);
    }
  });

  const emptyReport = (c: Context<ConsoleEnv>): ReportForm => ({
    value: c.req.query('value') ?? '', type: typeOf(c.req.query('type') ?? '') ?? '', tlp: 'AMBER', confidence: '50', validUntil: '', description: '', incident: '', shareWith: '', shareWithUsers: '', les: false,
  });
  // The forms are offered to analysts only (access-policy.md); their posts are refused by the use cases as well.
  const analyst = (c: Context<ConsoleEnv>) => principalOf(c).roles.has('ANALYST');
  app.get('/indicators/report', (c) =>
    analyst(c) ? html(c, <ReportPage ctx={pageContext(c)} f={emptyReport(c)} err={null} />) : html(c, <ForbiddenPage ctx={pageContext(c)} what="report indicators" />, 403),
  );
  app.post('/indicators/report', async (c) => {
    const p = principalOf(c);
    const b = await c.req.parseBody();
    const f: ReportForm = {
      value: one(b, 'value'), type: one(b, 'type'), tlp: one(b, 'tlp'), confidence: one(b, 'confidence'), validUntil: one(b, 'validUntil'), description: one(b, 'description'),
      incident: one(b, 'incident'), shareWith: one(b, 'shareWith'), shareWithUsers: one(b, 'shareWithUsers'), les: one(b, 'les') === 'on',
    };
    const refused = (err: FieldError) => html(c, <ReportPage ctx={pageContext(c)} f={f} err={err} />, 400);
    try {
      if (!f.value.trim()) throw new InputError('value', 'enter a value');
      if (f.type && !typeOf(f.type)) throw new InputError('type', 'choose a type');
      const tlp = tlpOf(f.tlp);
      if (!tlp) throw new InputError('tlp', 'choose a TLP');
      const confidence = wholeNumber(f.confidence, 'confidence', 50);
      let validUntil: Date | null = null;
      if (f.validUntil.trim()) {
        // A date means through that day, UTC (as the bulk import reads valid_until).
        const day = /^\d{4}-\d{2}-\d{2}$/.test(f.validUntil.trim()) ? parseInstant(`${f.validUntil.trim()}T00:00:00Z`) : null;
        if (!day || !day.ok) throw new InputError('validUntil', 'must be a date, e.g. 2026-12-31');
        validUntil = new Date(day.value.getTime() + 86_400_000);
      }
      let incidentId: string | null = null;
      if (f.incident.trim()) {
        // An incident this user may not see is one that does not exist.
        const inc = await services.incidents.getByReference(p, f.incident.trim().toUpperCase());
        if (!inc) throw new InputError('incident', `no incident ${f.incident.trim()} that you may see`);
        incidentId = inc.id;
      }
      const input: IndicatorReportInput = {
        value: f.value, type: typeOf(f.type), tlp, confidence, validUntil, description: f.description || null, incidentId,
        lawEnforcementSensitive: f.les, shareWith: lines(f.shareWith), shareWithUsers: lines(f.shareWithUsers),
      };
      const [r] = await services.indicatorReports.reportIndicators(p, [input]);
      if (!r!.ok) return refused({ field: REPORT_FIELD[r!.field ?? 'value'] ?? r!.field ?? 'value', message: r!.error ?? 'refused' });
      return c.redirect(`/console/indicators/${r!.indicator!.id}?reported=1`, 303);
    } catch (err) {
      if (err instanceof ForbiddenError) return html(c, <ForbiddenPage ctx={pageContext(c)} what="report indicators" />, 403);
      if (!(err instanceof InputError)) throw err;
      const field = REPORT_FIELD[err.field] ?? err.field;
      return refused({ field: field in REPORT_LABEL ? field : 'value', message: message(err) });
    }
  });

  const emptySighting = (c: Context<ConsoleEnv>): SightingForm => ({ value: c.req.query('value') ?? '', type: typeOf(c.req.query('type') ?? '') ?? '', seenAt: '', zone: 'UTC', count: '1', tlp: 'GREEN' });
  app.get('/indicators/sighting', (c) =>
    analyst(c) ? html(c, <SightingPage ctx={pageContext(c)} f={emptySighting(c)} err={null} />) : html(c, <ForbiddenPage ctx={pageContext(c)} what="report sightings" />, 403),
  );
  app.post('/indicators/sighting', async (c) => {
    const b = await c.req.parseBody();
    const f: SightingForm = { value: one(b, 'value'), type: one(b, 'type'), seenAt: one(b, 'seenAt'), zone: one(b, 'zone') || 'UTC', count: one(b, 'count'), tlp: one(b, 'tlp') };
    try {
      if (!f.value.trim()) throw new InputError('value', 'enter a value');
      if (f.type && !typeOf(f.type)) throw new InputError('type', 'choose a type');
      const tlp = tlpOf(f.tlp);
      if (!tlp) throw new InputError('tlp', 'choose a TLP');
      let seenAt: Date | null = null;
      if (f.seenAt.trim()) {
        const at = (ZONES as readonly string[]).includes(f.zone) ? zonedToUtc(f.seenAt.trim(), f.zone) : null;
        const parsed = at && !Number.isNaN(at.getTime()) ? parseInstant(at.toISOString()) : null;
        if (!parsed) throw new InputError('seenAt', 'must be a date and time, e.g. 2026-11-03T20:15');
        if (!parsed.ok) throw new InputError('seenAt', parsed.reason);
        seenAt = parsed.value;
      }
      const count = wholeNumber(f.count, 'count', 1);
      const s = await services.indicatorReports.reportSighting(principalOf(c), { value: f.value, type: typeOf(f.type), seenAt, count, tlp });
      return c.redirect(`/console/indicators/${s.indicator_id}?sighted=1`, 303);
    } catch (err) {
      if (err instanceof ForbiddenError) return html(c, <ForbiddenPage ctx={pageContext(c)} what="report sightings" />, 403);
      if (!(err instanceof InputError)) throw err;
      return html(c, <SightingPage ctx={pageContext(c)} f={f} err={{ field: err.field in SIGHTING_LABEL ? err.field : 'value', message: message(err) }} />, 400);
    }
  });

  // Imports run in this process after the upload's answer; their state lives here, for their user only.
  const jobs = new Map<string, ImportJob>();
  const jobsOf = (userId: string) => {
    const now = Date.now();
    for (const [id, j] of jobs) if (j.endedAt && now - j.endedAt.getTime() > IMPORT_KEEP_MS) jobs.delete(id);
    return [...jobs.values()].filter((j) => j.userId === userId).sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime());
  };
  const jobOf = (c: Context<ConsoleEnv>) => {
    const j = jobs.get(c.req.param('id') ?? '');
    return j && j.userId === principalOf(c).userId ? j : null;
  };
  const emptyImport: ImportForm = { format: '', tlp: 'AMBER', confidence: '50', les: false };

  app.get('/indicators/import', (c) =>
    analyst(c)
      ? html(c, <ImportPage ctx={pageContext(c)} f={emptyImport} err={null} maxBytes={options.importMaxBytes} jobs={jobsOf(principalOf(c).userId)} />)
      : html(c, <ForbiddenPage ctx={pageContext(c)} what="import indicators" />, 403),
  );
  app.post('/indicators/import', async (c) => {
    const p = principalOf(c);
    const b = await c.req.parseBody();
    const f: ImportForm = { format: one(b, 'format'), tlp: one(b, 'tlp'), confidence: one(b, 'confidence'), les: one(b, 'les') === 'on' };
    const refused = (field: string, msg: string, status: 400 | 403 | 413 | 429 = 400) =>
      html(c, <ImportPage ctx={pageContext(c)} f={f} err={{ field, message: msg }} maxBytes={options.importMaxBytes} jobs={jobsOf(p.userId)} />, status);
    if (!p.roles.has('ANALYST')) return html(c, <ForbiddenPage ctx={pageContext(c)} what="import indicators" />, 403);
    const file = b.file;
    if (!(file instanceof File) || (file.size === 0 && !file.name)) return refused('file', 'choose a file to import');
    if (file.size > options.importMaxBytes) {
      return refused('file', `the file is ${num(file.size)} bytes, more than the ${num(options.importMaxBytes)} bytes the console takes: split it, or ask your operator to run estf indicators import`, 413);
    }
    if (file.size === 0) return refused('file', 'the file is empty');
    const format = (f.format ? (IMPORT_FORMATS as readonly string[]).includes(f.format) ? (f.format as ImportFormat) : null : formatFromFileName(file.name));
    if (!format) return refused('format', f.format ? 'choose csv, json or txt' : `cannot tell the format from the name "${file.name}": choose one`);
    const tlp = tlpOf(f.tlp);
    if (!tlp) return refused('tlp', 'choose a TLP');
    let confidence: number;
    try {
      confidence = wholeNumber(f.confidence, 'confidence', 50)!;
      if (confidence < 0 || confidence > 100) throw new InputError('confidence', 'must be a whole number 0-100');
    } catch (err) {
      return refused('confidence', message(err as InputError));
    }
    if (jobsOf(p.userId).filter((j) => j.state === 'running').length >= IMPORTS_PER_USER) {
      return refused('file', `you have ${IMPORTS_PER_USER} imports running: wait for one to finish`, 429);
    }
    const job: ImportJob = {
      id: randomUUID(), userId: p.userId, fileName: file.name || 'upload', bytes: file.size, tlp, state: 'running',
      progress: { bytesRead: 0, lines: 0, written: 0 }, result: null, refused: [], error: null, startedAt: new Date(), endedAt: null,
    };
    const data = Buffer.from(await file.arrayBuffer());
    const run = services.indicators.importIndicators(p, {
      // In slices, so that the bytes read (the progress bar) follow the parser rather than jump to the end.
      source: Readable.from(slices(data, 64 * 1024)),
      format,
      organization: p.organization.slug,
      tlp,
      confidence,
      lawEnforcementSensitive: f.les,
      sourceName: `console upload: ${job.fileName}`,
      onProgress: (x) => (job.progress = x),
      onInvalid: (l) => {
        if (job.refused.length < IMPORT_INVALID_SHOWN) job.refused.push(l);
      },
    });
    jobs.set(job.id, job);
    run.then(
      (r) => Object.assign(job, { state: 'done', result: r, endedAt: new Date(), progress: { ...job.progress, bytesRead: job.bytes } }),
      (err: unknown) => {
        const partial = (err as { partial?: IngestResult }).partial;
        Object.assign(job, { state: 'failed', result: partial && partial.batches > 0 ? partial : null, error: err instanceof Error ? err.message : String(err), endedAt: new Date() });
      },
    );
    return c.redirect(`/console/indicators/imports/${job.id}`, 303);
  });
  app.get('/indicators/imports/:id', (c) => {
    const job = jobOf(c);
    if (!job) return html(c, <NotFoundPage ctx={pageContext(c)} what="import" />, 404);
    return html(c, <ImportJobPage ctx={pageContext(c)} job={job} />);
  });
  app.get('/indicators/imports/:id/status', (c) => {
    const job = jobOf(c);
    if (!job) return c.text('not found', 404);
    return c.html(String(<ImportStatus job={job} oob={true} />));
  });

  // After the fixed paths above: an id is digits, anything else (or an indicator this user may not see)
  // is the one not-found page.
  app.get('/indicators/:id', async (c) => {
    const ctx = pageContext(c);
    const p = principalOf(c);
    const idText = c.req.param('id');
    const id = /^[1-9]\d{0,15}$/.test(idText) ? Number(idText) : null;
    const row = id !== null && Number.isSafeInteger(id) ? await services.indicatorReports.visibleIndicatorById(p, id) : null;
    if (!row) return html(c, <NotFoundPage ctx={ctx} what="indicator" />, 404);
    const ir = services.indicatorReports;
    const [reports, sightings, counts, counties, seen, linked, orgs] = await Promise.all([
      ir.reportsOf(p, row.id),
      ir.sightingsOf(p, row.id, null),
      ir.sightingCounts(row.id, null),
      ir.sightingCountyCount(row.id, null),
      ir.seenRange(p, row.id),
      ir.linkedIncidentIds(p, row.id),
      services.partners.list(p),
    ]);
    const orgName = new Map(orgs.map((o) => [o.id, o.name]));
    const reportIncidentIds = reports.flatMap((r) => (r.incident_id ? [r.incident_id] : []));
    const visible = await services.incidents.visibleAmong(p, [...new Set([...linked, ...reportIncidentIds])]);
    const names = await services.identity.actorNames(p, reports.flatMap((r) => (r.reported_by ? [r.reported_by] : [])));
    const v: IndicatorView = {
      row,
      reports: reports.map((r) => {
        const inc = r.incident_id ? visible.get(r.incident_id) : undefined;
        return {
          id: r.id, organization: orgName.get(r.organization_id) ?? 'an organization', reporter: r.reported_by ? (names.get(r.reported_by)?.name ?? null) : null,
          tlp: r.tlp, les: r.law_enforcement_sensitive, confidence: r.confidence, validFrom: r.valid_from, validUntil: r.valid_until, description: r.description,
          incident: inc ? { id: inc.id, reference: inc.reference } : null, updatedAt: r.updated_at,
        };
      }),
      sightings: sightings.map((s) => ({ organization: orgName.get(s.organization_id) ?? 'an organization', seenAt: s.seen_at, count: s.count, tlp: s.tlp })),
      counts: { ...counts, counties },
      seen,
      incidents: linked.flatMap((i) => {
        const inc = visible.get(i);
        return inc ? [{ id: inc.id, reference: inc.reference, title: inc.title, tlp: inc.tlp }] : [];
      }),
    };
    const notice = c.req.query('reported') ? 'Your organization’s report of this indicator is saved.' : c.req.query('sighted') ? 'Your sighting is recorded.' : null;
    return html(c, <IndicatorPage ctx={ctx} v={v} notice={notice} />);
  });
}
