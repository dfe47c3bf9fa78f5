import { timeOrderedId } from '../../common/ids/time-ordered-id';

/**
 * SQL pieces for producers that fold their outbox insert into the statement making the change (a CTE), so an
 * event costs no statement of its own. Columns as EventsService.record writes them.
 */
export const OUTBOX_INSERT = 'INSERT INTO event_outbox (id, tenant_id, type, occurred_at, subject_id, data)';

/**
 * Event ids for one statement: time-ordered and ascending, so that the relay (which takes a transaction's
 * events by id) keeps the order the statement gives them (a message's delivered before its read). Pass them
 * as a uuid[] parameter and pick with `outboxIdSql`: one id per event the statement may write at most.
 */
export function outboxIds(count: number): string[] {
  return Array.from({ length: count }, () => timeOrderedId()).sort();
}

/** The `ordinal`-th (1-based) id of the `param` array; a random one should the statement write more. */
export function outboxIdSql(param: string, ordinal: string): string {
  return `COALESCE((${param}::uuid[])[${ordinal}], gen_random_uuid())`;
}

/**
 * A message row's snapshot (`alias`: the row or a CTE of message rows). Numeric columns go as text, so money
 * never goes through a float on its way to the resource.
 */
export function messageSnapshotSql(alias: string): string {
  return `(to_jsonb(${alias}) || jsonb_build_object('cost_amount', ${alias}.cost_amount::text, 'cost_eur', ${alias}.cost_eur::text, 'budget_reserved_eur', ${alias}.budget_reserved_eur::text))`;
}

/**
 * A CTE body writing one `type` event per row of `rows` (a CTE of changed rows, `RETURNING *`), each with its
 * row's snapshot, ids from the `idsParam` array in `orderBy` order.
 */
export function rowEventsSql(
  type: string,
  rows: string,
  { idsParam, orderBy, occurredAt = `${rows}.created_at`, snapshot = `to_jsonb(${rows})` }: { idsParam: string; orderBy: string; occurredAt?: string; snapshot?: string },
): string {
  return `${OUTBOX_INSERT}
    SELECT ${outboxIdSql(idsParam, `row_number() OVER (ORDER BY ${orderBy})`)}, ${rows}.tenant_id, '${type}', ${occurredAt}, ${rows}.id, ${snapshot}
    FROM ${rows}`;
}
