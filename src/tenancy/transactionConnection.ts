/**
 * A Prisma interactive transaction together with the pg connection it runs on, so the statements
 * that carry megabytes (a Testmo chunk's rows) go through pg inside the same transaction while
 * the rest stays on Prisma. Measured with 1.4 MB of JSON per statement: 16–33 ms of the worker's
 * CPU and 26–37 ms of wall time through Prisma (its query compiler escapes and re-parses the
 * parameter), 1 ms and 5.6 ms through pg.
 *
 * Prisma's pg adapter takes a pooled connection for each interactive transaction with
 * `pool.connect()`. The tenant's pool is a TransactionAwarePool: a connection it hands out inside
 * `transactionWithConnection` is noted in that call's async context (the promise continuation runs
 * in the caller's context even when the connection came from the wait queue), and the first one is
 * the transaction's. That rests on how the adapter acquires connections, so it is checked on every
 * transaction: the noted connection's backend pid must be the one the transaction reports, or the
 * transaction fails before anything is written.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Prisma, PrismaClient } from '@prisma/client';
import { Pool, type PoolClient } from 'pg';

interface Slot {
  client?: PoolClient;
}

const acquiring = new AsyncLocalStorage<Slot>();

/** A pg Pool that notes the connection an enclosing `transactionWithConnection` acquires. */
export class TransactionAwarePool extends Pool {
  override connect(): Promise<PoolClient>;
  override connect(
    callback: (error: Error | undefined, client: PoolClient | undefined, done: () => void) => void,
  ): void;
  override connect(
    callback?: (error: Error | undefined, client: PoolClient | undefined, done: () => void) => void,
  ): Promise<PoolClient> | void {
    // The callback form is pool.query()'s: a single statement, never a transaction.
    if (callback) return super.connect(callback as Parameters<Pool['connect']>[0]);
    return super.connect().then((client) => {
      const slot = acquiring.getStore();
      if (slot && slot.client === undefined) slot.client = client;
      return client;
    });
  }
}

/** pg's Client keeps its backend's pid (BackendKeyData) but does not declare it. */
function backendPid(client: PoolClient): number | undefined {
  return (client as unknown as { processID?: number | null }).processID ?? undefined;
}

/**
 * Runs `work` in a Prisma interactive transaction on `prisma` (whose adapter's pool must be
 * `pool`), handing it the transaction client and the pg connection under it.
 */
export function transactionWithConnection<T>(
  prisma: PrismaClient,
  pool: Pool,
  work: (tx: Prisma.TransactionClient, connection: PoolClient) => Promise<T>,
  options?: { maxWait?: number; timeout?: number },
): Promise<T> {
  if (!(pool instanceof TransactionAwarePool))
    throw new Error('transactionWithConnection needs the TransactionAwarePool under the Prisma client');
  const slot: Slot = {};
  return acquiring.run(slot, () =>
    prisma.$transaction(async (tx) => {
      const connection = slot.client;
      const [row] = await tx.$queryRaw<Array<{ pid: number }>>`SELECT pg_backend_pid() AS pid`;
      if (!connection || backendPid(connection) !== row?.pid)
        throw new Error(
          `the transaction's pg connection could not be identified (backend ${row?.pid}, noted ${connection ? backendPid(connection) : 'none'})`,
        );
      return work(tx, connection);
    }, options),
  );
}
