import { sql, type Kysely } from 'kysely';

// A statewide incident's FILED timeline entry named its indicator by internal id ({"correlation":
// {"indicatorId": 42, …}}), which means nothing to a reader; entries now name it by type and value (as the
// incident's title does). Existing entries are rewritten the same way.
// Migrations never import src/: they must keep working as the application changes.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    update incident_timeline t
       set change = jsonb_set(t.change, '{correlation}',
             (t.change->'correlation') - 'indicatorId' || jsonb_build_object('indicator', jsonb_build_object('type', i.type, 'value', i.value)))
      from indicators i
     where t.kind = 'FILED' and t.change ? 'correlation' and t.change->'correlation' ? 'indicatorId'
       and i.id = (t.change->'correlation'->>'indicatorId')::bigint`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    update incident_timeline t
       set change = jsonb_set(t.change, '{correlation}',
             (t.change->'correlation') - 'indicator' || jsonb_build_object('indicatorId', i.id))
      from indicators i
     where t.kind = 'FILED' and t.change->'correlation' ? 'indicator'
       and i.type = t.change->'correlation'->'indicator'->>'type' and i.value = t.change->'correlation'->'indicator'->>'value'`.execute(db);
}
