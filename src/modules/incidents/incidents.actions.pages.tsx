import type { Context, Hono } from 'hono';
import {
  canAssign,
  canChangeSeverity,
  canChangeTlp,
  canComment,
  canEditIncident,
  canSetLawEnforcementSensitive,
  canTransitionTo,
  canWidenAudience,
  isTriageCoordinator,
  lawEnforcementRuleAdmits,
  type IncidentAccessFacts,
} from '../../access/incidents.js';
import type { UserPrincipal } from '../../access/principal.js';
import {
  allowedTransitions,
  CATEGORIES,
  CATEGORY_DOMAIN,
  DOMAINS,
  LIMITS,
  SEVERITIES,
  STATUSES,
  TLPS,
  type IncidentCategory,
  type IncidentStatus,
  type Severity,
  type Tlp,
} from '../../domain/taxonomy.js';
import { ConflictError, ForbiddenError, InputError, NotFoundError } from '../../errors.js';
import type { Services } from '../../services.js';
import type { ConsoleEnv } from '../../web/console.js';
import { CsrfField } from '../../web/layout.js';
import type { OrganizationRow } from '../partners/index.js';
import type { IncidentRow, UpdateIncidentInput } from './index.js';

/**
 * The incident page's actions: one plain form per action (works without JavaScript), offered only when the
 * access policy's predicates (src/access/incidents.ts) allow it, posted to the same incidents service as the
 * GraphQL mutations, which checks the policy again (a forged post is refused there). Success: 303 back to the
 * page with `?done=<action>` (said in a status region); an error: the page again, the error beside its field
 * and in a focused summary.
 */

export const ACTIONS = ['status', 'assign', 'share', 'tlp', 'les', 'merge', 'edit'] as const;
export type ActionName = (typeof ACTIONS)[number];

export interface ActionError {
  action: ActionName;
  /** The form field (see FIELD_LABEL) the error is about. */
  field: string;
  message: string;
}

/** The edit the user sent with a stale version: what others changed since, and what they sent. */
export interface EditConflict {
  sentVersion: number;
  currentVersion: number;
  changed: Array<{ label: string; was: string; now: string }>;
}

/** What the user typed, put back into the forms after an error (field name → value). */
export type Submitted = Partial<Record<ActionName, Record<string, string>>>;

const TLP_TEXT: Record<Tlp, string> = { CLEAR: 'TLP:CLEAR', GREEN: 'TLP:GREEN', AMBER: 'TLP:AMBER', AMBER_STRICT: 'TLP:AMBER+STRICT', RED: 'TLP:RED' };
const words = (s: string) => s.charAt(0) + s.slice(1).toLowerCase().replace(/_/g, ' ');

/** Form controls' labels, by action and field: for the error summary and the messages beside the fields. */
export const FIELD_LABEL: Record<ActionName, Record<string, string>> = {
  status: { to: 'New status', note: 'Note' },
  assign: { organization: 'Organization', user: 'User (e-mail)' },
  share: { organizations: 'Organizations', users: 'Named users', routingTargets: 'Routing targets' },
  tlp: { tlp: 'New TLP label', recipients: 'Named recipients' },
  les: { value: 'Law-enforcement sensitive' },
  merge: { into: 'Reference of the incident to merge into' },
  edit: { title: 'Title', summary: 'Summary', category: 'Category', severity: 'Severity', affectedCounties: 'Affected counties', version: 'Version' },
};
/** The field an action's refusal (FORBIDDEN) is shown beside. */
const MAIN_FIELD: Record<ActionName, string> = { status: 'to', assign: 'organization', share: 'organizations', tlp: 'tlp', les: 'value', merge: 'into', edit: 'title' };

export const fieldId = (action: ActionName, field: string) => `ia-${action}-${field}`;

/** The service's field names (InputError.field) as the forms' fields. */
function formField(action: ActionName, serviceField: string): string {
  const f = serviceField.replace(/\[.*$/, '');
  if (action === 'status' && f === 'to') return 'to';
  if (action === 'merge') return 'into';
  if (action === 'assign' && f === 'user') return 'user';
  if (action === 'les') return 'value';
  return f in FIELD_LABEL[action] ? f : MAIN_FIELD[action];
}

/** What this user may do to this incident: the policy's predicates, the same the use cases check. */
export interface Allowed {
  transitions: IncidentStatus[];
  assign: boolean;
  share: boolean;
  tlps: Tlp[];
  les: boolean;
  merge: boolean;
  /** Every field (the reporting organization), severity only (a coordinator), or nothing. */
  edit: 'all' | 'severity' | null;
  comment: boolean;
}

export function allowedActions(p: UserPrincipal, row: IncidentRow, f: IncidentAccessFacts): Allowed {
  return {
    transitions: allowedTransitions(row.status).filter((s) => s !== 'MERGED' && canTransitionTo(p, f, s)),
    assign: canAssign(p),
    share: canWidenAudience(p, f),
    tlps: TLPS.filter((t) => t !== row.tlp && canChangeTlp(p, f, t)),
    les: canSetLawEnforcementSensitive(p, f, !row.law_enforcement_sensitive),
    merge: isTriageCoordinator(p) && allowedTransitions(row.status).includes('MERGED'),
    edit: canEditIncident(p, f) ? 'all' : canChangeSeverity(p, f) ? 'severity' : null,
    comment: canComment(p),
  };
}

export function hasAnyAction(a: Allowed): boolean {
  return a.transitions.length > 0 || a.assign || a.share || a.tlps.length > 0 || a.les || a.merge || a.edit !== null;
}

/** Whether the form an error is about is on the page (a forged post's refusal has no field to sit beside). */
export function formShown(a: Allowed, action: ActionName): boolean {
  switch (action) {
    case 'status':
      return a.transitions.length > 0;
    case 'tlp':
      return a.tlps.length > 0;
    case 'edit':
      return a.edit !== null;
    default:
      return a[action];
  }
}

// ── The forms ─────────────────────────────────────────────────────────────────────────────────────

export interface ActionsProps {
  row: IncidentRow;
  allowed: Allowed;
  csrf: string | null;
  /** Every partner organization, for the assignment list. */
  organizations: OrganizationRow[];
  facts: IncidentAccessFacts;
  isCoordinatorOrg: (o: OrganizationRow) => boolean;
  countySlugs: string[];
  recipients: string[];
  error: ActionError | null;
  submitted: Submitted;
  conflict: EditConflict | null;
}

function fieldError(props: ActionsProps, action: ActionName, field: string) {
  const e = props.error;
  const has = e !== null && e.action === action && e.field === field;
  const id = `${fieldId(action, field)}-error`;
  return {
    attrs: has ? { 'aria-invalid': 'true' as const, 'aria-describedby': id } : {},
    message: has ? (
      <p id={id} class="error">
        {`${FIELD_LABEL[action][field]}: ${e!.message}`}
      </p>
    ) : null,
  };
}

export function ErrorSummary(props: { error: ActionError; shown: boolean }) {
  const { error } = props;
  const text = `${FIELD_LABEL[error.action][error.field] ?? 'Action'}: ${error.message}`;
  return (
    // Focused on load (autofocus works without script) so a screen reader reads it first.
    <div class="notice error-summary" role="alert" tabindex={-1} id="ia-errors" aria-labelledby="ia-errors-heading" autofocus>
      <h2 id="ia-errors-heading">Nothing was changed</h2>
      <ul>
        <li>{props.shown ? <a href={`#${fieldId(error.action, error.field)}`}>{text}</a> : text}</li>
      </ul>
    </div>
  );
}

export function ConflictNotice(props: { conflict: EditConflict; incidentId: string }) {
  const c = props.conflict;
  return (
    <section class="notice conflict" role="alert" aria-labelledby="ia-conflict-heading" tabindex={-1} id="ia-conflict" autofocus>
      <h2 id="ia-conflict-heading">Not saved: someone changed this incident while you were editing</h2>
      <p>{`You edited version ${c.sentVersion}; it is now version ${c.currentVersion}. Nothing was written.`}</p>
      {c.changed.length > 0 ? (
        <div class="table-wrap" tabindex={0} role="region" aria-label="What changed since you opened the form">
          <table>
            <caption>What changed since you opened the form</caption>
            <thead>
              <tr>
                <th scope="col">Field</th>
                <th scope="col">When you opened it</th>
                <th scope="col">Now</th>
              </tr>
            </thead>
            <tbody>
              {c.changed.map((x) => (
                <tr>
                  <th scope="row">{x.label}</th>
                  <td class="pre">{x.was || '(empty)'}</td>
                  <td class="pre">{x.now || '(empty)'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p>None of the fields of this form changed (its status, labels or sharing did); see the timeline.</p>
      )}
      <p>
        <a href={`/console/incidents/${props.incidentId}`}>Reload the incident (your edits are dropped)</a>, or review your edits below: they are
        kept, and saving them again applies them over the current version.
      </p>
    </section>
  );
}

const lines = (xs: readonly string[]) => xs.join('\n');

export function IncidentActions(props: ActionsProps) {
  const { row, allowed: a, csrf } = props;
  const action = (name: string) => `/console/incidents/${row.id}/${name}`;
  const sub = (act: ActionName, field: string, fallback = '') => props.submitted[act]?.[field] ?? fallback;
  if (!hasAnyAction(a)) return null;
  const assignable = props.organizations.filter((o) =>
    lawEnforcementRuleAdmits({ id: o.id, kind: o.kind, isCoordinatorOrg: props.isCoordinatorOrg(o) }, props.facts),
  );
  const byDomain = DOMAINS.map((d) => ({ domain: d, categories: CATEGORIES.filter((c) => CATEGORY_DOMAIN[c] === d) }));
  return (
    <section aria-labelledby="actions" class="incident-actions">
      <h2 id="actions">Actions</h2>
      {a.transitions.length > 0 && (
        <form method="post" action={action('status')} class="action" aria-labelledby="ia-status-heading">
          <CsrfField token={csrf} />
          <h3 id="ia-status-heading">Change status</h3>
          <p class="muted">{`Now ${row.status}.`}</p>
          <label for={fieldId('status', 'to')}>{FIELD_LABEL.status.to}</label>
          {fieldError(props, 'status', 'to').message}
          <select id={fieldId('status', 'to')} name="to" {...fieldError(props, 'status', 'to').attrs}>
            {a.transitions.map((s) => (
              <option value={s} selected={sub('status', 'to') === s}>
                {s}
              </option>
            ))}
          </select>
          <label for={fieldId('status', 'note')}>Note (optional)</label>
          {fieldError(props, 'status', 'note').message}
          <textarea id={fieldId('status', 'note')} name="note" class="short" {...fieldError(props, 'status', 'note').attrs}>
            {sub('status', 'note')}
          </textarea>
          <p>
            <button type="submit">Change status</button>
          </p>
        </form>
      )}
      {a.assign && (
        <form method="post" action={action('assign')} class="action" aria-labelledby="ia-assign-heading">
          <CsrfField token={csrf} />
          <h3 id="ia-assign-heading">Assign</h3>
          {row.tlp === 'RED' && (
            <p class="muted" id="ia-assign-help">
              {`TLP:RED: assign it to a named recipient${props.recipients.length ? ` (${props.recipients.join('; ')})` : ''}, with their organization.`}
            </p>
          )}
          {row.law_enforcement_sensitive && <p class="muted">Law-enforcement sensitive: only law enforcement and the reporting organization are listed.</p>}
          <label for={fieldId('assign', 'organization')}>{FIELD_LABEL.assign.organization}</label>
          {fieldError(props, 'assign', 'organization').message}
          <select id={fieldId('assign', 'organization')} name="organization" required {...fieldError(props, 'assign', 'organization').attrs}>
            <option value="">Choose an organization</option>
            {assignable.map((o) => (
              <option value={o.slug} selected={sub('assign', 'organization', '') === o.slug}>
                {o.name}
              </option>
            ))}
          </select>
          <label for={fieldId('assign', 'user')}>User's e-mail ({row.tlp === 'RED' ? 'required' : 'optional'}, a member of that organization)</label>
          {fieldError(props, 'assign', 'user').message}
          <input type="text" inputmode="email" id={fieldId('assign', 'user')} name="user" value={sub('assign', 'user')} {...fieldError(props, 'assign', 'user').attrs} />
          <p>
            <button type="submit">Assign</button>
          </p>
        </form>
      )}
      {a.share && (
        <form method="post" action={action('share')} class="action" aria-labelledby="ia-share-heading">
          <CsrfField token={csrf} />
          <h3 id="ia-share-heading">Share</h3>
          {row.tlp === 'RED' ? (
            <>
              <label for={fieldId('share', 'users')}>Named users (e-mail addresses, one a line)</label>
              {fieldError(props, 'share', 'users').message}
              <textarea id={fieldId('share', 'users')} name="users" class="short" {...fieldError(props, 'share', 'users').attrs}>
                {sub('share', 'users')}
              </textarea>
            </>
          ) : (
            <>
              <label for={fieldId('share', 'organizations')}>Organizations (slugs, one a line, e.g. county-kern)</label>
              {fieldError(props, 'share', 'organizations').message}
              <textarea id={fieldId('share', 'organizations')} name="organizations" class="short" {...fieldError(props, 'share', 'organizations').attrs}>
                {sub('share', 'organizations')}
              </textarea>
              <p>
                <input type="checkbox" id={fieldId('share', 'routingTargets')} name="routingTargets" value="1" checked={sub('share', 'routingTargets') === '1'} />{' '}
                <label class="inline" for={fieldId('share', 'routingTargets')}>
                  Also share with the routing targets that may not see it now
                </label>
              </p>
            </>
          )}
          <p>
            <button type="submit">Share</button>
          </p>
        </form>
      )}
      {a.tlps.length > 0 && (
        <form method="post" action={action('tlp')} class="action" aria-labelledby="ia-tlp-heading">
          <CsrfField token={csrf} />
          <h3 id="ia-tlp-heading">Change the TLP label</h3>
          <p class="muted">{`Now ${TLP_TEXT[row.tlp]}.`}</p>
          <label for={fieldId('tlp', 'tlp')}>{FIELD_LABEL.tlp.tlp}</label>
          {fieldError(props, 'tlp', 'tlp').message}
          <select id={fieldId('tlp', 'tlp')} name="tlp" {...fieldError(props, 'tlp', 'tlp').attrs}>
            {a.tlps.map((t) => (
              <option value={t} selected={sub('tlp', 'tlp') === t}>
                {TLP_TEXT[t]}
              </option>
            ))}
          </select>
          {a.tlps.includes('RED') && (
            <>
              <label for={fieldId('tlp', 'recipients')}>Named recipients for TLP:RED (e-mail addresses, one a line)</label>
              {fieldError(props, 'tlp', 'recipients').message}
              <textarea id={fieldId('tlp', 'recipients')} name="recipients" class="short" {...fieldError(props, 'tlp', 'recipients').attrs}>
                {sub('tlp', 'recipients')}
              </textarea>
            </>
          )}
          <p>
            <button type="submit">Change TLP label</button>
          </p>
        </form>
      )}
      {a.les && (
        <form method="post" action={action('les')} class="action" aria-labelledby="ia-les-heading">
          <CsrfField token={csrf} />
          <h3 id="ia-les-heading">Law-enforcement sensitive</h3>
          <p class="muted">
            {row.law_enforcement_sensitive
              ? 'Now law-enforcement sensitive: only law enforcement and the reporting organization see it.'
              : 'Now not law-enforcement sensitive.'}
          </p>
          {fieldError(props, 'les', 'value').message}
          <input type="hidden" name="value" value={row.law_enforcement_sensitive ? 'false' : 'true'} />
          <p>
            <button type="submit" id={fieldId('les', 'value')} {...fieldError(props, 'les', 'value').attrs}>
              {row.law_enforcement_sensitive ? 'Clear the law-enforcement-sensitive flag' : 'Mark law-enforcement sensitive'}
            </button>
          </p>
        </form>
      )}
      {a.merge && (
        <form method="post" action={action('merge')} class="action" aria-labelledby="ia-merge-heading">
          <CsrfField token={csrf} />
          <h3 id="ia-merge-heading">Merge as a duplicate</h3>
          <label for={fieldId('merge', 'into')}>{FIELD_LABEL.merge.into}</label>
          {fieldError(props, 'merge', 'into').message}
          <input type="text" id={fieldId('merge', 'into')} name="into" value={sub('merge', 'into')} placeholder="ESTF-2026-00042" required {...fieldError(props, 'merge', 'into').attrs} />
          <p>
            <button type="submit">Merge into that incident</button>
          </p>
        </form>
      )}
      {a.edit && (
        <form method="post" action={action('edit')} class="action edit" aria-labelledby="ia-edit-heading" id="edit">
          <CsrfField token={csrf} />
          <h3 id="ia-edit-heading">{a.edit === 'all' ? 'Edit' : 'Change severity'}</h3>
          {/* Optimistic concurrency: the version read, and the values as read (to say what others changed). */}
          <input type="hidden" name="version" value={sub('edit', 'version', String(row.version))} />
          <input type="hidden" name="was_severity" value={sub('edit', 'was_severity', row.severity)} />
          <label for={fieldId('edit', 'severity')}>{FIELD_LABEL.edit.severity}</label>
          {fieldError(props, 'edit', 'severity').message}
          <select id={fieldId('edit', 'severity')} name="severity" {...fieldError(props, 'edit', 'severity').attrs}>
            {SEVERITIES.map((s) => (
              <option value={s} selected={sub('edit', 'severity', row.severity) === s}>
                {s}
              </option>
            ))}
          </select>
          {a.edit === 'all' && (
            <>
              <input type="hidden" name="was_title" value={sub('edit', 'was_title', row.title)} />
              <input type="hidden" name="was_summary" value={sub('edit', 'was_summary', row.summary)} />
              <input type="hidden" name="was_category" value={sub('edit', 'was_category', row.category)} />
              <input type="hidden" name="was_affectedCounties" value={sub('edit', 'was_affectedCounties', lines(props.countySlugs))} />
              <label for={fieldId('edit', 'title')}>{`Title (at most ${LIMITS.title} characters)`}</label>
              {fieldError(props, 'edit', 'title').message}
              <input type="text" id={fieldId('edit', 'title')} name="title" value={sub('edit', 'title', row.title)} required {...fieldError(props, 'edit', 'title').attrs} />
              <label for={fieldId('edit', 'summary')}>{FIELD_LABEL.edit.summary}</label>
              {fieldError(props, 'edit', 'summary').message}
              <textarea id={fieldId('edit', 'summary')} name="summary" {...fieldError(props, 'edit', 'summary').attrs}>
                {sub('edit', 'summary', row.summary)}
              </textarea>
              <label for={fieldId('edit', 'category')}>{FIELD_LABEL.edit.category}</label>
              {fieldError(props, 'edit', 'category').message}
              <select id={fieldId('edit', 'category')} name="category" {...fieldError(props, 'edit', 'category').attrs}>
                {byDomain.map((g) => (
                  <optgroup label={words(g.domain)}>
                    {g.categories.map((c) => (
                      <option value={c} selected={sub('edit', 'category', row.category) === c}>
                        {words(c)}
                      </option>
                    ))}
                  </optgroup>
                ))}
              </select>
              <label for={fieldId('edit', 'affectedCounties')}>Affected counties (slugs, one a line, e.g. county-orange)</label>
              {fieldError(props, 'edit', 'affectedCounties').message}
              <textarea id={fieldId('edit', 'affectedCounties')} name="affectedCounties" class="short" {...fieldError(props, 'edit', 'affectedCounties').attrs}>
                {sub('edit', 'affectedCounties', lines(props.countySlugs))}
              </textarea>
            </>
          )}
          <p>
            <button type="submit">{a.edit === 'all' ? 'Save changes' : 'Save severity'}</button>
          </p>
        </form>
      )}
    </section>
  );
}

// ── The posts ─────────────────────────────────────────────────────────────────────────────────────

/** The success message of `?done=<action>`, worded from the incident as it is now. */
export function doneMessage(done: string | undefined, row: IncidentRow, assignee: string | null): string | null {
  switch (done) {
    case 'status':
      return `Status changed: the incident is now ${row.status}.`;
    case 'assign':
      return `Assigned to ${assignee ?? 'the organization'}.`;
    case 'share':
      return 'Shared: the timeline lists who was added.';
    case 'tlp':
      return `TLP label changed: the incident is now ${TLP_TEXT[row.tlp]}.`;
    case 'les':
      return row.law_enforcement_sensitive ? 'Marked law-enforcement sensitive.' : 'The law-enforcement-sensitive flag is cleared.';
    case 'merge':
      return 'Merged: this incident is now a duplicate of the one linked above.';
    case 'edit':
      return `Changes saved (version ${row.version}).`;
    default:
      return null;
  }
}

const splitLines = (v: string) =>
  v
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter(Boolean);

type Form = Record<string, string>;

function readForm(body: Record<string, unknown>): Form {
  const out: Form = {};
  for (const [k, v] of Object.entries(body)) if (typeof v === 'string' && k !== '_csrf') out[k] = v;
  return out;
}

/** The page's renderer, handed in by incidents.pages.tsx (which owns the page and its reads). */
export type RenderIncident = (
  c: Context<ConsoleEnv>,
  id: string,
  state: { error?: ActionError; submitted?: Submitted; conflict?: EditConflict },
  status: 400 | 403 | 409,
) => Promise<Response>;

export function registerIncidentActions(
  app: Hono<ConsoleEnv>,
  services: Services,
  render: RenderIncident,
  notFound: (c: Context<ConsoleEnv>) => Response,
  goneForYou: (c: Context<ConsoleEnv>, what: string) => Response,
): void {
  const principalOf = (c: Context<ConsoleEnv>) => c.get('session')!.principal;

  /** One action: run it through the service; redirect on success; otherwise the page with the error. */
  function post(name: ActionName, run: (p: UserPrincipal, id: string, f: Form) => Promise<unknown>) {
    app.post(`/incidents/:id/${name}`, async (c) => {
      const id = c.req.param('id');
      const f = readForm(await c.req.parseBody());
      const p = principalOf(c);
      try {
        await run(p, id, f);
      } catch (err) {
        // Hidden and unknown answer alike, writes included.
        if (err instanceof NotFoundError) return notFound(c);
        const submitted: Submitted = { [name]: f };
        if (err instanceof InputError) {
          const message = err.message.startsWith(`${err.field}: `) ? err.message.slice(err.field.length + 2) : err.message;
          return render(c, id, { error: { action: name, field: formField(name, err.field), message }, submitted }, 400);
        }
        if (err instanceof ForbiddenError) return render(c, id, { error: { action: name, field: MAIN_FIELD[name], message: err.message }, submitted }, 403);
        if (err instanceof ConflictError && name === 'edit') {
          const current = await services.incidents.get(p, id);
          if (!current) return notFound(c);
          const counties = await countySlugsOf(p, current);
          return render(c, id, { conflict: conflictOf(current, counties, f), submitted: { edit: { ...f, ...asRead(current, counties) } } }, 409);
        }
        throw err;
      }
      // A change can take the incident out of the actor's sight (a narrower label, the LES flag).
      // (visibleAmong, not get: the page the redirect opens is the read, audited once for RED and LES incidents.)
      if (!(await services.incidents.visibleAmong(p, [id])).has(id)) return goneForYou(c, name);
      return c.redirect(`/console/incidents/${id}?done=${name}#main`, 303);
    });
  }

  async function countySlugsOf(p: UserPrincipal, row: IncidentRow): Promise<string[]> {
    const facts = await services.incidents.accessFacts(p, row);
    if (!facts) return [];
    const orgs = new Map((await services.partners.list(p)).map((o) => [o.id, o.slug]));
    return facts.affectedCountyIds.map((id) => orgs.get(id) ?? '').filter(Boolean).sort();
  }

  /** The values of the edit form as the incident is now: the next save goes over this version. */
  function asRead(row: IncidentRow, counties: string[]): Form {
    return {
      version: String(row.version),
      was_title: row.title,
      was_summary: row.summary,
      was_category: row.category,
      was_severity: row.severity,
      was_affectedCounties: lines(counties),
    };
  }

  /** What others changed since the form was read: its values as read (hidden fields) against the incident now. */
  function conflictOf(current: IncidentRow, counties: string[], f: Form): EditConflict {
    const now: Record<string, string> = {
      title: current.title,
      summary: current.summary,
      category: current.category,
      severity: current.severity,
      affectedCounties: lines(counties),
    };
    const same = (k: string, was: string) => (k === 'affectedCounties' ? lines(splitLines(was).sort()) === now[k] : was.replace(/\r\n/g, '\n') === now[k]);
    const changed: EditConflict['changed'] = [];
    for (const k of ['severity', 'title', 'summary', 'category', 'affectedCounties'] as const) {
      const was = f[`was_${k}`];
      if (was !== undefined && !same(k, was)) changed.push({ label: FIELD_LABEL.edit[k]!, was, now: now[k]! });
    }
    return { sentVersion: Number(f.version), currentVersion: current.version, changed };
  }

  post('status', async (p, id, f) => {
    const to = f.to ?? '';
    if (!(STATUSES as readonly string[]).includes(to)) throw new InputError('to', `choose one of ${STATUSES.join(', ')}`);
    await services.incidents.transition(p, id, to as IncidentStatus, f.note?.trim() ? f.note : null);
  });
  post('assign', async (p, id, f) => {
    if (!f.organization) throw new InputError('organization', 'choose an organization');
    await services.incidents.assign(p, id, f.organization, f.user?.trim() || null);
  });
  post('share', async (p, id, f) => {
    await services.incidents.share(p, id, splitLines(f.organizations ?? ''), splitLines(f.users ?? ''), f.routingTargets === '1');
  });
  post('tlp', async (p, id, f) => {
    const tlp = f.tlp ?? '';
    if (!(TLPS as readonly string[]).includes(tlp)) throw new InputError('tlp', `choose one of ${TLPS.map((t) => TLP_TEXT[t]).join(', ')}`);
    await services.incidents.setTlp(p, id, tlp as Tlp, splitLines(f.recipients ?? ''));
  });
  post('les', async (p, id, f) => {
    if (f.value !== 'true' && f.value !== 'false') throw new InputError('value', 'must be true or false');
    await services.incidents.setLawEnforcementSensitive(p, id, f.value === 'true');
  });
  post('merge', async (p, id, f) => {
    const ref = (f.into ?? '').trim();
    if (!ref) throw new InputError('into', 'give the reference of the incident to merge into, e.g. ESTF-2026-00042');
    // The same answer for an unknown reference and one the user may not see.
    const into = await services.incidents.getByReference(p, ref.toUpperCase());
    if (!into) {
      // Refuse as the service would before looking at the target: who may merge at all comes first.
      if (!isTriageCoordinator(p)) throw new ForbiddenError('Only coordinators may merge incidents.');
      throw new InputError('into', `no incident you can see has the reference ${ref}`);
    }
    await services.incidents.merge(p, id, into.id);
  });
  post('edit', async (p, id, f) => {
    const version = Number(f.version);
    if (!Number.isInteger(version)) throw new InputError('version', 'the form lost its version; reload the incident');
    const input: UpdateIncidentInput = {};
    if (f.severity !== undefined) {
      if (!(SEVERITIES as readonly string[]).includes(f.severity)) throw new InputError('severity', `choose one of ${SEVERITIES.join(', ')}`);
      input.severity = f.severity as Severity;
    }
    if (f.title !== undefined) input.title = f.title;
    if (f.summary !== undefined) input.summary = f.summary;
    if (f.category !== undefined) {
      if (!(CATEGORIES as readonly string[]).includes(f.category)) throw new InputError('category', 'choose a category of the list');
      input.category = f.category as IncidentCategory;
    }
    // Affected counties: sent only when changed (an unchanged list must not look like an edit to a coordinator).
    if (f.affectedCounties !== undefined && lines(splitLines(f.affectedCounties).sort()) !== lines(splitLines(f.was_affectedCounties ?? '').sort())) {
      input.affectedCounties = splitLines(f.affectedCounties);
    }
    await services.incidents.update(p, id, input, version);
  });
}
