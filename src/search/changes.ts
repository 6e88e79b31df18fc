/**
 * Which documents changed while a rebuild was loading.
 *
 * TestPlanIt's tables have no reliable "updated at", so the rebuild uses PostgreSQL's own
 * bookkeeping: every row version records the transaction that wrote it (`xmin`). A rebuild notes
 * the oldest transaction still running when it starts (its horizon); any row written by that one
 * or a later one may be newer than what the rebuild read.
 *
 * `xmin` only shows rows as they are now. A change that leaves no row behind (a tag unlinked from
 * a case deletes its join row; a step or a custom field value deleted), or that moves a row away
 * from the document it fed (a step moved to another case), has nothing to read `xmin` from. For
 * those, the rebuild installs statement-level `AFTER UPDATE` and `AFTER DELETE` triggers on every
 * table that feeds a document (the sources' `changeSources`) before it takes its horizon. They
 * copy the feeding columns of the old row versions (`REFERENCING OLD TABLE`), with the writing
 * transaction's id, into `testplanit_workers_search_changes`, a table this project owns.
 * Catch-up reads both: the feeding columns of rows whose `xmin` is at or after the horizon (new
 * versions) and of logged old versions at or after it, and maps them to document ids.
 *
 * Why triggers, and why this order: CREATE TRIGGER waits for every transaction that has written to
 * the table, and every later statement sees the trigger; so once the triggers exist, a delete
 * either committed before (the rebuild's reads see it) or is logged with a transaction id the
 * horizon, taken afterwards, does not exceed. Nothing in TestPlanIt's Prisma schema changes: the
 * triggers, their function and the two tables exist only while a rebuild runs and are dropped when
 * the last running rebuild ends (finished, cancelled or failed).
 *
 * Retries and crashes: every step is idempotent. Installing re-creates what exists
 * (CREATE OR REPLACE / IF NOT EXISTS); reading the log does not consume it, so a catch-up chunk
 * run twice reads the same ids and rewrites the same documents; removing a registration that is
 * gone does nothing. Rebuilds register by alias in `testplanit_workers_search_rebuilds`; only one
 * rebuild of an alias runs at a time (its workflow id is the lock), so a registration of the same
 * alias under another index was left by a rebuild that was stopped without cleaning up, and the
 * next rebuild of that alias takes it over. Install and removal serialize on an advisory lock, and
 * removal re-checks the registrations before dropping each trigger, so a rebuild starting while
 * another ends never loses a trigger it needs.
 *
 * Locks: each trigger is created or dropped in its own short transaction with a lock timeout, so
 * the rebuild never holds one table while waiting for another (no deadlock with the web app's
 * multi-table transactions) and never queues the web app's writes behind it for long; a timeout
 * fails the activity, which is retried.
 *
 * The database role the worker connects with must own TestPlanIt's tables (CREATE TRIGGER needs
 * it; the worker uses the web app's database URL). The trigger function is SECURITY DEFINER, so
 * the web app's writes can log into our table even if the web app connects with another role.
 */
import { Prisma } from '@prisma/client';
import type { DatabaseClient } from '../tenancy/prismaPool';
import { DOCUMENT_SOURCES, type DocumentSource } from './documents';

export const CHANGE_LOG_TABLE = 'testplanit_workers_search_changes';
export const REBUILDS_TABLE = 'testplanit_workers_search_rebuilds';
const LOG_FUNCTION = 'testplanit_workers_search_changed';
/** Every trigger we create starts with this, so removal finds them all, whatever version made them. */
const TRIGGER_PREFIX = 'testplanit_workers_search_';
/** Long enough for the web app's short transactions; short enough not to stall its writes queued behind us. */
const LOCK_TIMEOUT = '3s';
const ADVISORY_KEY = `hashtext('${CHANGE_LOG_TABLE}')`;

/** The oldest transaction id still in progress now (64-bit, as text). */
export async function transactionHorizon(db: DatabaseClient): Promise<string> {
  const [row] = await db.$queryRaw<
    Array<{ horizon: string }>
  >`SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS horizon`;
  if (!row) throw new Error('PostgreSQL returned no snapshot');
  return row.horizon;
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
const literal = (value: string) => `'${value.replace(/'/g, "''")}'`;

/** Every feeding table of every source, with the columns its logged old rows must keep. */
export function feedingTables(sources: readonly DocumentSource[] = Object.values(DOCUMENT_SOURCES)) {
  const tables = new Map<string, Set<string>>();
  for (const source of sources)
    for (const { table, column } of source.changeSources) {
      const columns = tables.get(table) ?? new Set<string>();
      columns.add(column);
      tables.set(table, columns);
    }
  return [...tables].map(([table, columns]) => ({ table, columns: [...columns].sort() }));
}

/**
 * One log row per feeding column of each old row version (NULLs skipped), with the writing
 * transaction's 64-bit id, which needs no wraparound arithmetic to compare with a horizon.
 * Statement-level, so a bulk delete costs one INSERT ... SELECT, not one per row. The log table is
 * found through the triggering table's schema, as the function runs with an empty search_path.
 */
const FUNCTION_SQL = `
CREATE OR REPLACE FUNCTION ${LOG_FUNCTION}() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $body$
DECLARE
  col text;
BEGIN
  FOREACH col IN ARRAY TG_ARGV LOOP
    EXECUTE format(
      'INSERT INTO %I.${CHANGE_LOG_TABLE} (xid, table_name, column_name, key)
       SELECT DISTINCT pg_current_xact_id(), %L, %L, o.%I::text FROM old_rows o WHERE o.%I IS NOT NULL',
      TG_TABLE_SCHEMA, TG_TABLE_NAME, col, col, col);
  END LOOP;
  RETURN NULL;
END
$body$`;

async function inTransaction(db: DatabaseClient, statements: (tx: Prisma.TransactionClient) => Promise<void>) {
  await db.$transaction(async (tx) => {
    await tx.$executeRawUnsafe(`SET LOCAL lock_timeout = '${LOCK_TIMEOUT}'`);
    await tx.$queryRawUnsafe(`SELECT pg_advisory_xact_lock(${ADVISORY_KEY})::text`);
    await statements(tx);
  });
}

/**
 * Registers a rebuild (alias, index) and makes sure every feeding table logs its old rows. Call
 * before taking the rebuild's horizon.
 */
export async function beginChangeTracking(db: DatabaseClient, alias: string, index: string): Promise<void> {
  // Registration first: a concurrent removal re-checks it before each drop and stops.
  await inTransaction(db, async (tx) => {
    await tx.$executeRawUnsafe(
      `CREATE TABLE IF NOT EXISTS ${REBUILDS_TABLE} (alias text PRIMARY KEY, index text NOT NULL,
         registered_at timestamptz NOT NULL DEFAULT now())`,
    );
    await tx.$executeRawUnsafe(
      `CREATE TABLE IF NOT EXISTS ${CHANGE_LOG_TABLE} (xid xid8 NOT NULL, table_name text NOT NULL,
         column_name text NOT NULL, key text NOT NULL)`,
    );
    await tx.$executeRawUnsafe(FUNCTION_SQL);
    await tx.$executeRaw`INSERT INTO ${Prisma.raw(REBUILDS_TABLE)} (alias, index) VALUES (${alias}, ${index})
      ON CONFLICT (alias) DO UPDATE SET index = EXCLUDED.index, registered_at = now()`;
  });
  for (const { table, columns } of feedingTables()) {
    const args = columns.map(literal).join(', ');
    await inTransaction(db, async (tx) => {
      for (const event of ['UPDATE', 'DELETE'])
        await tx.$executeRawUnsafe(
          `CREATE OR REPLACE TRIGGER ${TRIGGER_PREFIX}${event.toLowerCase()} AFTER ${event} ON ${quote(table)}
           REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION ${LOG_FUNCTION}(${args})`,
        );
    });
  }
}

async function trackingExists(db: DatabaseClient | Prisma.TransactionClient): Promise<boolean> {
  const [row] = await db.$queryRaw<Array<{ found: boolean }>>`
    SELECT to_regclass(${REBUILDS_TABLE}) IS NOT NULL AND to_regclass(${CHANGE_LOG_TABLE}) IS NOT NULL AS found`;
  return row?.found ?? false;
}

async function othersRegistered(tx: Prisma.TransactionClient): Promise<boolean> {
  if (!(await trackingExists(tx))) return false;
  const [row] = await tx.$queryRaw<Array<{ n: number }>>`SELECT count(*)::int AS n FROM ${Prisma.raw(REBUILDS_TABLE)}`;
  return (row?.n ?? 0) > 0;
}

/**
 * Ends a rebuild's registration; the last one out drops the triggers, the function and both
 * tables. Safe to call again, or for a rebuild that never registered.
 */
export async function endChangeTracking(db: DatabaseClient, alias: string, index: string): Promise<void> {
  let remaining = true;
  await inTransaction(db, async (tx) => {
    if (await trackingExists(tx))
      await tx.$executeRaw`DELETE FROM ${Prisma.raw(REBUILDS_TABLE)} WHERE alias = ${alias} AND index = ${index}`;
    remaining = await othersRegistered(tx);
  });
  if (remaining) return;
  // Every trigger of ours on any table, including ones an older version installed elsewhere.
  const triggers = await db.$queryRaw<Array<{ schema: string; table: string; name: string }>>`
    SELECT n.nspname::text AS schema, c.relname::text AS table, t.tgname::text AS name
    FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE t.tgname LIKE ${`${TRIGGER_PREFIX}%`} AND NOT t.tgisinternal
      AND n.nspname = current_schema()`;
  for (const trigger of triggers) {
    await inTransaction(db, async (tx) => {
      if (await othersRegistered(tx)) return;
      await tx.$executeRawUnsafe(`DROP TRIGGER IF EXISTS ${quote(trigger.name)} ON ${quote(trigger.table)}`);
    });
  }
  await inTransaction(db, async (tx) => {
    if (await othersRegistered(tx)) return;
    // Not CASCADE: a trigger still using the function (a drop above lost a race) fails this, and
    // the activity's retry finishes the job.
    await tx.$executeRawUnsafe(`DROP FUNCTION IF EXISTS ${LOG_FUNCTION}()`);
    await tx.$executeRawUnsafe(`DROP TABLE IF EXISTS ${CHANGE_LOG_TABLE}, ${REBUILDS_TABLE}`);
  });
}

/**
 * Document ids fed by a row written (`xmin`) or an old row version logged at or after the `since`
 * horizon, after `afterId`, in order. `age()` compares 32-bit transaction ids modulo wraparound,
 * which is exact for any rebuild shorter than two billion transactions; the log keeps 64-bit ids.
 */
export async function changedDocumentIds(
  db: DatabaseClient,
  source: DocumentSource,
  since: string,
  afterId: number,
  limit: number,
): Promise<number[]> {
  const since32 = (BigInt(since) % 4294967296n).toString();
  const pairs = new Map(source.changeSources.map(({ table, column }) => [`${table}.${column}`, { table, column }]));
  const keys: Prisma.Sql[] = [...pairs.values()].map(
    ({ table, column }) =>
      Prisma.sql`SELECT ${table}::text AS t, ${column}::text AS c, ${Prisma.raw(quote(column))}::text AS key
        FROM ${Prisma.raw(quote(table))} WHERE age(xmin) <= age(${since32}::xid) AND ${Prisma.raw(quote(column))} IS NOT NULL`,
  );
  // A rebuild started before change tracking existed has no log to read.
  if (await trackingExists(db))
    keys.push(
      Prisma.sql`SELECT table_name, column_name, key FROM ${Prisma.raw(CHANGE_LOG_TABLE)} WHERE xid >= ${since}::xid8`,
    );
  const documents = source.changeSources.map(({ table, column, documents }) => {
    const texts = `(SELECT key FROM changed_keys WHERE t = ${literal(table)} AND c = ${literal(column)})`;
    const ints = `(SELECT key::int FROM changed_keys WHERE t = ${literal(table)} AND c = ${literal(column)})`;
    const select = documents
      ? documents.replaceAll('$ints', ints).replaceAll('$texts', texts)
      : `SELECT key::int FROM changed_keys WHERE t = ${literal(table)} AND c = ${literal(column)}`;
    // The mapping's first column, whatever it is called, is the document id.
    return `SELECT id FROM (${select}) AS fed(id)`;
  });
  const rows = await db.$queryRaw<Array<{ id: number }>>`
    WITH changed_keys AS MATERIALIZED (${Prisma.join(keys, ' UNION ')})
    SELECT DISTINCT id FROM (${Prisma.raw(documents.join(' UNION ALL '))}) changed
    WHERE id > ${afterId} ORDER BY id LIMIT ${limit}`;
  return rows.map((row) => Number(row.id));
}
