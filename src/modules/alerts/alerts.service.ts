import { canSeeIncident, visibleIncidents } from '../../access/incidents.js';
import { canSeeIndicatorAlert } from '../../access/indicators.js';
import type { Principal, UserPrincipal } from '../../access/principal.js';
import { InputError, UnauthenticatedError } from '../../errors.js';
import type { Db } from '../../infra/db.js';
import { createLoaders, type Loaders } from '../../graphql/loaders.js';
import { MAX_BATCH } from '../indicators/index.js';
import type { IncidentFilterBySlug } from '../incidents/index.js';
import { countIncidentEvents, countIndicatorAlerts, listIncidentEvents, listIndicatorAlerts } from './alerts.repository.js';
import {
  compileEventFilter,
  incidentEventSource,
  incidentEventsOf,
  matchesEventFilter,
  type IncidentEventFilterInput,
  type IncidentEventModel,
} from './incident-events.js';
import {
  alertCursor,
  compileIndicatorAlertFilter,
  indicatorAlertSource,
  indicatorAlertsOf,
  indicatorAlertVisibility,
  matchesIndicatorAlertFilter,
  parseAlertCursor,
  type IndicatorAlertFilterInput,
  type IndicatorAlertModel,
} from './indicator-alerts.js';
import { accessEventSource, type AccessEvent } from './access-events.js';
import { pageEventSource, type PageEvent } from './page-events.js';
import { consoleLiveToken } from '../sessions/index.js';
import { lastEventId, listEventLogAfter, type EventLogRow } from './alerts.repository.js';
import type { EventLog, LiveBus, LiveSource } from '../../live/bus.js';
import type { LiveSession, SessionKeeper } from '../../live/sessions.js';
import { LiveStream, MAX_PENDING_EVENTS, type CatchUpHint, type StreamItem } from '../../live/stream.js';

/**
 * Alerts: what partners receive about incidents and indicators as it happens (live subscriptions over SSE
 * and WebSocket) and after the fact (`events(after:)`, `indicatorAlerts(after:)`: the catch-up over the same
 * ordered log). Every event is checked against the subscriber's rights of the moment: the token is
 * authenticated again every few seconds, and what each event is about (the incident; the report, sighting or
 * correlated incident) is read fresh and checked with the policy's in-memory form at delivery.
 */

export interface IncidentEventPage {
  nodes: IncidentEventModel[];
  hasNextPage: boolean;
  totalCount: () => Promise<number>;
}

export interface IndicatorAlertPage {
  nodes: IndicatorAlertModel[];
  hasNextPage: boolean;
  /** The cursor of the page's last alert (null: an empty page). */
  endCursor: string | null;
  totalCount: () => Promise<number>;
}

export type AlertsService = ReturnType<typeof createAlertsService>;

const BUS_READY_TIMEOUT_MS = 5_000;

/** Where a subscriber of incident events that fell behind catches up. */
const incidentCatchUp: CatchUpHint<{ cursor: number }> = (last) => `events(after:)${last === null ? '' : ` after "${last.cursor}"`}`;

/** Cursors are outbox ids, handed out as decimal strings. */
export function parseEventCursor(after: string): number {
  if (!/^\d{1,15}$/.test(after)) throw new InputError('after', 'is not a cursor of an event');
  return Number(after);
}

/** The ordered log live events come from (the outbox), for the live bus (src/live/bus.ts). */
export function liveEventLog(db: Db): EventLog<EventLogRow> {
  return { lastCursor: () => lastEventId(db), after: (cursor, families, limit) => listEventLogAfter(db, cursor, families, limit) };
}

/**
 * The topic families (the part of a topic before its first dot) with live subscribers: the relay publishes
 * these on the bus. `access` carries revoked tokens and deactivated users: in the same ordered stream as
 * the events, so that no event committed after a revocation reaches the revoked streams.
 */
export const LIVE_FAMILIES: ReadonlySet<string> = new Set(['incident', 'indicator', 'access', 'page']);

/** Which events the live bus carries, by topic family, and how each is read: the domain side of the bus. */
export function liveSources(db: Db): Record<'incident' | 'indicator' | 'access' | 'page', LiveSource<{ cursor: number }, EventLogRow>> {
  return { incident: incidentEventSource(db), indicator: indicatorAlertSource(db), access: accessEventSource(db), page: pageEventSource(db) };
}

/**
 * `live`: the process's live bus and the keeper of its long-lived tokens (src/live/), built by the
 * composition root (src/deps.ts); null where nothing is streamed (commands, tests of the catch-up).
 */
export function createAlertsService(deps: { db: Db; live: { bus: LiveBus; sessions: SessionKeeper } | null }) {
  const { db } = deps;
  // Only ended from here (shutdown): any stream will do, whatever its events.
  const streams = new Set<{ end(): void }>();
  let listening = false;
  let closing = false;

  function live(): { bus: LiveBus; sessions: SessionKeeper } {
    if (!deps.live) throw new Error('live events are unavailable in this process');
    return deps.live;
  }

  // Listened to on the first subscription: the bus connects to Redis then (worker-only processes and idle
  // API processes hold no Redis subscriber).
  function liveBus(): LiveBus {
    const { bus, sessions } = live();
    if (listening) return bus;
    listening = true;
    // A revocation ends the streams it concerns before any later event is dispatched (same ordered stream);
    // the periodic re-authentication is the safety net (expiry, a deactivated organization, a lost message).
    bus.listen<AccessEvent>('access', (e) => {
      // A console session signed out or revoked: its own streams only.
      if (e.sessionId !== null) sessions.endToken(consoleLiveToken(e.sessionId));
      else sessions.endWhere((p) => p.userId === e.userId && (e.tokenPrefix === null || p.tokenPrefix === e.tokenPrefix));
    });
    return bus;
  }

  /** Keeps a long-lived connection's token under watch (the WebSocket transport closes the socket on end). */
  function openSession(token: string, principal: UserPrincipal): LiveSession {
    liveBus();
    return live().sessions.open(token, principal, principal);
  }

  /**
   * A live stream of one topic family's events, from now on: those `accept` passes for the principal of the
   * moment. `token` is the credential the principal came from: it is authenticated again every few
   * seconds, and the stream ends with UNAUTHENTICATED once it no longer works.
   */
  async function openStream<E extends { cursor: number }>(
    family: string,
    principal: UserPrincipal,
    token: string | null,
    accept: (p: UserPrincipal, event: E) => boolean,
    limits: { maxPending?: number; catchUp?: CatchUpHint<E> } = {},
  ): Promise<AsyncIterableIterator<StreamItem<E>>> {
    if (!token) throw new UnauthenticatedError();
    if (closing) throw new Error('the server is shutting down');
    const bus = liveBus();
    const session = live().sessions.open(token, principal, principal);
    let unlisten = () => {};
    let cancelEnd = () => {};
    const stream = new LiveStream<E>(
      () => {
        unlisten();
        cancelEnd();
        session.release();
        streams.delete(stream);
      },
      limits.catchUp ?? (incidentCatchUp as CatchUpHint<E>),
      limits.maxPending,
    );
    streams.add(stream);
    cancelEnd = session.onEnd(() =>
      stream.end(new UnauthenticatedError('The API token was revoked or expired, or its user deactivated: this stream is closed.')),
    );
    unlisten = bus.listen<E>(family, (event) => {
      // The subscriber's rights of the moment against the event's objects as they are now (read for this event).
      const p = session.principal;
      if (p && accept(p, event)) stream.push(event);
    });
    try {
      // Redis down: say so rather than hold the request open (ioredis would wait for it indefinitely).
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        bus.ready(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('live events are unavailable: the event bus is not connected to Redis')), BUS_READY_TIMEOUT_MS);
        }),
      ]).finally(() => clearTimeout(timer));
    } catch (err) {
      await stream.return();
      throw err;
    }
    return stream;
  }

  async function busReady(bus: LiveBus): Promise<void> {
    // Redis down: say so rather than hold the request open (ioredis would wait for it indefinitely).
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      bus.ready(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('live events are unavailable: the event bus is not connected to Redis')), BUS_READY_TIMEOUT_MS);
      }),
    ]).finally(() => clearTimeout(timer));
  }

  /**
   * What one console tab hears, from now on (src/web/live.tsx): the incident events and the pages of the
   * session's user, each checked at delivery against the user's rights of the moment and the incident as it
   * is now, as the GraphQL subscriptions are. The session is kept like an API token (authenticated again
   * every few seconds; a sign-out, revocation or deactivation ends it at once): `on.end('session')` is
   * called then, `on.end('shutdown')` when the process shuts down. `close` stops listening (the tab went away).
   */
  async function watchConsole(
    sessionId: string,
    principal: UserPrincipal,
    on: { incident(p: UserPrincipal, e: IncidentEventModel): void; paged(p: UserPrincipal, e: PageEvent): void; end(why: 'session' | 'shutdown'): void },
  ): Promise<{ close(): void }> {
    if (closing) throw new Error('the server is shutting down');
    const bus = liveBus();
    const session = live().sessions.open(consoleLiveToken(sessionId), principal, principal);
    let closed = false;
    const unlisten: Array<() => void> = [];
    const close = () => {
      if (closed) return;
      closed = true;
      for (const u of unlisten) u();
      session.release();
      streams.delete(handle);
    };
    const endFor = (why: 'session' | 'shutdown') => {
      if (closed) return;
      close();
      on.end(why);
    };
    // The shutdown ends what is in `streams`; the session's end (signed out, revoked, deactivated) is another.
    const handle = { end: () => endFor('shutdown') };
    streams.add(handle);
    unlisten.push(session.onEnd(() => endFor('session')));
    unlisten.push(
      bus.listen<IncidentEventModel>('incident', (e) => {
        const p = session.principal;
        if (p && !closed && canSeeIncident(p, e.facts)) on.incident(p, e);
      }),
    );
    unlisten.push(
      bus.listen<PageEvent>('page', (e) => {
        const p = session.principal;
        if (p && !closed && e.facts && e.userIds.includes(p.userId) && canSeeIncident(p, e.facts)) on.paged(p, e);
      }),
    );
    try {
      await busReady(bus);
    } catch (err) {
      close();
      throw err;
    }
    return { close };
  }

  /**
   * The in-memory form of an incident list's facet and organization filters (as the live subscriptions
   * apply them): whether an event's incident, as it is now, is one the list would show. The text and date
   * filters are not applied.
   */
  async function incidentEventMatcher(filter: IncidentFilterBySlug): Promise<(e: IncidentEventModel) => boolean> {
    const compiled = await compileEventFilter(db, filter);
    return (e) => matchesEventFilter(compiled, e);
  }

  /** Ends a console session's live streams in this process at once (its sign-out; other processes hear the event). */
  function endConsoleSession(sessionId: string): void {
    if (deps.live) deps.live.sessions.endToken(consoleLiveToken(sessionId));
  }

  /** A live stream of incident events the principal may see and the filter matches, from now on. */
  async function subscribeIncidentEvents(
    principal: UserPrincipal,
    token: string | null,
    input: IncidentEventFilterInput,
  ): Promise<AsyncIterableIterator<StreamItem<IncidentEventModel>>> {
    if (!token) throw new UnauthenticatedError();
    const filter = await compileEventFilter(db, input);
    return openStream<IncidentEventModel>('incident', principal, token, (p, e) => canSeeIncident(p, e.facts) && matchesEventFilter(filter, e));
  }

  /**
   * A live stream of the indicator alerts the principal may see and the filter matches, from now on. One
   * report batch is one log row but up to MAX_BATCH alerts, all dispatched at once: the stream holds that
   * many more before it calls its subscriber too slow.
   */
  async function subscribeIndicatorAlerts(
    principal: UserPrincipal,
    token: string | null,
    input: IndicatorAlertFilterInput,
  ): Promise<AsyncIterableIterator<StreamItem<IndicatorAlertModel>>> {
    if (!token) throw new UnauthenticatedError();
    const filter = await compileIndicatorAlertFilter(db, input);
    return openStream<IndicatorAlertModel>(
      'indicator',
      principal,
      token,
      (p, a) => canSeeIndicatorAlert(p, a) && matchesIndicatorAlertFilter(p, filter, a),
      {
        maxPending: MAX_PENDING_EVENTS + MAX_BATCH,
        catchUp: (last) => `indicatorAlerts(after:)${last === null ? '' : ` after "${alertCursor(last)}"`}`,
      },
    );
  }

  /** The visible events after a cursor, in order; invisible ones are skipped and not counted. */
  async function events(
    principal: Principal,
    args: { after: string | null; filter: IncidentEventFilterInput; first: number },
  ): Promise<IncidentEventPage> {
    const afterId = args.after === null ? null : parseEventCursor(args.after);
    const filter = await compileEventFilter(db, args.filter);
    const visible = visibleIncidents(principal);
    const rows = await listIncidentEvents(db, visible, filter.query, afterId, args.first + 1);
    const nodes = await incidentEventsOf(db, rows.slice(0, args.first));
    let total: Promise<number> | null = null;
    return {
      nodes,
      hasNextPage: rows.length > args.first,
      totalCount: () => (total ??= countIncidentEvents(db, visible, filter.query, afterId)),
    };
  }

  /** The visible indicator alerts after a cursor, in order; invisible ones are skipped and not counted. */
  async function indicatorAlerts(
    principal: Principal,
    args: { after: string | null; filter: IndicatorAlertFilterInput; first: number },
  ): Promise<IndicatorAlertPage> {
    const after = args.after === null ? null : parseAlertCursor(args.after);
    const filter = await compileIndicatorAlertFilter(db, args.filter);
    const visible = indicatorAlertVisibility(principal);
    const rows = await listIndicatorAlerts(db, visible, filter.query, after, args.first + 1);
    const page = rows.slice(0, args.first);
    // The rows name their alerts: load exactly those (not every indicator of a report batch).
    const items = page.map((r) => ({ row: r, item: r.item, indicatorId: r.indicator_id }));
    const nodes = await indicatorAlertsOf(db, items);
    const last = page.at(-1);
    let total: Promise<number> | null = null;
    return {
      nodes,
      hasNextPage: rows.length > args.first,
      endCursor: last ? alertCursor({ cursor: last.id, item: last.item }) : null,
      totalCount: () => (total ??= countIndicatorAlerts(db, visible, filter.query, after)),
    };
  }

  /**
   * The loaders every subscriber of one live event resolves it with: one read of the reporting
   * organization (and the like) per event and process, not one per subscriber. Loaders read rows
   * regardless of who asks (graphql/loaders.ts); access is decided by the resolvers and by the policy.
   */
  const eventLoaders = new WeakMap<IncidentEventModel | IndicatorAlertModel, Loaders>();
  function loadersFor(event: IncidentEventModel | IndicatorAlertModel): Loaders {
    let loaders = eventLoaders.get(event);
    if (!loaders) {
      loaders = createLoaders(db);
      if ('facts' in event) loaders.incidentFacts.prime(event.incident, event.facts);
      else if (event.incident) loaders.incidentFacts.prime(event.incident.row, event.incident.facts);
      eventLoaders.set(event, loaders);
    }
    return loaders;
  }

  return {
    subscribeIncidentEvents,
    subscribeIndicatorAlerts,
    loadersFor,
    events,
    indicatorAlerts,
    openSession,
    watchConsole,
    endConsoleSession,
    incidentEventMatcher,
    /** Re-authenticates every live token now (tests; a timer does it every few seconds). */
    recheckSessions: () => live().sessions.sweep(),
    get liveStreams() {
      return streams.size;
    },
    /**
     * Ends every live stream still open (the bus and the sessions are closed by their owner, src/deps.ts).
     * The transports cut their connections first (src/http/live.ts), so that clients see a dropped
     * connection, reconnect and catch up.
     */
    async close(): Promise<void> {
      closing = true;
      for (const s of [...streams]) s.end();
    },
  };
}
