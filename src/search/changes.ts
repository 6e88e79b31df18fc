/**
 * Which documents changed while a rebuild was loading. TestPlanIt's tables have no reliable
 * "updated at", so the rebuild uses PostgreSQL's own bookkeeping: every row version records the
 * transaction that wrote it (`xmin`). A rebuild notes the oldest transaction still running when
 * it starts; any row written by that one or a later one may be newer than what the rebuild read.
 * Hard deletes leave no row behind; the prune pass (documents whose row no longer qualifies)
 * covers those.
 */
import { Prisma } from '@prisma/client';
import type { DatabaseClient } from '../tenancy/prismaPool';
import type { DocumentSource } from './documents';

/** The oldest transaction id still in progress now (64-bit, as text). */
export async function transactionHorizon(db: DatabaseClient): Promise<string> {
  const [row] = await db.$queryRaw<
    Array<{ horizon: string }>
  >`SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS horizon`;
  if (!row) throw new Error('PostgreSQL returned no snapshot');
  return row.horizon;
}

/**
 * Document ids with a row written at or after the `since` horizon, after `afterId`, in order.
 * `age()` compares 32-bit transaction ids modulo wraparound, which is exact for any rebuild
 * shorter than two billion transactions.
 */
export async function changedDocumentIds(
  db: DatabaseClient,
  source: DocumentSource,
  since: string,
  afterId: number,
  limit: number,
): Promise<number[]> {
  const since32 = (BigInt(since) % 4294967296n).toString();
  const selects = source.changeSources.map(
    ([table, column]) =>
      Prisma.sql`SELECT ${Prisma.raw(`"${column}"`)} AS id FROM ${Prisma.raw(`"${table}"`)} WHERE age(xmin) <= age(${since32}::xid)`,
  );
  const rows = await db.$queryRaw<Array<{ id: number }>>`
    SELECT DISTINCT id FROM (${Prisma.join(selects, ' UNION ALL ')}) changed
    WHERE id > ${afterId} ORDER BY id LIMIT ${limit}`;
  return rows.map((row) => Number(row.id));
}
