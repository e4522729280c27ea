import type { Context, Hono } from 'hono';
import type { Config } from '../../config.js';
import type { Services } from '../../services.js';
import type { CalmPage, PublicEnv } from '../../web/public.js';
import { PublicLayout, renderPublicPage, type PublicPageContext } from '../../web/public-layout.js';
import { PUBLIC_ASSETS_PATH, publicAssets } from '../../web/public-assets.js';
import { CALIFORNIA_COUNTIES } from '../partners/index.js';
import type { AbuseGuard } from './abuse.js';
import { catalogFor, negotiateLanguage, translator, type Catalog } from './catalog.js';
import { SEEN_WHEN, SEEN_WHERE, validateReport, type FieldProblem, type ReportFields } from './publicreports.service.js';
import { cleanScreenshot } from './screenshot.js';

/**
 * The public report form, /report and /report/<language>: a thin adapter over the intake service. Every
 * string comes from the language's catalog. Works without JavaScript except the ALTCHA widget; errors are
 * listed in a summary that takes focus (autofocus: no script needed) and beside each field
 * (aria-describedby). The checks run cheapest first: honeypot, time to submit, fields, proof of work (spent
 * once), the client's limit, the surge limit; only then is anything written.
 */

export interface ReportPagesDeps {
  config: Config;
  services: Services;
  guard: AbuseGuard;
  calmPage: CalmPage;
}

/** The control a problem's field points at: the summary links there (a radio group: its first choice). */
const FIELD_ID: Record<FieldProblem['field'], string> = {
  claim: 'rf-claim',
  link: 'rf-link',
  where: `rf-where-${SEEN_WHERE[0]}`,
  when: `rf-when-${SEEN_WHEN[0]}`,
  county: 'rf-county',
  why: 'rf-why',
  email: 'rf-email',
  screenshot: 'rf-screenshot',
  altcha: 'rf-altcha',
};
const FIELD_LABEL: Record<FieldProblem['field'], string> = {
  claim: 'claim_label',
  link: 'link_label',
  where: 'where_label',
  when: 'when_label',
  county: 'county_label',
  why: 'why_label',
  email: 'email_label',
  screenshot: 'screenshot_label',
  altcha: 'pow_label',
};

interface FormProps {
  ctx: PublicPageContext;
  config: Config;
  values: ReportFields;
  problems: FieldProblem[];
  startedToken: string;
  challengeUrl: string;
}

function ReportForm(props: FormProps) {
  const { t, catalog } = props.ctx;
  const v = props.values;
  const problemOf = (field: FieldProblem['field']) => props.problems.find((p) => p.field === field);
  const errorId = (field: FieldProblem['field']) => `rf-${field}-error`;
  const ErrorText = (p: { field: FieldProblem['field'] }) => {
    const problem = problemOf(p.field);
    return problem ? (
      <p class="error" id={errorId(p.field)}>
        <span>{t('error_prefix')}</span> {t(problem.key, problem.vars)}
      </p>
    ) : null;
  };
  const describedBy = (field: FieldProblem['field'], ...ids: string[]) => [...ids, ...(problemOf(field) ? [errorId(field)] : [])].join(' ') || undefined;
  const invalid = (field: FieldProblem['field']) => (problemOf(field) ? ('true' as const) : undefined);
  const maxMb = Math.round(props.config.publicReports.screenshotMaxBytes / 1024 / 1024);
  const countyNames = [...CALIFORNIA_COUNTIES].sort((a, b) => a.name.localeCompare(b.name));
  const altchaStrings = JSON.stringify({
    label: t('altcha_label'),
    verifying: t('altcha_verifying'),
    verified: t('altcha_verified'),
    error: t('altcha_error'),
    expired: t('altcha_expired'),
    verificationRequired: t('altcha_required'),
    waitAlert: t('altcha_wait'),
    loading: t('altcha_loading'),
    reload: t('altcha_reload'),
    footer: '',
    ariaLinkLabel: '',
  });
  const { altchaWorker } = publicAssets();
  return (
    <>
      <h1>{t('title')}</h1>
      {props.problems.length > 0 && (
        <div class="error-summary" role="alert" tabindex={-1} id="rf-errors" aria-labelledby="rf-errors-title" autofocus>
          <h2 id="rf-errors-title">{t('error_summary')}</h2>
          <ul>
            {props.problems.map((p) => (
              <li>
                <a href={`#${FIELD_ID[p.field]}`}>{`${t(FIELD_LABEL[p.field])}: ${t(p.key, p.vars)}`}</a>
              </li>
            ))}
          </ul>
        </div>
      )}
      <p>{t('intro')}</p>
      <p class="notice">{t('official_source')}</p>
      <p>{t('required_note')}</p>
      <form method="post" action={`/report/${catalog.meta.code}`} enctype="multipart/form-data" novalidate>
        <input type="hidden" name="started" value={props.startedToken} />
        {/* The honeypot: hidden from people (display: none, so no screen reader or keyboard reaches it); bots fill it. */}
        <div class="hp">
          <label for="rf-website">Website</label>
          <input type="text" id="rf-website" name="website" autocomplete="off" tabindex={-1} />
        </div>
        <fieldset>
          <legend>{t('fieldset_what')}</legend>
          <div class="field">
            <label for="rf-claim">{t('claim_label')}</label>
            <p class="hint" id="rf-claim-hint">
              {t('claim_hint')}
            </p>
            <ErrorText field="claim" />
            <textarea id="rf-claim" name="claim" aria-describedby={describedBy('claim', 'rf-claim-hint')} aria-invalid={invalid('claim')}>
              {v.claim ?? ''}
            </textarea>
          </div>
          <div class="field">
            <label for="rf-link">{t('link_label')}</label>
            <p class="hint" id="rf-link-hint">
              {t('link_hint')}
            </p>
            <ErrorText field="link" />
            <input type="text" inputmode="url" dir="ltr" id="rf-link" name="link" value={v.link ?? ''} autocomplete="off" aria-describedby={describedBy('link', 'rf-link-hint')} aria-invalid={invalid('link')} />
          </div>
        </fieldset>
        <fieldset class="choices" aria-describedby={describedBy('where')}>
          <legend>{`${t('where_label')} ${t('required')}`}</legend>
          <ErrorText field="where" />
          {SEEN_WHERE.map((w) => (
            <label>
              <input type="radio" name="where" value={w} id={`rf-where-${w}`} checked={v.where === w} required aria-invalid={invalid('where')} /> {t(`where_${w}`)}
            </label>
          ))}
        </fieldset>
        <fieldset class="choices" aria-describedby={describedBy('when')}>
          <legend>{`${t('when_label')} ${t('required')}`}</legend>
          <ErrorText field="when" />
          {SEEN_WHEN.map((w) => (
            <label>
              <input type="radio" name="when" value={w} id={`rf-when-${w}`} checked={v.when === w} required aria-invalid={invalid('when')} /> {t(`when_${w}`)}
            </label>
          ))}
        </fieldset>
        <fieldset>
          <legend>{t('fieldset_more')}</legend>
          <div class="field">
            <label for="rf-county">{`${t('county_label')} ${t('optional')}`}</label>
            <ErrorText field="county" />
            <select id="rf-county" name="county" aria-describedby={describedBy('county')} aria-invalid={invalid('county')}>
              <option value="" selected={!v.county}>
                {t('county_none')}
              </option>
              <option value="STATEWIDE" selected={v.county === 'STATEWIDE'}>
                {t('county_statewide')}
              </option>
              {countyNames.map((c) => (
                <option value={c.fips} selected={v.county === c.fips}>
                  {c.name}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="rf-screenshot">{`${t('screenshot_label')} ${t('optional')}`}</label>
            <p class="hint" id="rf-screenshot-hint">
              {t('screenshot_hint', { max: maxMb })}
            </p>
            <ErrorText field="screenshot" />
            <input type="file" id="rf-screenshot" name="screenshot" accept="image/jpeg,image/png,image/webp,image/gif" aria-describedby={describedBy('screenshot', 'rf-screenshot-hint')} aria-invalid={invalid('screenshot')} />
          </div>
          <div class="field">
            <label for="rf-why">{`${t('why_label')} ${t('optional')}`}</label>
            <ErrorText field="why" />
            <textarea id="rf-why" name="why" aria-describedby={describedBy('why')} aria-invalid={invalid('why')}>
              {v.why ?? ''}
            </textarea>
          </div>
          <div class="field">
            <label for="rf-email">{`${t('email_label')} ${t('optional')}`}</label>
            <p class="hint" id="rf-email-hint">
              {t('email_hint')}
            </p>
            <ErrorText field="email" />
            <input type="email" dir="ltr" id="rf-email" name="email" value={v.email ?? ''} autocomplete="email" aria-describedby={describedBy('email', 'rf-email-hint')} aria-invalid={invalid('email')} />
          </div>
        </fieldset>
        <div class="field" id="rf-altcha" tabindex={-1}>
          <h2>{t('pow_label')}</h2>
          <p class="hint" id="rf-altcha-hint">
            {t('pow_hint')}
          </p>
          <ErrorText field="altcha" />
          <altcha-widget challengeurl={props.challengeUrl} name="altcha" workerurl={`${PUBLIC_ASSETS_PATH}/${altchaWorker.name}`} auto="onload" hidelogo hidefooter strings={altchaStrings}></altcha-widget>
        </div>
        <p>
          <button type="submit">{t('submit')}</button>
        </p>
      </form>
      <PrivacyNotice ctx={props.ctx} config={props.config} />
    </>
  );
}

/** Civil Code §1798.17: at the point of collection, who collects, why, what is voluntary, who sees it, retention, rights. */
function PrivacyNotice(props: { ctx: PublicPageContext; config: Config }) {
  const { t } = props.ctx;
  return (
    <section class="privacy" aria-labelledby="privacy-title">
      <h2 id="privacy-title">{t('privacy_heading')}</h2>
      <p>{t('privacy_who', { contact: props.config.publicReports.privacyContact })}</p>
      <p>{t('privacy_why')}</p>
      <p>{t('privacy_who_sees')}</p>
      <p>{t('privacy_retention', { days: Math.round(props.config.publicReports.emailRetentionDays) })}</p>
      <p>{t('privacy_rights')}</p>
    </section>
  );
}

function pageContext(catalog: Catalog, altcha = false): PublicPageContext {
  return { catalog, t: translator(catalog.meta.code), hrefFor: (code) => `/report/${code}`, altcha };
}

const field = (form: Record<string, unknown>, name: string): string => {
  const v = form[name];
  return typeof v === 'string' ? v : '';
};

export function registerReportPages(app: Hono<PublicEnv>, deps: ReportPagesDeps): void {
  const { config, services, guard, calmPage } = deps;
  const reports = services.publicReports;

  const renderForm = async (c: Context<PublicEnv>, catalog: Catalog, values: ReportFields, problems: FieldProblem[], status: 200 | 422 = 200) => {
    const ctx = pageContext(catalog, true);
    return c.html(
      renderPublicPage(
        <PublicLayout title={ctx.t('title')} ctx={ctx}>
          <ReportForm ctx={ctx} config={config} values={values} problems={problems} startedToken={await reports.formToken()} challengeUrl="/report/altcha" />
        </PublicLayout>,
      ),
      status,
    );
  };

  app.get('/altcha', async (c) => {
    c.header('cache-control', 'no-store');
    return c.json(await guard.challenge());
  });

  // The language: from the URL, else Accept-Language (the page then says which it chose in the switcher).
  app.get('/', (c) => renderForm(c, catalogFor(negotiateLanguage(c.req.header('accept-language')))!, {}, []));
  app.get('/:lang', (c) => {
    const catalog = catalogFor(c.req.param('lang'));
    if (!catalog) return calmPage(c, 404, 'refused_title', 'refused_text');
    return renderForm(c, catalog, {}, []);
  });

  app.post('/:lang', async (c) => {
    const catalog = catalogFor(c.req.param('lang'));
    if (!catalog) return calmPage(c, 404, 'refused_title', 'refused_text');
    const form = (await c.req.parseBody()) as Record<string, unknown>;
    const values: ReportFields = {
      claim: field(form, 'claim'),
      link: field(form, 'link'),
      where: field(form, 'where'),
      when: field(form, 'when'),
      county: field(form, 'county'),
      why: field(form, 'why'),
      email: field(form, 'email'),
    };
    // A field no person sees, filled in: a bot. Nothing is stored; the answer is the plain refusal.
    if (field(form, 'website') !== '') return calmPage(c, 400, 'refused_title', 'refused_text');
    const age = await reports.formAge(field(form, 'started'));
    if (age === null) return calmPage(c, 400, 'refused_title', 'refused_text');
    if (age < config.publicReports.minFillMs) return renderForm(c, catalog, values, [{ field: 'claim', key: 'err_too_fast' }], 422);

    const checked = validateReport(catalog.meta.code, values);
    const problems: FieldProblem[] = checked.ok ? [] : [...checked.problems];
    let screenshot: { body: Buffer; type: string } | null = null;
    const file = form.screenshot;
    if (file instanceof File && file.size > 0) {
      const cleaned = await cleanScreenshot(new Uint8Array(await file.arrayBuffer()), config.publicReports.screenshotMaxBytes);
      if (cleaned.ok) screenshot = { body: cleaned.body, type: cleaned.type };
      else problems.push({ field: 'screenshot', key: cleaned.problem === 'size' ? 'err_screenshot_size' : 'err_screenshot_type', vars: { max: Math.round(config.publicReports.screenshotMaxBytes / 1024 / 1024) } });
    }
    if (problems.length > 0 || !checked.ok) return renderForm(c, catalog, values, problems, 422);

    const proof = await guard.spendProof(field(form, 'altcha'));
    if (proof !== 'ok') return renderForm(c, catalog, values, [{ field: 'altcha', key: proof === 'replayed' ? 'err_pow_used' : 'err_pow' }], 422);

    const hash = await reports.clientHash(c.get('clientAddress'));
    const client = await guard.limitClient(hash.toString('hex'));
    if (!client.ok) {
      c.header('retry-after', String(Math.ceil(client.retryAfterMs / 1000)));
      return calmPage(c, 429, 'limited_title', 'limited_text', { minutes: Math.max(1, Math.ceil(client.retryAfterMs / 60_000)) });
    }
    const surge = await guard.limitSurge();
    if (!surge.ok) {
      c.header('retry-after', String(Math.ceil(surge.retryAfterMs / 1000)));
      return calmPage(c, 503, 'surge_title', 'surge_text');
    }

    const { reference } = await reports.submit(checked.value, { clientAddress: c.get('clientAddress'), screenshot });
    const ctx = pageContext(catalog);
    const t = ctx.t;
    return c.html(
      renderPublicPage(
        <PublicLayout title={t('success_title')} ctx={ctx}>
          <h1>{t('success_title')}</h1>
          <div role="status">
            <p>{t('success_reference')}</p>
            <p class="reference">{reference}</p>
          </div>
          <p>{t('success_keep')}</p>
          <p>
            <a href={`/report/${catalog.meta.code}`}>{t('success_another')}</a>
          </p>
          <p>
            <a href={`/rumor-control/${catalog.meta.code}`}>{t('rumor_link')}</a>
          </p>
        </PublicLayout>,
      ),
    );
  });
}
