import { sql, type Kysely } from 'kysely';

// Matching (issue 5, item 3): "addresses inside reported networks" probes, for every observed address, the
// networks that contain it. indicators_net_idx holds every IP-typed row (hundreds of thousands of single
// addresses for a few thousand networks), so each probe walks a large GiST; this partial index holds the
// networks alone, a few thousand entries, and a probe (net >>= address, type = 'CIDR') stays tiny.
// Migrations never import src/: they must keep working as the application changes.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index indicators_cidr_net_idx on indicators using gist (net inet_ops) where type = 'CIDR'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists indicators_cidr_net_idx`.execute(db);
}
