import type { Db } from '../../infra/db.js';
import { listOrganizations, type OrganizationRow } from './partners.repository.js';

/**
 * The partner directory held in memory: 65 organizations, written by the seed and read by nearly every
 * request (an incident's reporting organization and counties, a filter's county slug). Reading them from
 * PostgreSQL was a round trip per request for rows that change when the task force changes.
 *
 * For display and for naming organizations in filters only: whether an organization is active, for
 * authentication and paging, is still read with the user in the same query. A change made in another
 * process (a new release's seed, an administrator's SQL) shows here within MAX_AGE_MS; an id this
 * directory does not know (an organization added since) reloads it at once.
 */

const MAX_AGE_MS = 30_000;

export interface OrganizationDirectory {
  byId(ids: readonly string[]): Promise<Array<OrganizationRow | undefined>>;
  bySlug(slug: string): Promise<OrganizationRow | undefined>;
}

const directories = new WeakMap<Db, OrganizationDirectory>();

/** The directory of the organizations in this database (one per database handle and process). */
export function organizationDirectory(db: Db): OrganizationDirectory {
  let d = directories.get(db);
  if (!d) {
    d = createDirectory(db);
    directories.set(db, d);
  }
  return d;
}

interface Snapshot {
  at: number;
  byId: Map<string, OrganizationRow>;
  bySlug: Map<string, OrganizationRow>;
}

function createDirectory(db: Db): OrganizationDirectory {
  let snapshot: Snapshot | null = null;
  let loading: Promise<Snapshot> | null = null;

  function load(): Promise<Snapshot> {
    loading ??= listOrganizations(db)
      .then((rows) => {
        const s: Snapshot = { at: Date.now(), byId: new Map(rows.map((r) => [r.id, r])), bySlug: new Map(rows.map((r) => [r.slug, r])) };
        snapshot = s;
        return s;
      })
      .finally(() => {
        loading = null;
      });
    return loading;
  }

  async function current(): Promise<Snapshot> {
    return snapshot && Date.now() - snapshot.at < MAX_AGE_MS ? snapshot : load();
  }

  return {
    async byId(ids) {
      let s = await current();
      if (ids.some((id) => !s.byId.has(id)) && Date.now() - s.at > 1_000) s = await load();
      return ids.map((id) => s.byId.get(id));
    },
    async bySlug(slug) {
      let s = await current();
      if (!s.bySlug.has(slug) && Date.now() - s.at > 1_000) s = await load();
      return s.bySlug.get(slug);
    },
  };
}
