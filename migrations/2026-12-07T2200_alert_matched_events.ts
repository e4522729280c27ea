import { sql, type Kysely } from 'kysely';

// Which outbox events the subscription matcher has handled. Events are handled concurrently, so the
// immediate alert of a later event can be made before that of an earlier one; an alert waits (a bounded
// time) while an earlier event of the log has not been matched yet, so that alerts go out in cursor order.
// Only recent ids are kept (the reconciler prunes older ones). Events relayed before this table existed
// were handled by then (or will be, by the retried job): they count as matched, so that the first alerts
// after the upgrade do not wait for them.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table alert_matched_events (outbox_id bigint primary key)`.execute(db);
  await sql`insert into alert_matched_events (outbox_id)
            select id from outbox where published_at is not null and id > (select coalesce(max(id), 0) - 20000 from outbox)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table alert_matched_events`.execute(db);
}
