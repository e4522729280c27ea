import type { Context, Hono } from 'hono';
import { canListSubscriptionsOf, canSubscribeFor } from '../../access/subscriptions.js';
import type { UserPrincipal } from '../../access/principal.js';
import { CATEGORIES, CATEGORY_DOMAIN, DOMAINS, SEVERITIES, type IncidentCategory, type IncidentDomain, type Severity } from '../../domain/taxonomy.js';
import { INDICATOR_TYPES, type IndicatorType } from '../../domain/indicator-types.js';
import { ForbiddenError, InputError, NotFoundError } from '../../errors.js';
import type { Services } from '../../services.js';
import { pageContext, type ConsoleEnv } from '../../web/console.js';
import { ErrorSummary, FieldMessage, fieldErrorOf, formString, formStrings, invalidAttrs, utcTime, type FieldError } from '../../web/forms.js';
import { CsrfField, Layout, NotFoundPage, renderPage, type PageContext } from '../../web/layout.js';
import type { SubscriptionRow } from './index.js';
import type { CreateAlertSubscriptionInput } from './subscriptions.service.js';

/**
 * The console's Alerts screen: my saved alert subscriptions (and, for an ORG_ADMIN, my organization's): list,
 * create, edit, pause and resume, delete. Plain form posts to the same subscriptions service as the GraphQL
 * mutations, so the same validation applies (a webhook URL goes through the same address guard) and the same
 * rule decides who may manage which subscription (anything else is the same 404 as an unknown id).
 */

const MODES = ['IMMEDIATE', 'HOURLY_DIGEST', 'DAILY_DIGEST'] as const;
type Mode = (typeof MODES)[number];
const MODE_TEXT: Record<Mode, string> = { IMMEDIATE: 'Immediately, one alert per event', HOURLY_DIGEST: 'Hourly digest', DAILY_DIGEST: 'Daily digest (07:00 Pacific)' };
const words = (s: string) => s.charAt(0) + s.slice(1).toLowerCase().replace(/_/g, ' ');

interface SubForm {
  name: string;
  owner: 'me' | 'organization';
  mode: string;
  channels: string[];
  webhookUrl: string;
  email: string;
  severityAtLeast: string;
  domains: string[];
  categories: string[];
  affectedCounties: string[];
  indicatorTypes: string[];
  includeIndicators: boolean;
  exercise: boolean;
}

const EMPTY: SubForm = {
  name: '', owner: 'me', mode: 'IMMEDIATE', channels: ['EMAIL'], webhookUrl: '', email: '', severityAtLeast: '', domains: [], categories: [],
  affectedCounties: [], indicatorTypes: [], includeIndicators: false, exercise: false,
};

const LABEL: Record<string, string> = {
  name: 'Name', owner: 'For', mode: 'How often', channels: 'Channels', webhookUrl: 'Webhook URL', email: 'E-mail address',
  severityAtLeast: 'Severity at least', domains: 'Domains', categories: 'Categories', affectedCounties: 'Affected counties',
  indicatorTypes: 'Indicator types', includeIndicators: 'Indicators', exercise: 'Exercise',
};
/** The control an error's summary links to. */
const TARGET: Record<string, string> = {
  name: 'sub-name', owner: 'sub-owner-me', mode: 'sub-mode', channels: 'sub-channel-EMAIL', webhookUrl: 'sub-webhookUrl', email: 'sub-email',
  severityAtLeast: 'sub-severityAtLeast', domains: `sub-domain-${DOMAINS[0]}`, categories: `sub-category-${CATEGORIES[0]}`, affectedCounties: 'sub-counties',
  indicatorTypes: `sub-type-${INDICATOR_TYPES[0]}`, includeIndicators: 'sub-includeIndicators', exercise: 'sub-exercise',
};
/** The service's field (`filter.domains`, `organization`) → the form's. */
const formField = (f: string) => {
  const base = f.replace(/^filter\./, '').replace(/\[.*$/, '');
  if (base === 'organization') return 'owner';
  return base in LABEL ? base : 'name';
};

function readForm(body: Record<string, unknown>): SubForm {
  return {
    name: formString(body, 'name'),
    owner: formString(body, 'owner') === 'organization' ? 'organization' : 'me',
    mode: formString(body, 'mode'),
    channels: formStrings(body, 'channels'),
    webhookUrl: formString(body, 'webhookUrl').trim(),
    email: formString(body, 'email').trim(),
    severityAtLeast: formString(body, 'severityAtLeast'),
    domains: formStrings(body, 'domains'),
    categories: formStrings(body, 'categories'),
    affectedCounties: formStrings(body, 'affectedCounties'),
    indicatorTypes: formStrings(body, 'indicatorTypes'),
    includeIndicators: formString(body, 'includeIndicators') === 'on',
    exercise: formString(body, 'exercise') === 'on',
  };
}

/** What the form cannot even name is refused here as the API's enums would; the rest is the service's to judge. */
function inputOf(f: SubForm) {
  if (!(MODES as readonly string[]).includes(f.mode)) throw new InputError('mode', 'choose how often');
  const channels = f.channels.filter((c): c is 'WEBHOOK' | 'EMAIL' => c === 'WEBHOOK' || c === 'EMAIL');
  if (channels.length !== f.channels.length) throw new InputError('channels', 'choose WEBHOOK or EMAIL');
  return {
    name: f.name,
    mode: f.mode as Mode,
    channels,
    webhookUrl: channels.includes('WEBHOOK') ? f.webhookUrl || null : null,
    email: channels.includes('EMAIL') ? f.email || null : null,
    filter: {
      severityAtLeast: (f.severityAtLeast || null) as Severity | null,
      domains: f.domains as IncidentDomain[],
      categories: f.categories as IncidentCategory[],
      affectedCounties: f.affectedCounties,
      indicatorTypes: f.indicatorTypes as IndicatorType[],
      includeIndicators: f.includeIndicators,
      exercise: f.exercise ? true : null,
    },
  } satisfies Omit<CreateAlertSubscriptionInput, 'organization'>;
}

function formOf(s: SubscriptionRow, countySlugs: ReadonlyMap<string, string>): SubForm {
  return {
    name: s.name,
    owner: s.owner_user_id ? 'me' : 'organization',
    mode: s.mode,
    channels: [...s.channels],
    webhookUrl: s.webhook_url ?? '',
    email: s.email ?? '',
    severityAtLeast: s.filter.severityAtLeast ?? '',
    domains: [...s.filter.domains],
    categories: [...s.filter.categories],
    affectedCounties: s.filter.affectedCountyIds.map((id) => countySlugs.get(id) ?? id),
    indicatorTypes: [...s.filter.indicatorTypes],
    includeIndicators: s.filter.includeIndicators,
    exercise: s.filter.exercise === true,
  };
}

function filterText(s: SubscriptionRow, countyNames: ReadonlyMap<string, string>): string {
  const f = s.filter;
  const parts: string[] = [];
  if (f.severityAtLeast) parts.push(`${f.severityAtLeast} or higher`);
  if (f.domains.length) parts.push(f.domains.map(words).join(', '));
  if (f.categories.length) parts.push(f.categories.map(words).join(', '));
  if (f.affectedCountyIds.length) parts.push(`counties: ${f.affectedCountyIds.map((id) => countyNames.get(id) ?? id).join(', ')}`);
  if (f.exercise) parts.push('exercises only');
  if (f.includeIndicators || f.indicatorTypes.length) parts.push(`indicators: ${f.indicatorTypes.length ? f.indicatorTypes.join(', ') : 'every type'}`);
  return parts.length ? parts.join('; ') : 'every incident I may see';
}

interface Counties {
  list: Array<{ slug: string; name: string; id: string }>;
  slugById: Map<string, string>;
  nameById: Map<string, string>;
}

function SubscriptionsList(props: { ctx: PageContext; mine: SubscriptionRow[]; org: SubscriptionRow[] | null; done: string | null; counties: Counties }) {
  const { ctx } = props;
  const p = ctx.principal!;
  const table = (rows: SubscriptionRow[], caption: string, id: string) =>
    rows.length === 0 ? (
      <p>None yet.</p>
    ) : (
      <div class="table-wrap">
        <table aria-labelledby={id}>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">What</th>
              <th scope="col">How</th>
              <th scope="col">Status</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((s) => (
              <tr>
                <td>
                  <a href={`/console/alerts/${s.id}/edit`} aria-label={`Edit ${s.name}`}>
                    {s.name}
                  </a>
                  <span class="muted">{` ${caption}, since ${utcTime(s.created_at)}`}</span>
                </td>
                <td>{filterText(s, props.counties.nameById)}</td>
                <td>
                  {MODE_TEXT[s.mode]}
                  <ul>
                    {s.channels.includes('EMAIL') && <li>{`E-mail to ${s.email ?? ''}`}</li>}
                    {s.channels.includes('WEBHOOK') && <li class="summary">{`Webhook to ${s.webhook_url ?? ''}`}</li>}
                  </ul>
                </td>
                <td>{s.paused_at ? `paused ${utcTime(s.paused_at)}` : 'active'}</td>
                <td>
                  <form method="post" action={`/console/alerts/${s.id}/${s.paused_at ? 'resume' : 'pause'}`}>
                    <CsrfField token={ctx.csrfToken} />
                    <button type="submit" class="secondary" aria-label={`${s.paused_at ? 'Resume' : 'Pause'} ${s.name}`}>
                      {s.paused_at ? 'Resume' : 'Pause'}
                    </button>
                  </form>{' '}
                  <form method="post" action={`/console/alerts/${s.id}/delete`}>
                    <CsrfField token={ctx.csrfToken} />
                    <button type="submit" class="secondary" aria-label={`Delete ${s.name}`}>
                      Delete
                    </button>
                  </form>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    );
  return (
    <Layout title="Alert subscriptions" ctx={ctx}>
      <h1>Alert subscriptions</h1>
      <div role="status">{props.done && <p>{props.done}</p>}</div>
      <p>
        What the hub tells you (or your organization) about, how and how often: e-mail or a webhook, at once or as a digest. Every alert carries only what its
        recipient may see when it is sent.
      </p>
      <p>
        <a href="/console/alerts/new">New subscription</a>
      </p>
      <section aria-labelledby="mine-title">
        <h2 id="mine-title">Mine</h2>
        {table(props.mine, 'mine', 'mine-title')}
      </section>
      {props.org && (
        <section aria-labelledby="org-title">
          <h2 id="org-title">{`${p.organization.name} (the organization's)`}</h2>
          {table(props.org, 'the organization’s', 'org-title')}
        </section>
      )}
    </Layout>
  );
}

function Checks(props: { name: string; field: string; legend: string; values: readonly string[]; checked: readonly string[]; err: FieldError | null; text?: (v: string) => string; idOf: (v: string) => string }) {
  const id = props.idOf;
  return (
    <fieldset {...invalidAttrs(props.err, props.field, 'sub')}>
      <legend>{props.legend}</legend>
      <FieldMessage err={props.err} field={props.field} prefix="sub" label={LABEL[props.field]!} />
      <ul class="checks">
        {props.values.map((v) => (
          <li>
            <input type="checkbox" id={id(v)} name={props.name} value={v} checked={props.checked.includes(v)} /> <label for={id(v)}>{props.text ? props.text(v) : words(v)}</label>
          </li>
        ))}
      </ul>
    </fieldset>
  );
}

function SubscriptionForm(props: { ctx: PageContext; f: SubForm; error: FieldError | null; edit: SubscriptionRow | null; counties: Counties; orgOption: boolean }) {
  const { f, error: err, edit, ctx } = props;
  const title = edit ? `Edit “${edit.name}”` : 'New alert subscription';
  const action = edit ? `/console/alerts/${edit.id}/edit` : '/console/alerts/new';
  const p = ctx.principal!;
  return (
    <Layout title={err ? `Error: ${title}` : title} ctx={ctx}>
      <p>
        <a href="/console/alerts">Back to the subscriptions</a>
      </p>
      <h1>{title}</h1>
      <ErrorSummary id="sub-errors" title={edit ? 'The subscription was not changed' : 'The subscription was not created'} err={err} label={err ? LABEL[err.field] ?? err.field : ''} target={err ? TARGET[err.field] ?? 'sub-name' : 'sub-name'} />
      <form method="post" action={action} novalidate>
        <CsrfField token={ctx.csrfToken} />
        <div>
          <label for="sub-name">Name (required, at most 100 characters)</label>
          <FieldMessage err={err} field="name" prefix="sub" label={LABEL.name!} />
          <input type="text" id="sub-name" name="name" value={f.name} {...invalidAttrs(err, 'name', 'sub')} />
        </div>
        {!edit && props.orgOption && (
          <fieldset {...invalidAttrs(err, 'owner', 'sub')}>
            <legend>For</legend>
            <FieldMessage err={err} field="owner" prefix="sub" label={LABEL.owner!} />
            <input type="radio" id="sub-owner-me" name="owner" value="me" checked={f.owner === 'me'} /> <label for="sub-owner-me">Me (my rights apply)</label>
            <br />
            <input type="radio" id="sub-owner-org" name="owner" value="organization" checked={f.owner === 'organization'} />{' '}
            <label for="sub-owner-org">{`${p.organization.name} (the organization's rights apply, never TLP:RED)`}</label>
          </fieldset>
        )}
        <div>
          <label for="sub-mode">How often</label>
          <FieldMessage err={err} field="mode" prefix="sub" label={LABEL.mode!} />
          <select id="sub-mode" name="mode" {...invalidAttrs(err, 'mode', 'sub')}>
            {MODES.map((m) => (
              <option value={m} selected={f.mode === m}>
                {MODE_TEXT[m]}
              </option>
            ))}
          </select>
        </div>
        <Checks name="channels" field="channels" legend="Channels (at least one)" values={['EMAIL', 'WEBHOOK']} checked={f.channels} err={err} text={(v) => (v === 'EMAIL' ? 'E-mail' : 'Webhook')} idOf={(v) => `sub-channel-${v}`} />
        <div>
          <label for="sub-email">E-mail address (empty: your own; required for an organization's e-mail)</label>
          <FieldMessage err={err} field="email" prefix="sub" label={LABEL.email!} />
          <input type="text" inputmode="email" id="sub-email" name="email" value={f.email} {...invalidAttrs(err, 'email', 'sub')} />
        </div>
        <div>
          <label for="sub-webhookUrl">Webhook URL (https, a public address; for the webhook channel)</label>
          <FieldMessage err={err} field="webhookUrl" prefix="sub" label={LABEL.webhookUrl!} />
          <input type="text" inputmode="url" id="sub-webhookUrl" name="webhookUrl" value={f.webhookUrl} {...invalidAttrs(err, 'webhookUrl', 'sub')} />
        </div>
        <h2>What to hear about</h2>
        <div>
          <label for="sub-severityAtLeast">Severity at least</label>
          <FieldMessage err={err} field="severityAtLeast" prefix="sub" label={LABEL.severityAtLeast!} />
          <select id="sub-severityAtLeast" name="severityAtLeast" {...invalidAttrs(err, 'severityAtLeast', 'sub')}>
            <option value="">Any severity</option>
            {SEVERITIES.map((s) => (
              <option value={s} selected={f.severityAtLeast === s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <Checks name="domains" field="domains" legend="Domains (none ticked: every domain)" values={DOMAINS} checked={f.domains} err={err} idOf={(v) => `sub-domain-${v}`} />
        <details open={f.categories.length > 0 || err?.field === 'categories'}>
          <summary>Categories</summary>
          <Checks name="categories" field="categories" legend="Categories (none ticked: every category)" values={CATEGORIES} checked={f.categories} err={err} text={(c) => `${words(c)} (${words(CATEGORY_DOMAIN[c as IncidentCategory])})`} idOf={(v) => `sub-category-${v}`} />
        </details>
        <details open={f.affectedCounties.length > 0 || err?.field === 'affectedCounties'}>
          <summary>Affected counties</summary>
          <fieldset id="sub-counties" tabindex={-1} {...invalidAttrs(err, 'affectedCounties', 'sub')}>
            <legend>Affected counties (none ticked: statewide and every county)</legend>
            <FieldMessage err={err} field="affectedCounties" prefix="sub" label={LABEL.affectedCounties!} />
            <ul class="checks">
              {props.counties.list.map((c) => (
                <li>
                  <input type="checkbox" id={`sub-county-${c.slug}`} name="affectedCounties" value={c.slug} checked={f.affectedCounties.includes(c.slug)} />{' '}
                  <label for={`sub-county-${c.slug}`}>{c.name}</label>
                </li>
              ))}
            </ul>
          </fieldset>
        </details>
        <Checks name="indicatorTypes" field="indicatorTypes" legend="Indicator alerts of these types" values={INDICATOR_TYPES} checked={f.indicatorTypes} err={err} text={(t) => t} idOf={(v) => `sub-type-${v}`} />
        <div>
          <input type="checkbox" id="sub-includeIndicators" name="includeIndicators" checked={f.includeIndicators} /> <label for="sub-includeIndicators">Indicator alerts of every type</label>
        </div>
        <div>
          <input type="checkbox" id="sub-exercise" name="exercise" checked={f.exercise} /> <label for="sub-exercise">Exercise incidents only (otherwise real incidents only)</label>
        </div>
        <p>
          <button type="submit">{edit ? 'Save changes' : 'Create subscription'}</button>
        </p>
      </form>
    </Layout>
  );
}

function SecretPage(props: { ctx: PageContext; name: string; secret: string; created: boolean }) {
  return (
    <Layout title={props.created ? 'Subscription created' : 'Subscription changed'} ctx={props.ctx}>
      <h1>{props.created ? 'Subscription created' : 'Subscription changed'}</h1>
      <section class="notice" aria-labelledby="secret-title" tabindex={-1} id="webhook-secret" autofocus>
        <h2 id="secret-title">Webhook signing secret</h2>
        <p>{`Deliveries of “${props.name}” are signed (Standard Webhooks) with this secret. Copy it now: it is shown this once.`}</p>
        <p>
          <label for="secret-value">Signing secret</label>
          <input type="text" id="secret-value" readonly value={props.secret} size={60} />
        </p>
      </section>
      <p>
        <a href="/console/alerts">Back to the subscriptions</a>
      </p>
    </Layout>
  );
}

export function registerSubscriptionPages(app: Hono<ConsoleEnv>, services: Services): void {
  const principalOf = (c: Context<ConsoleEnv>) => c.get('session')!.principal;
  const orgListed = (p: UserPrincipal) => canListSubscriptionsOf(p, p.organization.id);
  let counties: Counties | null = null;
  const countiesOf = async (p: UserPrincipal): Promise<Counties> => {
    if (counties) return counties;
    const rows = (await services.partners.list(p, 'COUNTY')).map((o) => ({ id: o.id, slug: o.slug, name: o.name.replace(/ County Elections$/, '') }));
    rows.sort((a, b) => a.name.localeCompare(b.name));
    counties = { list: rows, slugById: new Map(rows.map((r) => [r.id, r.slug])), nameById: new Map(rows.map((r) => [r.id, r.name])) };
    return counties;
  };
  /** A subscription this user may manage, as listed to them (theirs, or their organization's for its admins). */
  const manageable = async (p: UserPrincipal, id: string): Promise<SubscriptionRow | undefined> => {
    const mine = await services.subscriptions.list(p);
    const org = orgListed(p) ? await services.subscriptions.list(p, p.organization.slug) : [];
    return [...mine, ...org].find((s) => s.id === id);
  };
  const notFound = (c: Context<ConsoleEnv>) => c.html(renderPage(<NotFoundPage ctx={pageContext(c)} what="subscription" />), 404);
  const DONE: Record<string, string> = { created: 'Subscription created.', saved: 'Changes saved.', paused: 'Subscription paused: nothing is sent until you resume it.', resumed: 'Subscription resumed.', deleted: 'Subscription deleted.' };

  app.get('/alerts', async (c) => {
    const p = principalOf(c);
    const mine = await services.subscriptions.list(p);
    const org = orgListed(p) ? await services.subscriptions.list(p, p.organization.slug) : null;
    const done = DONE[c.req.query('done') ?? ''] ?? null;
    return c.html(renderPage(<SubscriptionsList ctx={pageContext(c)} mine={mine} org={org} done={done} counties={await countiesOf(p)} />));
  });

  app.get('/alerts/new', async (c) => {
    const p = principalOf(c);
    return c.html(renderPage(<SubscriptionForm ctx={pageContext(c)} f={EMPTY} error={null} edit={null} counties={await countiesOf(p)} orgOption={canSubscribeFor(p, p.organization.id)} />));
  });

  const refused = async (c: Context<ConsoleEnv>, f: SubForm, err: unknown, edit: SubscriptionRow | null) => {
    const p = principalOf(c);
    let error: FieldError;
    if (err instanceof InputError) error = fieldErrorOf(err, formField);
    else if (err instanceof ForbiddenError) error = { field: 'owner', message: err.message };
    else throw err;
    return c.html(renderPage(<SubscriptionForm ctx={pageContext(c)} f={f} error={error} edit={edit} counties={await countiesOf(p)} orgOption={canSubscribeFor(p, p.organization.id)} />), 400);
  };

  app.post('/alerts/new', async (c) => {
    const p = principalOf(c);
    const f = readForm(await c.req.parseBody({ all: true }));
    try {
      const { row, webhookSecret } = await services.subscriptions.create(p, { ...inputOf(f), organization: f.owner === 'organization' ? p.organization.slug : null });
      if (webhookSecret) return c.html(renderPage(<SecretPage ctx={pageContext(c)} name={row.name} secret={webhookSecret} created={true} />));
      return c.redirect('/console/alerts?done=created', 303);
    } catch (err) {
      return refused(c, f, err, null);
    }
  });

  app.get('/alerts/:id/edit', async (c) => {
    const p = principalOf(c);
    const s = await manageable(p, c.req.param('id'));
    if (!s) return notFound(c);
    const cs = await countiesOf(p);
    return c.html(renderPage(<SubscriptionForm ctx={pageContext(c)} f={formOf(s, cs.slugById)} error={null} edit={s} counties={cs} orgOption={false} />));
  });

  // The service decides who may change it (NOT_FOUND otherwise): a forged id of someone else's is a 404.
  app.post('/alerts/:id/edit', async (c) => {
    const p = principalOf(c);
    const f = readForm(await c.req.parseBody({ all: true }));
    const s = await manageable(p, c.req.param('id'));
    if (!s) return notFound(c);
    try {
      const { row, webhookSecret } = await services.subscriptions.update(p, s.id, inputOf(f));
      if (webhookSecret) return c.html(renderPage(<SecretPage ctx={pageContext(c)} name={row.name} secret={webhookSecret} created={false} />));
      return c.redirect('/console/alerts?done=saved', 303);
    } catch (err) {
      if (err instanceof NotFoundError) return notFound(c);
      return refused(c, f, err, s);
    }
  });

  const actions = { pause: 'paused', resume: 'resumed', delete: 'deleted' } as const;
  for (const [action, done] of Object.entries(actions) as Array<[keyof typeof actions, string]>) {
    app.post(`/alerts/:id/${action}`, async (c) => {
      const p = principalOf(c);
      const id = c.req.param('id');
      try {
        if (action === 'pause') await services.subscriptions.pause(p, id);
        else if (action === 'resume') await services.subscriptions.resume(p, id);
        else await services.subscriptions.remove(p, id);
      } catch (err) {
        if (err instanceof NotFoundError) return notFound(c);
        throw err;
      }
      return c.redirect(`/console/alerts?done=${done}`, 303);
    });
  }
}
