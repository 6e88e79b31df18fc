/**
 * A tenant's database client after its connection dies inside a transaction (PostgreSQL
 * restarted, the backend terminated), on a real PostgreSQL: the connection must go back to the
 * pool, so the tenant's next query runs and the client closes. Prisma's pg adapter alone kept it
 * checked out forever (src/tenancy/prismaPool.ts, releaseClientsWhoseConnectionEnds).
 */
import { Pool } from 'pg';
import { createPrismaClient } from '../src/tenancy/prismaPool';
import { services } from './support/services';

/** What a promise did within `ms`: its value, or 'still waiting' (a hang is the failure here). */
function within<T>(promise: Promise<T>, ms: number): Promise<T | 'still waiting'> {
  let timer: NodeJS.Timeout | undefined;
  const waiting = new Promise<'still waiting'>((resolve) => {
    timer = setTimeout(() => resolve('still waiting'), ms);
  });
  return Promise.race([promise, waiting]).finally(() => clearTimeout(timer));
}

describe('a database client whose connection dies inside a transaction', () => {
  const killer = new Pool({ connectionString: services.postgresAdminUrl, max: 1 });
  afterAll(() => killer.end());

  const terminate = (pid: number) => killer.query('SELECT pg_terminate_backend($1)', [pid]);

  it.each([
    ['during a statement', true],
    ['between statements', false],
  ])(
    '%s: the transaction fails, the next query runs on a fresh connection, and the client closes',
    async (_, duringStatement) => {
      // One connection: a leaked one would leave the tenant none at all.
      const db = createPrismaClient(services.postgresAdminUrl, {
        maxClients: 1,
        connectionsPerClient: 1,
        idleTimeoutMs: 10_000,
      });
      const transaction = db.$transaction(async (tx) => {
        const [backend] = await tx.$queryRaw<Array<{ pid: number }>>`SELECT pg_backend_pid() AS pid`;
        const pid = backend!.pid;
        if (duringStatement) {
          setTimeout(() => void terminate(pid), 300);
          await tx.$queryRaw`SELECT pg_sleep(3)`;
        } else {
          await terminate(pid);
          await new Promise((resolve) => setTimeout(resolve, 300));
          await tx.$queryRaw`SELECT 1`;
        }
      });
      await expect(transaction).rejects.toThrow(/terminating connection|connection error|not queryable/i);

      const next = within(db.$queryRaw<Array<{ one: number }>>`SELECT 1 AS one`, 10_000);
      expect(await next).toEqual([{ one: 1 }]);
      expect(
        await within(
          db.$disconnect().then(() => 'closed'),
          10_000,
        ),
      ).toBe('closed');
    },
  );
});
