import type { Context, Hono } from 'hono';
import { canFileIncident } from '../../access/incidents.js';
import { parseInstant } from '../../dates.js';
import { AFFECTED_ASSETS, CATEGORIES, CATEGORY_DOMAIN, DOMAINS, LIMITS, SEVERITIES, TLPS, type IncidentCategory, type Severity, type Tlp } from '../../domain/taxonomy.js';
import { ForbiddenError, InputError } from '../../errors.js';
import type { Services } from '../../services.js';
import { pageContext, type ConsoleEnv } from '../../web/console.js';
import { zonedToUtc } from '../../web/forms.js';
import { CsrfField, Layout, renderPage, type PageContext } from '../../web/layout.js';
import { CALIFORNIA_COUNTIES } from '../partners/index.js';
import type { FileIncidentInput } from './index.js';

/** The console's File an incident screen: every field of fileIncident, works without JavaScript. */

const ZONES = ['America/Los_Angeles', 'UTC'] as const;
const ASSET_TEXT = (a: string) => a.charAt(0) + a.slice(1).toLowerCase().replace(/_/g, ' ');
const TLP_HELP: Record<Tlp, string> = {
  CLEAR: 'TLP:CLEAR – may be shared publicly',
  GREEN: 'TLP:GREEN – the community, not publicly',
  AMBER: 'TLP:AMBER – the recipients’ organizations and their clients on a need-to-know basis',
  AMBER_STRICT: 'TLP:AMBER+STRICT – the recipients’ organizations only',
  RED: 'TLP:RED – named recipients only',
};
// The same slugs as the partners module's county organizations (county- and the name in lower-case words).
const countySlug = (name: string) => `county-${name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')}`;
const COUNTIES = CALIFORNIA_COUNTIES.map((c) => ({ name: c.name, slug: countySlug(c.name) }));

/** What the form holds, as typed: given back filled when the service refuses it. */
interface FilingForm {
  title: string;
  summary: string;
  category: string;
  severity: string;
  tlp: string;
  affectedCounties: string[];
  affectedAssets: string[];
  occurredAt: string;
  detectedAt: string;
  zone: string;
  lawEnforcementSensitive: boolean;
  exercise: boolean;
  shareWith: string;
  shareWithUsers: string;
  shareWithRoutingTargets: boolean;
  externalReferences: string;
}

const EMPTY_FORM: FilingForm = {
  title: '', summary: '', category: '', severity: '', tlp: 'AMBER', affectedCounties: [], affectedAssets: [], occurredAt: '', detectedAt: '',
  zone: ZONES[0], lawEnforcementSensitive: false, exercise: false, shareWith: '', shareWithUsers: '', shareWithRoutingTargets: false, externalReferences: '',
};

/** The control an error's field points at (the summary links there; checkbox groups link to their first box). */
const FIELD_TARGET: Record<string, string> = {
  title: 'fi-title', summary: 'fi-summary', category: 'fi-category', severity: 'fi-severity', tlp: 'fi-tlp',
  affectedCounties: `fi-county-${COUNTIES[0]!.slug}`, affectedAssets: `fi-asset-${AFFECTED_ASSETS[0]}`, occurredAt: 'fi-occurredAt',
  detectedAt: 'fi-detectedAt', lawEnforcementSensitive: 'fi-les', exercise: 'fi-exercise', shareWith: 'fi-shareWith',
  shareWithUsers: 'fi-shareWithUsers', shareWithRoutingTargets: 'fi-routing', externalReferences: 'fi-externalReferences',
};
const FIELD_LABEL: Record<string, string> = {
  title: 'Title', summary: 'Summary', category: 'Category', severity: 'Severity', tlp: 'TLP', affectedCounties: 'Affected counties',
  affectedAssets: 'Affected assets', occurredAt: 'Occurred at', detectedAt: 'Detected at', lawEnforcementSensitive: 'Law-enforcement sensitive',
  exercise: 'Exercise', shareWith: 'Share with organizations', shareWithUsers: 'Named recipients', shareWithRoutingTargets: 'Share with routing targets',
  externalReferences: 'External references',
};

interface FieldError {
  field: string;
  message: string;
}

/** `externalReferences[2].url` → `externalReferences`: the form has one control per API field. */
const formField = (field: string) => {
  const base = field.replace(/\[.*$/, '');
  return base in FIELD_TARGET ? base : 'title';
};

function lines(text: string): string[] {
  return text.split(/[\r\n,]+/).map((s) => s.trim()).filter(Boolean);
}


/** The form's date → the API's RFC 3339 rule (src/dates.ts), so the console accepts exactly what GraphQL does. */
function instant(local: string, zone: string, field: string): Date | null {
  if (!local.trim()) return null;
  const at = (ZONES as readonly string[]).includes(zone) ? zonedToUtc(local.trim(), zone) : null;
  if (!at || Number.isNaN(at.getTime())) throw new InputError(field, 'must be a date and time, e.g. 2026-11-03T20:15');
  const parsed = parseInstant(at.toISOString());
  if (!parsed.ok) throw new InputError(field, parsed.reason);
  return parsed.value;
}

/** Reference lines: `SOURCE | identifier | https://…` (the URL is optional). */
function references(text: string): Array<{ source: string; identifier: string; url: string | null }> {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l, i) => {
      const [source = '', identifier = '', url = ''] = l.split('|').map((s) => s.trim());
      if (!identifier) throw new InputError(`externalReferences[${i}].identifier`, `line ${i + 1}: write SOURCE | identifier | URL (the URL may be left out)`);
      return { source, identifier, url: url || null };
    });
}

function readFilingForm(body: Record<string, string | File | (string | File)[]>): FilingForm {
  const one = (k: string) => {
    const v = body[k];
    const s = Array.isArray(v) ? v[0] : v;
    return typeof s === 'string' ? s : '';
  };
  const many = (k: string) => {
    const v = body[k];
    return (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((s): s is string => typeof s === 'string');
  };
  return {
    title: one('title'), summary: one('summary'), category: one('category'), severity: one('severity'), tlp: one('tlp'),
    affectedCounties: many('affectedCounties'), affectedAssets: many('affectedAssets'), occurredAt: one('occurredAt'), detectedAt: one('detectedAt'),
    zone: one('zone') || ZONES[0], lawEnforcementSensitive: one('lawEnforcementSensitive') === 'on', exercise: one('exercise') === 'on',
    shareWith: one('shareWith'), shareWithUsers: one('shareWithUsers'), shareWithRoutingTargets: one('shareWithRoutingTargets') === 'on',
    externalReferences: one('externalReferences'),
  };
}

/** The service's input from the form; what the form itself cannot read is the same BAD_USER_INPUT the API gives. */
function filingInput(f: FilingForm): FileIncidentInput {
  if (!f.category) throw new InputError('category', 'choose a category');
  if (!(SEVERITIES as readonly string[]).includes(f.severity)) throw new InputError('severity', 'choose a severity');
  if (!(TLPS as readonly string[]).includes(f.tlp)) throw new InputError('tlp', 'choose a TLP');
  return {
    title: f.title,
    summary: f.summary,
    category: f.category as IncidentCategory,
    severity: f.severity as Severity,
    tlp: f.tlp as Tlp,
    affectedCounties: f.affectedCounties,
    affectedAssets: f.affectedAssets,
    occurredAt: instant(f.occurredAt, f.zone, 'occurredAt'),
    detectedAt: instant(f.detectedAt, f.zone, 'detectedAt'),
    lawEnforcementSensitive: f.lawEnforcementSensitive,
    exercise: f.exercise,
    shareWith: lines(f.shareWith),
    shareWithUsers: lines(f.shareWithUsers),
    shareWithRoutingTargets: f.shareWithRoutingTargets,
    externalReferences: references(f.externalReferences),
  };
}

/** aria attributes and the message of one field's error, if it has one. */
function errorOf(err: FieldError | null, field: string) {
  const has = err !== null && formField(err.field) === field;
  return {
    attrs: has ? { 'aria-invalid': 'true' as const, 'aria-describedby': `fi-${field}-error` } : {},
    message: has ? (
      <p id={`fi-${field}-error`} class="error">
        {`${FIELD_LABEL[field]}: ${err!.message}`}
      </p>
    ) : null,
  };
}

function describedBy(help: string, err: FieldError | null, field: string): string {
  return err && formField(err.field) === field ? `fi-${field}-error ${help}` : help;
}

function FilingPage(props: { ctx: PageContext; f: FilingForm; error: FieldError | null }) {
  const { f, error } = props;
  const e = (field: string) => errorOf(error, field);
  const byDomain = DOMAINS.map((d) => ({ domain: d, categories: CATEGORIES.filter((c) => CATEGORY_DOMAIN[c] === d) }));
  return (
    <Layout title={error ? 'Error: File an incident' : 'File an incident'} ctx={props.ctx}>
      <h1>File an incident</h1>
      {error && (
        // Focused on load (autofocus works without script) so a screen reader reads it first.
        <div class="notice error-summary" role="alert" tabindex={-1} id="fi-errors" aria-labelledby="fi-errors-title" autofocus>
          <h2 id="fi-errors-title">The incident was not filed</h2>
          <ul>
            <li>
              <a href={`#${FIELD_TARGET[formField(error.field)]}`}>{`${FIELD_LABEL[formField(error.field)]}: ${error.message}`}</a>
            </li>
          </ul>
        </div>
      )}
      <form method="post" action="/console/incidents/new" class="filing" novalidate>
        <CsrfField token={props.ctx.csrfToken} />
        <p class="muted">Fields marked “required” must be filled in.</p>
        <div>
          <label for="fi-title">Title (required, at most {LIMITS.title} characters)</label>
          {e('title').message}
          <input type="text" id="fi-title" name="title" value={f.title} required {...e('title').attrs} />
        </div>
        <div>
          <label for="fi-summary">Summary (required)</label>
          {e('summary').message}
          <textarea id="fi-summary" name="summary" required {...e('summary').attrs}>
            {f.summary}
          </textarea>
        </div>
        <div>
          <label for="fi-category">Category (required)</label>
          {e('category').message}
          <select id="fi-category" name="category" required {...e('category').attrs}>
            <option value="">Choose a category</option>
            {byDomain.map((g) => (
              <optgroup label={g.domain.charAt(0) + g.domain.slice(1).toLowerCase()}>
                {g.categories.map((c) => (
                  <option value={c} selected={f.category === c}>
                    {ASSET_TEXT(c)}
                  </option>
                ))}
              </optgroup>
            ))}
          </select>
        </div>
        <div>
          <label for="fi-severity">Severity (required)</label>
          {e('severity').message}
          <select id="fi-severity" name="severity" required {...e('severity').attrs}>
            <option value="">Choose a severity</option>
            {SEVERITIES.map((s) => (
              <option value={s} selected={f.severity === s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="fi-tlp">Traffic Light Protocol (required)</label>
          {e('tlp').message}
          <select id="fi-tlp" name="tlp" required {...e('tlp').attrs}>
            {TLPS.map((t) => (
              <option value={t} selected={f.tlp === t}>
                {TLP_HELP[t]}
              </option>
            ))}
          </select>
        </div>
        <fieldset {...e('affectedCounties').attrs}>
          <legend>Affected counties</legend>
          {e('affectedCounties').message}
          <ul class="checks">
            {COUNTIES.map((c) => (
              <li>
                <input type="checkbox" id={`fi-county-${c.slug}`} name="affectedCounties" value={c.slug} checked={f.affectedCounties.includes(c.slug)} />{' '}
                <label for={`fi-county-${c.slug}`}>{c.name}</label>
              </li>
            ))}
          </ul>
        </fieldset>
        <fieldset {...e('affectedAssets').attrs}>
          <legend>Affected assets</legend>
          {e('affectedAssets').message}
          <ul class="checks">
            {AFFECTED_ASSETS.map((a) => (
              <li>
                <input type="checkbox" id={`fi-asset-${a}`} name="affectedAssets" value={a} checked={f.affectedAssets.includes(a)} />{' '}
                <label for={`fi-asset-${a}`}>{ASSET_TEXT(a)}</label>
              </li>
            ))}
          </ul>
        </fieldset>
        <fieldset>
          <legend>When</legend>
          <div>
            <label for="fi-occurredAt">Occurred at</label>
            {e('occurredAt').message}
            <input type="datetime-local" id="fi-occurredAt" name="occurredAt" value={f.occurredAt} {...e('occurredAt').attrs} />
          </div>
          <div>
            <label for="fi-detectedAt">Detected at</label>
            {e('detectedAt').message}
            <input type="datetime-local" id="fi-detectedAt" name="detectedAt" value={f.detectedAt} {...e('detectedAt').attrs} />
          </div>
          <div>
            <label for="fi-zone">Time zone of these times</label>
            <select id="fi-zone" name="zone">
              {ZONES.map((z) => (
                <option value={z} selected={f.zone === z}>
                  {z === 'UTC' ? 'UTC' : 'Pacific time (America/Los_Angeles)'}
                </option>
              ))}
            </select>
          </div>
        </fieldset>
        <div>
          {e('lawEnforcementSensitive').message}
          <input type="checkbox" id="fi-les" name="lawEnforcementSensitive" checked={f.lawEnforcementSensitive} {...e('lawEnforcementSensitive').attrs} />{' '}
          <label for="fi-les">Law-enforcement sensitive</label>
        </div>
        <div>
          {e('exercise').message}
          <input type="checkbox" id="fi-exercise" name="exercise" checked={f.exercise} {...e('exercise').attrs} />{' '}
          <label for="fi-exercise">Exercise (not a real event)</label>
        </div>
        <div>
          <label for="fi-shareWith">Share with organizations (slugs, one a line, e.g. county-fresno; not for TLP:RED)</label>
          {e('shareWith').message}
          <textarea id="fi-shareWith" name="shareWith" {...e('shareWith').attrs}>
            {f.shareWith}
          </textarea>
        </div>
        <div>
          <label for="fi-shareWithUsers">Named recipients (e-mail addresses, one a line; required for TLP:RED, only for TLP:RED)</label>
          {e('shareWithUsers').message}
          <textarea id="fi-shareWithUsers" name="shareWithUsers" {...e('shareWithUsers').attrs}>
            {f.shareWithUsers}
          </textarea>
        </div>
        <div>
          {e('shareWithRoutingTargets').message}
          <input type="checkbox" id="fi-routing" name="shareWithRoutingTargets" checked={f.shareWithRoutingTargets} aria-describedby={describedBy('fi-routing-help', error, 'shareWithRoutingTargets')} aria-invalid={error && formField(error.field) === 'shareWithRoutingTargets' ? 'true' : undefined} />{' '}
          <label for="fi-routing">Also share with the organizations the routing rules would page or notify</label>
          <p id="fi-routing-help" class="muted">
            Without this, routing targets that may not see the incident are skipped and listed after filing. Not for TLP:RED.
          </p>
        </div>
        <div>
          <label for="fi-externalReferences">External references (one a line: SOURCE | identifier | URL, the URL optional)</label>
          {e('externalReferences').message}
          <textarea id="fi-externalReferences" name="externalReferences" {...e('externalReferences').attrs}>
            {f.externalReferences}
          </textarea>
        </div>
        <p>
          <button type="submit">File incident</button>
        </p>
      </form>
    </Layout>
  );
}

/** Organizations the routing rules would page or notify that may not see the new incident (see fileIncident). */
export interface FilingNotice {
  suppressed: Array<{ rule: string; level: number | null; target: string; organization: string }>;
}

export function FiledNotice(props: { notice: FilingNotice }) {
  const s = props.notice.suppressed;
  return (
    <section class="notice" role="status" aria-labelledby="filed-title">
      <h2 id="filed-title">Incident filed</h2>
      {s.length === 0 ? (
        <p>Every organization the routing rules page or notify for it may see it.</p>
      ) : (
        <>
          <p>These routing targets may not see this incident, so they will not be paged or notified. Share it with their organizations if they should be:</p>
          <ul>
            {s.map((t) => (
              <li>{`${t.organization} (${t.target}), rule “${t.rule}”, ${t.level === null ? 'notify' : `level ${t.level}`}`}</li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

function ForbiddenFilingPage(props: { ctx: PageContext }) {
  return (
    <Layout title="Not allowed" ctx={props.ctx}>
      <h1>Not allowed</h1>
      <p>Only analysts may file incidents.</p>
    </Layout>
  );
}
export function registerFilingPages(app: Hono<ConsoleEnv>, services: Services): void {
  const principalOf = (c: Context<ConsoleEnv>) => c.get('session')!.principal;

  // Before /incidents/:id, which would otherwise take "new" for an id.
  app.get('/incidents/new', (c) => {
    if (!canFileIncident(principalOf(c))) return c.html(renderPage(<ForbiddenFilingPage ctx={pageContext(c)} />), 403);
    return c.html(renderPage(<FilingPage ctx={pageContext(c)} f={EMPTY_FORM} error={null} />));
  });

  // Works without JavaScript: a plain form post (the console's Origin and CSRF checks run before it), the same
  // service as the fileIncident resolver (one transaction: nothing is written on an error), then 303 to the
  // new incident, whose page shows the skipped routing targets once (?filed=1).
  app.post('/incidents/new', async (c) => {
    const f = readFilingForm(await c.req.parseBody({ all: true }));
    try {
      const row = await services.incidents.file(principalOf(c), filingInput(f));
      return c.redirect(`/console/incidents/${row.id}?filed=1`, 303);
    } catch (err) {
      if (err instanceof ForbiddenError) return c.html(renderPage(<ForbiddenFilingPage ctx={pageContext(c)} />), 403);
      if (!(err instanceof InputError)) throw err;
      const message = err.message.startsWith(`${err.field}: `) ? err.message.slice(err.field.length + 2) : err.message;
      return c.html(renderPage(<FilingPage ctx={pageContext(c)} f={f} error={{ field: err.field, message }} />), 400);
    }
  });
}
