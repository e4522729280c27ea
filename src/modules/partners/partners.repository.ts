import type { Kysely, Selectable } from 'kysely';
import type { Database, DutiesTable, OrganizationsTable } from '../../infra/db-types.js';
import type { PartnerKind } from '../../domain/people.js';

export type OrganizationRow = Selectable<OrganizationsTable>;
export type DutyRow = Selectable<DutiesTable>;

type Handle = Kysely<Database>;

export function listOrganizations(db: Handle, filter: { kind?: PartnerKind | null } = {}): Promise<OrganizationRow[]> {
  let q = db.selectFrom('organizations').selectAll().orderBy('kind').orderBy('slug');
  if (filter.kind) q = q.where('kind', '=', filter.kind);
  return q.execute();
}

export async function findOrganizationBySlug(db: Handle, slug: string): Promise<OrganizationRow | undefined> {
  return db.selectFrom('organizations').selectAll().where('slug', '=', slug).executeTakeFirst();
}

export async function findOrganizationsBySlugs(db: Handle, slugs: readonly string[]): Promise<OrganizationRow[]> {
  if (slugs.length === 0) return [];
  return db.selectFrom('organizations').selectAll().where('slug', 'in', [...slugs]).execute();
}

export async function findOrganizationsByIds(db: Handle, ids: readonly string[]): Promise<OrganizationRow[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('organizations').selectAll().where('id', 'in', [...ids]).execute();
}

export function listDutiesOf(db: Handle, organizationIds: readonly string[]): Promise<DutyRow[]> {
  if (organizationIds.length === 0) return Promise.resolve([]);
  return db.selectFrom('duties').selectAll().where('organization_id', 'in', [...organizationIds]).orderBy('name').execute();
}

export async function upsertOrganization(
  db: Handle,
  org: { slug: string; name: string; kind: PartnerKind; fips: string | null },
): Promise<string> {
  // Insert-or-keep: a re-run of the seed never rewrites what an admin may have renamed.
  const inserted = await db
    .insertInto('organizations')
    .values(org)
    .onConflict((oc) => oc.column('slug').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (inserted) return inserted.id;
  const existing = await db.selectFrom('organizations').select('id').where('slug', '=', org.slug).executeTakeFirstOrThrow();
  return existing.id;
}

export async function upsertDuty(db: Handle, duty: { organization_id: string; name: string; description: string }): Promise<void> {
  await db
    .insertInto('duties')
    .values(duty)
    .onConflict((oc) => oc.columns(['organization_id', 'name']).doNothing())
    .execute();
}
