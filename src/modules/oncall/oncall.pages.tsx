import type { Context, Hono } from 'hono';
import { canManageOnCallSchedule } from '../../access/policy.js';
import type { UserPrincipal } from '../../access/principal.js';
import { parseInstant } from '../../dates.js';
import { CONTACT_METHOD_KINDS } from '../../domain/delivery.js';
import { ConflictError, ForbiddenError, InputError, NotFoundError, RateLimitedError } from '../../errors.js';
import type { Services } from '../../services.js';
import { pageContext, type ConsoleEnv } from '../../web/console.js';
import { CsrfField, Layout, NotFoundPage, renderPage, type PageContext } from '../../web/layout.js';
import type { OrganizationRow } from '../partners/index.js';
import type { ContactMethodRow } from './oncall.repository.js';
import type { DutyOnCall, OnCallStretch, ScheduleView } from './oncall.service.js';
import { DEFAULT_TIME_ZONE, formatInZone, instantOfLocal, isCalendarDate, normalizeHandoffTime } from './rotation.js';

/**
 * The console's On-call screens: an adapter like oncall.resolvers.ts, calling the same services (dutyBoard,
 * scheduleView, setSchedule, addScheduleOverride, removeScheduleOverride, the contact methods and the test
 * page) with the signed-in principal, so the access policy decides what is shown and what is refused. The
 * edit forms are offered only to whom canManageOnCallSchedule allows; a forged post is refused by the
 * service itself. Plain form posts: they work without JavaScript.
 */

const utc = (d: Date) => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

// ── Forms: what was typed, and the one error the service (or the form) gave ──

interface FieldError {
  field: string;
  message: string;
}

/** A form's controls: the API field → the control's id and label. */
type FieldMap = Record<string, { id: string; label: string }>;

const ROTATION_FIELDS: FieldMap = {
  participants: { id: 'rot-participants', label: 'Participants' },
  shiftLengthHours: { id: 'rot-shift', label: 'Shift length' },
  handoffTime: { id: 'rot-handoff', label: 'Hand-off time' },
  timeZone: { id: 'rot-zone', label: 'Time zone' },
  startDate: { id: 'rot-start', label: 'Start date' },
};
const OVERRIDE_FIELDS: FieldMap = {
  user: { id: 'ov-user', label: 'Who takes over' },
  from: { id: 'ov-from', label: 'From' },
  to: { id: 'ov-to', label: 'Until' },
  zone: { id: 'ov-zone', label: 'Time zone of these times' },
};
const CONTACT_FIELDS: FieldMap = {
  kind: { id: 'cm-kind', label: 'Kind' },
  target: { id: 'cm-target', label: 'Address, URL or number' },
};

/** The control an error belongs to; an error about something without a control (the duty) goes to the first. */
function fieldOf(map: FieldMap, field: string): string {
  const base = field.replace(/^input\./, '').replace(/\[.*$/, '');
  return base in map ? base : Object.keys(map)[0]!;
}

function messageOf(err: InputError): string {
  return err.message.startsWith(`${err.field}: `) ? err.message.slice(err.field.length + 2) : err.message;
}

/** aria attributes and the message shown beside one control. */
function fieldError(map: FieldMap, err: FieldError | null, field: string) {
  const has = err !== null && fieldOf(map, err.field) === field;
  const id = `${map[field]!.id}-error`;
  return {
    attrs: has ? { 'aria-invalid': 'true' as const, 'aria-describedby': id } : {},
    message: has ? (
      <p id={id} class="error">
        {`${map[field]!.label}: ${err!.message}`}
      </p>
    ) : null,
  };
}

/** The focused summary above a refused form (autofocus works without script), linking to the control. */
function ErrorSummary(props: { map: FieldMap; err: FieldError; id: string; title: string }) {
  const f = props.map[fieldOf(props.map, props.err.field)]!;
  return (
    <div class="notice error-summary" role="alert" tabindex={-1} id={props.id} aria-labelledby={`${props.id}-title`} autofocus>
      <h3 id={`${props.id}-title`}>{props.title}</h3>
      <ul>
        <li>
          <a href={`#${f.id}`}>{`${f.label}: ${props.err.message}`}</a>
        </li>
      </ul>
    </div>
  );
}

type Body = Record<string, string | File | (string | File)[]>;
const one = (body: Body, k: string) => {
  const v = body[k];
  const s = Array.isArray(v) ? v[0] : v;
  return typeof s === 'string' ? s : '';
};

/** A datetime-local value (YYYY-MM-DDTHH:MM, seconds optional) on the wall clock of `zone` → the instant. */
function localInstant(value: string, zone: string, field: string): Date {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::(\d{2}))?$/.exec(value.trim());
  if (!value.trim()) throw new InputError(field, 'is required: a date and time, e.g. 2026-11-03T20:15');
  if (!m || !isCalendarDate(m[1]!) || !normalizeHandoffTime(m[2]!) || (m[3] !== undefined && Number(m[3]) > 59)) {
    throw new InputError(field, `"${value}" is not a date and time, e.g. 2026-11-03T20:15`);
  }
  const at = instantOfLocal(m[1]!, m[2]!, zone);
  if (m[3]) at.setTime(at.getTime() + Number(m[3]) * 1000);
  // The API's own rule for instants (src/dates.ts: years 2000 to 2099), so the console accepts what GraphQL does.
  const checked = parseInstant(at.toISOString());
  if (!checked.ok) throw new InputError(field, checked.reason);
  return checked.value;
}

interface RotationForm {
  participants: string;
  shiftLengthHours: string;
  handoffTime: string;
  timeZone: string;
  startDate: string;
}
interface OverrideForm {
  user: string;
  from: string;
  to: string;
  zone: string;
}
interface ContactForm {
  kind: string;
  target: string;
}

const lines = (text: string) => text.split(/[\r\n,;]+/).map((s) => s.trim()).filter(Boolean);

// ── The board: now and next for every duty ──

function Stretch(props: { s: OnCallStretch | null; none: string }) {
  const { s } = props;
  if (!s) return <>{props.none}</>;
  return (
    <>
      {`${s.user.name} (${s.user.email})`}
      {s.source === 'OVERRIDE' ? ', by an override' : ''}
    </>
  );
}

const inZone = (d: Date | null, zone: string, none: string) => (d ? formatInZone(d, zone) : none);

function Board(props: { board: DutyOnCall[] }) {
  return (
    <div class="table-wrap">
      <table aria-describedby="board-caption">
        <thead>
          <tr>
            <th scope="col">Duty</th>
            <th scope="col">On call now</th>
            <th scope="col">Until</th>
            <th scope="col">Next</th>
          </tr>
        </thead>
        <tbody>
          {props.board.map((d) => {
            const zone = d.schedule?.time_zone ?? DEFAULT_TIME_ZONE;
            return (
              <tr>
                <td>
                  <a href={`/console/on-call/${d.organization.slug}/${d.duty.name}`}>{`${d.organization.slug}/${d.duty.name}`}</a>
                  <br />
                  <span class="muted">{d.organization.name}</span>
                </td>
                <td>{d.schedule ? <Stretch s={d.now} none="Nobody" /> : 'No schedule: nobody is paged'}</td>
                <td>{d.now ? inZone(d.now.end, zone, 'further notice') : '–'}</td>
                <td>
                  <Stretch s={d.next} none="–" />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

// ── My contact methods ──

function methodState(m: ContactMethodRow): string {
  if (m.disabled_at) return `Disabled ${utc(m.disabled_at)}${m.disabled_reason ? `: ${m.disabled_reason}` : ''}`;
  if (m.verified_at) return `Verified: a test page or page reached you ${utc(m.verified_at)}`;
  return 'Not verified: send a test page';
}

interface TestOutcome {
  target: string;
  delivered: boolean;
  outcome: string;
  error: string | null;
}

function ContactMethods(props: {
  ctx: PageContext;
  methods: ContactMethodRow[];
  form: ContactForm;
  error: FieldError | null;
  notice: string | null;
  secret: string | null;
  tested: TestOutcome | null;
}) {
  const { ctx, methods, form, error } = props;
  const e = (f: string) => fieldError(CONTACT_FIELDS, error, f);
  return (
    <section aria-labelledby="cm-title">
      <h2 id="cm-title">My contact methods</h2>
      <p class="muted">When you are paged, every method below that is not disabled is used. Send a test page to check that one reaches you.</p>
      <div role="status" id="cm-status">
        {props.notice && <p>{props.notice}</p>}
        {props.tested && (
          <p class={props.tested.delivered ? '' : 'error'}>
            {props.tested.delivered
              ? `Test page delivered to ${props.tested.target}: the method is verified.`
              : `Test page to ${props.tested.target} not delivered (${props.tested.outcome}${props.tested.error ? `: ${props.tested.error}` : ''}).`}
          </p>
        )}
        {props.secret && (
          <p>
            {'Webhook signing secret, shown this once (store it in the receiver now): '}
            <code class="secret">{props.secret}</code>
          </p>
        )}
      </div>
      {methods.length === 0 ? (
        <p>You have no contact methods: pages cannot reach you.</p>
      ) : (
        <ul class="cards">
          {methods.map((m) => (
            <li>
              <p>
                <strong>{m.kind}</strong> <span class="target">{m.target}</span>
              </p>
              <p>{methodState(m)}</p>
              <div class="actions">
                <form method="post" action={`/console/on-call/contact-methods/${m.id}/test`}>
                  <CsrfField token={ctx.csrfToken} />
                  <button type="submit" aria-label={`Send a test page to ${m.target}`}>
                    Send a test page
                  </button>
                </form>
                <form method="post" action={`/console/on-call/contact-methods/${m.id}/remove`}>
                  <CsrfField token={ctx.csrfToken} />
                  <button type="submit" class="secondary" aria-label={`Remove ${m.target}`}>
                    Remove
                  </button>
                </form>
              </div>
            </li>
          ))}
        </ul>
      )}
      <h3 id="cm-add-title">Add a contact method</h3>
      {error && <ErrorSummary map={CONTACT_FIELDS} err={error} id="cm-errors" title="The contact method was not added" />}
      <form method="post" action="/console/on-call/contact-methods" aria-labelledby="cm-add-title" novalidate>
        <CsrfField token={ctx.csrfToken} />
        <div>
          <label for="cm-kind">Kind</label>
          {e('kind').message}
          <select id="cm-kind" name="kind" {...e('kind').attrs}>
            {CONTACT_METHOD_KINDS.map((k) => (
              <option value={k} selected={form.kind === k}>
                {k === 'EMAIL' ? 'E-mail' : k === 'SMS' ? 'SMS (E.164 number)' : 'Webhook (https URL)'}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="cm-target">Address, URL or number</label>
          {e('target').message}
          <input type="text" id="cm-target" name="target" value={form.target} autocomplete="off" {...e('target').attrs} />
        </div>
        <p>
          <button type="submit">Add contact method</button>
        </p>
      </form>
    </section>
  );
}

interface OnCallPageProps {
  ctx: PageContext;
  organizations: OrganizationRow[];
  selected: string;
  board: DutyOnCall[];
  problem: string | null;
  methods: ContactMethodRow[];
  contactForm: ContactForm;
  contactError: FieldError | null;
  notice: string | null;
  secret: string | null;
  tested: TestOutcome | null;
}

function OnCallPage(props: OnCallPageProps) {
  const p = props.ctx.principal!;
  return (
    <Layout title={props.contactError ? 'Error: On-call' : 'On-call'} ctx={props.ctx}>
      <h1>On-call</h1>
      <section aria-labelledby="board-title">
        <h2 id="board-title">Who is on call, now and next</h2>
        <form method="get" action="/console/on-call" class="filters" role="search" aria-label="Choose duties">
          <div>
            <label for="oc-organization">Organization</label>
            <select id="oc-organization" name="organization">
              <option value="" selected={props.selected === ''}>{`Mine (${p.organization.name})`}</option>
              <option value="all" selected={props.selected === 'all'}>
                Every partner
              </option>
              {props.organizations.map((o) => (
                <option value={o.slug} selected={props.selected === o.slug}>
                  {o.name}
                </option>
              ))}
            </select>
          </div>
          <div>
            <button type="submit">Show duties</button>
          </div>
        </form>
        {props.problem && (
          <p class="notice error" role="alert">
            {props.problem}
          </p>
        )}
        <p id="board-caption">
          {props.board.length === 1 ? '1 duty' : `${props.board.length} duties`}. Times are in each schedule's time zone. Open a duty for its schedule and overrides.
        </p>
        {props.board.length > 0 && <Board board={props.board} />}
      </section>
      <ContactMethods
        ctx={props.ctx}
        methods={props.methods}
        form={props.contactForm}
        error={props.contactError}
        notice={props.notice}
        secret={props.secret}
        tested={props.tested}
      />
    </Layout>
  );
}

// ── One duty: schedule, overrides, and the forms for whom may edit them ──

function RotationFormView(props: { ctx: PageContext; view: ScheduleView; form: RotationForm; error: FieldError | null }) {
  const { form, error, view } = props;
  const e = (f: string) => fieldError(ROTATION_FIELDS, error, f);
  const action = `/console/on-call/${view.organization.slug}/${view.duty.name}/rotation`;
  return (
    <section aria-labelledby="rot-title">
      <h2 id="rot-title">{view.schedule ? 'Change the rotation' : 'Create the schedule'}</h2>
      {error && <ErrorSummary map={ROTATION_FIELDS} err={error} id="rot-errors" title="The rotation was not saved" />}
      <form method="post" action={action} novalidate>
        <CsrfField token={props.ctx.csrfToken} />
        <p class="muted">Overrides are kept when the rotation changes.</p>
        <div>
          <label for="rot-participants">{`Participants: e-mail addresses of ${view.organization.name} users, one a line, in rotation order`}</label>
          {e('participants').message}
          <textarea id="rot-participants" name="participants" {...e('participants').attrs}>
            {form.participants}
          </textarea>
        </div>
        <div>
          <label for="rot-shift">Shift length in hours (24 = daily, 168 = weekly)</label>
          {e('shiftLengthHours').message}
          <input type="number" id="rot-shift" name="shiftLengthHours" min="1" max="672" step="1" value={form.shiftLengthHours} {...e('shiftLengthHours').attrs} />
        </div>
        <div>
          <label for="rot-handoff">Hand-off time (24-hour HH:MM, local to the time zone)</label>
          {e('handoffTime').message}
          <input type="time" id="rot-handoff" name="handoffTime" value={form.handoffTime} {...e('handoffTime').attrs} />
        </div>
        <div>
          <label for="rot-zone">Time zone (IANA, e.g. America/Los_Angeles)</label>
          {e('timeZone').message}
          <input type="text" id="rot-zone" name="timeZone" value={form.timeZone} {...e('timeZone').attrs} />
        </div>
        <div>
          <label for="rot-start">Start date: the first participant's first shift begins that day at the hand-off (empty: today)</label>
          {e('startDate').message}
          <input type="date" id="rot-start" name="startDate" value={form.startDate} {...e('startDate').attrs} />
        </div>
        <p>
          <button type="submit">Save rotation</button>
        </p>
      </form>
    </section>
  );
}

function OverrideFormView(props: { ctx: PageContext; view: ScheduleView; form: OverrideForm; error: FieldError | null }) {
  const { form, error, view } = props;
  const e = (f: string) => fieldError(OVERRIDE_FIELDS, error, f);
  const zone = view.schedule?.time_zone ?? DEFAULT_TIME_ZONE;
  const zones = [...new Set([zone, 'UTC'])];
  return (
    <section aria-labelledby="ov-title">
      <h2 id="ov-title">Add an override</h2>
      {error && <ErrorSummary map={OVERRIDE_FIELDS} err={error} id="ov-errors" title="The override was not added" />}
      <form method="post" action={`/console/on-call/${view.organization.slug}/${view.duty.name}/overrides`} novalidate>
        <CsrfField token={props.ctx.csrfToken} />
        <p class="muted">Someone takes the duty for a while, over the rotation (a swap, a holiday). Where overrides overlap, the latest added wins.</p>
        <div>
          <label for="ov-user">{`Who takes over: the e-mail address of a ${view.organization.name} user`}</label>
          {e('user').message}
          <input type="text" id="ov-user" name="user" value={form.user} list="ov-people" autocomplete="off" {...e('user').attrs} />
          <datalist id="ov-people">
            {view.participants.map((u) => (
              <option value={u.email}>{u.name}</option>
            ))}
          </datalist>
        </div>
        <div>
          <label for="ov-from">From</label>
          {e('from').message}
          <input type="datetime-local" id="ov-from" name="from" value={form.from} {...e('from').attrs} />
        </div>
        <div>
          <label for="ov-to">Until</label>
          {e('to').message}
          <input type="datetime-local" id="ov-to" name="to" value={form.to} {...e('to').attrs} />
        </div>
        <div>
          <label for="ov-zone">Time zone of these times</label>
          {e('zone').message}
          <select id="ov-zone" name="zone" {...e('zone').attrs}>
            {zones.map((z) => (
              <option value={z} selected={form.zone === z}>
                {z}
              </option>
            ))}
          </select>
        </div>
        <p>
          <button type="submit">Add override</button>
        </p>
      </form>
    </section>
  );
}

const SAVED: Record<string, string> = {
  rotation: 'The rotation is saved.',
  override: 'The override is added.',
  removed: 'The override is removed: the rotation (or an earlier override) applies again.',
};

function DutyPage(props: {
  ctx: PageContext;
  view: ScheduleView;
  canEdit: boolean;
  saved: string | null;
  rotationForm: RotationForm;
  rotationError: FieldError | null;
  overrideForm: OverrideForm;
  overrideError: FieldError | null;
}) {
  const { view, ctx } = props;
  const s = view.schedule;
  const zone = s?.time_zone ?? DEFAULT_TIME_ZONE;
  const title = `${view.organization.slug}/${view.duty.name}`;
  const hasError = props.rotationError || props.overrideError;
  return (
    <Layout title={hasError ? `Error: On-call ${title}` : `On-call ${title}`} ctx={ctx}>
      <p>
        <a href={`/console/on-call?organization=${encodeURIComponent(view.organization.slug)}`}>{`On-call of ${view.organization.name}`}</a>
      </p>
      <h1>{`On-call: ${title}`}</h1>
      <p>{`${view.organization.name}${view.duty.description ? `: ${view.duty.description}` : ''}`}</p>
      <div role="status">{props.saved && SAVED[props.saved] && <p>{SAVED[props.saved]}</p>}</div>
      {!s ? (
        <p>This duty has no schedule: nobody is paged for it.</p>
      ) : (
        <>
          <section aria-labelledby="next-title">
            <h2 id="next-title">Now and next</h2>
            {view.upcoming.length === 0 ? (
              <p>Nobody is on call.</p>
            ) : (
              <ol class="cards">
                {view.upcoming.map((x, i) => (
                  <li>
                    <strong>{i === 0 ? 'Now: ' : 'Then: '}</strong>
                    {`${x.user.name} (${x.user.email}), ${x.source === 'OVERRIDE' ? 'by an override' : 'by the rotation'}, `}
                    {`from ${inZone(x.start, zone, 'before')} until ${inZone(x.end, zone, 'further notice')}`}
                  </li>
                ))}
              </ol>
            )}
          </section>
          <section aria-labelledby="sched-title">
            <h2 id="sched-title">Rotation</h2>
            <dl class="facts">
              <dt>Time zone</dt>
              <dd>{s.time_zone}</dd>
              <dt>Shift length</dt>
              <dd>{`${s.shift_length_hours} hours`}</dd>
              <dt>Hand-off</dt>
              <dd>{s.handoff_time}</dd>
              <dt>Start date</dt>
              <dd>{s.start_date}</dd>
            </dl>
            <h3 id="people-title">Participants, in rotation order</h3>
            <ol aria-labelledby="people-title">
              {view.participants.map((u) => (
                <li>{`${u.name} (${u.email})${u.active ? '' : ' [deactivated]'}`}</li>
              ))}
            </ol>
          </section>
          <section aria-labelledby="overrides-title">
            <h2 id="overrides-title">Overrides not over yet</h2>
            {view.overrides.length === 0 ? (
              <p>None.</p>
            ) : (
              <ul class="cards">
                {view.overrides.map((o) => {
                  const who = o.user ? `${o.user.name} (${o.user.email})` : 'a removed user';
                  return (
                    <li>
                      <p>{`${who}, from ${formatInZone(o.starts_at, zone)} until ${formatInZone(o.ends_at, zone)}`}</p>
                      {props.canEdit && (
                        <form method="post" action={`/console/on-call/${view.organization.slug}/${view.duty.name}/overrides/${o.id}/remove`}>
                          <CsrfField token={ctx.csrfToken} />
                          <button type="submit" class="secondary" aria-label={`Remove the override of ${who} from ${formatInZone(o.starts_at, zone)}`}>
                            Remove
                          </button>
                        </form>
                      )}
                    </li>
                  );
                })}
              </ul>
            )}
          </section>
        </>
      )}
      {props.canEdit ? (
        <>
          <RotationFormView ctx={ctx} view={view} form={props.rotationForm} error={props.rotationError} />
          {s && <OverrideFormView ctx={ctx} view={view} form={props.overrideForm} error={props.overrideError} />}
        </>
      ) : (
        <p class="muted">{`Only an ORG_ADMIN of ${view.organization.name} or a coordinator may change this schedule.`}</p>
      )}
    </Layout>
  );
}

function rotationFormOf(view: ScheduleView): RotationForm {
  const s = view.schedule;
  return {
    participants: view.participants.map((u) => u.email).join('\n'),
    shiftLengthHours: s ? String(s.shift_length_hours) : '24',
    handoffTime: s?.handoff_time ?? '09:00',
    timeZone: s?.time_zone ?? DEFAULT_TIME_ZONE,
    startDate: s?.start_date ?? '',
  };
}

const emptyOverride = (view: ScheduleView): OverrideForm => ({ user: '', from: '', to: '', zone: view.schedule?.time_zone ?? DEFAULT_TIME_ZONE });

function ForbiddenPage(props: { ctx: PageContext; what: string }) {
  return (
    <Layout title="Not allowed" ctx={props.ctx}>
      <h1>Not allowed</h1>
      <p>{props.what}</p>
    </Layout>
  );
}

export function registerOncallPages(app: Hono<ConsoleEnv>, services: Services): void {
  const principalOf = (c: Context<ConsoleEnv>): UserPrincipal => c.get('session')!.principal;

  async function onCallPage(
    c: Context<ConsoleEnv>,
    extra: Partial<Pick<OnCallPageProps, 'contactForm' | 'contactError' | 'notice' | 'secret' | 'tested'>> = {},
    status: 200 | 400 | 404 | 429 = 200,
  ) {
    const principal = principalOf(c);
    const selected = (c.req.query('organization') ?? '').trim();
    const organizations = await services.partners.list(principal);
    let problem: string | null = null;
    let slugs: string[] | null = [principal.organization.slug];
    if (selected === 'all') slugs = null;
    else if (selected) {
      if (organizations.some((o) => o.slug === selected)) slugs = [selected];
      else {
        problem = `There is no organization "${selected}": showing yours.`;
        status = 404;
      }
    }
    const board = await services.oncall.dutyBoard(principal, slugs);
    const methods = await services.oncall.contactMethods(principal, principal.email);
    return c.html(
      renderPage(
        <OnCallPage
          ctx={pageContext(c)}
          organizations={organizations}
          selected={problem ? '' : selected}
          board={board}
          problem={problem}
          methods={methods}
          contactForm={extra.contactForm ?? { kind: 'EMAIL', target: '' }}
          contactError={extra.contactError ?? null}
          notice={extra.notice ?? null}
          secret={extra.secret ?? null}
          tested={extra.tested ?? null}
        />,
      ),
      status,
    );
  }

  const CONTACT_NOTICE: Record<string, string> = { added: 'The contact method is added. Send it a test page to verify it.', removed: 'The contact method is removed: pages no longer use it.' };

  app.get('/on-call', (c) => onCallPage(c, { notice: CONTACT_NOTICE[c.req.query('contact') ?? ''] ?? null }));

  // Always for the signed-in user themself: the console manages one's own contact methods.
  app.post('/on-call/contact-methods', async (c) => {
    const body = await c.req.parseBody();
    const form: ContactForm = { kind: one(body, 'kind'), target: one(body, 'target') };
    const principal = principalOf(c);
    try {
      const added = await services.oncall.addContactMethod(principal, { email: principal.email, kind: form.kind, target: form.target });
      // A webhook's secret is shown once, on this answer: never in a URL.
      if (added.webhookSecret) return onCallPage(c, { notice: CONTACT_NOTICE.added!, secret: added.webhookSecret });
      return c.redirect('/console/on-call?contact=added', 303);
    } catch (err) {
      if (err instanceof InputError) return onCallPage(c, { contactForm: form, contactError: { field: err.field, message: messageOf(err) } }, 400);
      if (err instanceof ConflictError) return onCallPage(c, { contactForm: form, contactError: { field: 'target', message: 'you already have this contact method' } }, 400);
      throw err;
    }
  });

  app.post('/on-call/contact-methods/:id/remove', async (c) => {
    try {
      await services.oncall.removeContactMethod(principalOf(c), c.req.param('id'));
    } catch (err) {
      if (err instanceof NotFoundError) return c.html(renderPage(<NotFoundPage ctx={pageContext(c)} what="contact method" />), 404);
      throw err;
    }
    return c.redirect('/console/on-call?contact=removed', 303);
  });

  // The same use case as the sendTestPage mutation; its outcome is shown on this answer.
  app.post('/on-call/contact-methods/:id/test', async (c) => {
    try {
      const r = await services.testPages.sendTestPage(principalOf(c), c.req.param('id'));
      return onCallPage(c, { tested: { target: r.contactMethod.target, delivered: r.delivered, outcome: r.outcome, error: r.error } });
    } catch (err) {
      if (err instanceof NotFoundError) return c.html(renderPage(<NotFoundPage ctx={pageContext(c)} what="contact method" />), 404);
      if (err instanceof InputError) return onCallPage(c, { notice: messageOf(err) }, 400);
      if (err instanceof RateLimitedError) return onCallPage(c, { notice: err.message }, 429);
      throw err;
    }
  });

  /** The duty page, or null when there is no such duty (NOT_FOUND from the service). */
  async function viewOf(c: Context<ConsoleEnv>): Promise<ScheduleView | null> {
    try {
      return await services.oncall.scheduleView(principalOf(c), c.req.param('org')!, c.req.param('duty')!);
    } catch (err) {
      if (err instanceof NotFoundError) return null;
      throw err;
    }
  }

  const dutyPage = (
    c: Context<ConsoleEnv>,
    view: ScheduleView,
    opts: { saved?: string | null; rotationForm?: RotationForm; rotationError?: FieldError | null; overrideForm?: OverrideForm; overrideError?: FieldError | null },
    status: 200 | 400 = 200,
  ) =>
    c.html(
      renderPage(
        <DutyPage
          ctx={pageContext(c)}
          view={view}
          canEdit={canManageOnCallSchedule(principalOf(c), view.organization.id)}
          saved={opts.saved ?? null}
          rotationForm={opts.rotationForm ?? rotationFormOf(view)}
          rotationError={opts.rotationError ?? null}
          overrideForm={opts.overrideForm ?? emptyOverride(view)}
          overrideError={opts.overrideError ?? null}
        />,
      ),
      status,
    );

  const notFound = (c: Context<ConsoleEnv>) => c.html(renderPage(<NotFoundPage ctx={pageContext(c)} what="duty" />), 404);
  const forbidden = (c: Context<ConsoleEnv>, view: ScheduleView) =>
    c.html(renderPage(<ForbiddenPage ctx={pageContext(c)} what={`Only an ORG_ADMIN of ${view.organization.name} or a coordinator may change its on-call schedules.`} />), 403);

  app.get('/on-call/:org/:duty', async (c) => {
    const view = await viewOf(c);
    if (!view) return notFound(c);
    return dutyPage(c, view, { saved: c.req.query('saved') ?? null });
  });

  // setSchedule, as the mutation: the service checks the right (a forged post is refused there) and
  // writes the rotation and its audit entry in one transaction.
  app.post('/on-call/:org/:duty/rotation', async (c) => {
    const view = await viewOf(c);
    if (!view) return notFound(c);
    const body = await c.req.parseBody();
    const form: RotationForm = {
      participants: one(body, 'participants'),
      shiftLengthHours: one(body, 'shiftLengthHours'),
      handoffTime: one(body, 'handoffTime'),
      timeZone: one(body, 'timeZone'),
      startDate: one(body, 'startDate'),
    };
    try {
      const hours = form.shiftLengthHours.trim();
      if (!/^\d{1,4}$/.test(hours)) throw new InputError('shiftLengthHours', `"${form.shiftLengthHours}" is not a whole number of hours from 1 to 672`);
      await services.oncall.setSchedule(principalOf(c), {
        organization: view.organization.slug,
        duty: view.duty.name,
        participants: lines(form.participants),
        shiftLengthHours: Number(hours),
        handoffTime: form.handoffTime,
        timeZone: form.timeZone,
        startDate: form.startDate,
      });
    } catch (err) {
      if (err instanceof ForbiddenError) return forbidden(c, view);
      if (err instanceof InputError) return dutyPage(c, view, { rotationForm: form, rotationError: { field: err.field, message: messageOf(err) } }, 400);
      throw err;
    }
    return c.redirect(`/console/on-call/${view.organization.slug}/${view.duty.name}?saved=rotation`, 303);
  });

  app.post('/on-call/:org/:duty/overrides', async (c) => {
    const view = await viewOf(c);
    if (!view) return notFound(c);
    const body = await c.req.parseBody();
    const form: OverrideForm = { user: one(body, 'user'), from: one(body, 'from'), to: one(body, 'to'), zone: one(body, 'zone') };
    try {
      const zone = form.zone || view.schedule?.time_zone || DEFAULT_TIME_ZONE;
      if (zone !== 'UTC' && zone !== (view.schedule?.time_zone ?? DEFAULT_TIME_ZONE)) throw new InputError('zone', 'choose one of the listed time zones');
      if (!form.user.trim()) throw new InputError('user', 'is required: the e-mail address of the person taking over');
      await services.oncall.addScheduleOverride(principalOf(c), {
        organization: view.organization.slug,
        duty: view.duty.name,
        user: form.user,
        from: localInstant(form.from, zone, 'from'),
        to: localInstant(form.to, zone, 'to'),
      });
    } catch (err) {
      if (err instanceof ForbiddenError) return forbidden(c, view);
      if (err instanceof InputError) return dutyPage(c, view, { overrideForm: form, overrideError: { field: err.field, message: messageOf(err) } }, 400);
      throw err;
    }
    return c.redirect(`/console/on-call/${view.organization.slug}/${view.duty.name}?saved=override`, 303);
  });

  app.post('/on-call/:org/:duty/overrides/:id/remove', async (c) => {
    const view = await viewOf(c);
    if (!view) return notFound(c);
    // Only an override of this duty: another duty's id under this URL is not found, like an unknown one.
    if (!view.overrides.some((o) => o.id === c.req.param('id'))) return c.html(renderPage(<NotFoundPage ctx={pageContext(c)} what="override" />), 404);
    try {
      await services.oncall.removeScheduleOverride(principalOf(c), c.req.param('id'));
    } catch (err) {
      if (err instanceof ForbiddenError) return forbidden(c, view);
      if (err instanceof NotFoundError) return c.html(renderPage(<NotFoundPage ctx={pageContext(c)} what="override" />), 404);
      throw err;
    }
    return c.redirect(`/console/on-call/${view.organization.slug}/${view.duty.name}?saved=removed`, 303);
  });
}
