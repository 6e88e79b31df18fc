/**
 * A Prisma interactive transaction and the pg connection under it (src/tenancy/transactionConnection.ts)
 * are one transaction, against a real PostgreSQL: what is written through either commits or rolls
 * back with the other, each of several concurrent transactions gets its own connection even when
 * they wait for one, and a pool that cannot say which connection a transaction took is refused.
 */
import { Pool } from 'pg';
import { connectTenantDatabase, type TenantConnections } from '../src/tenancy/prismaPool';
import { transactionWithConnection } from '../src/tenancy/transactionConnection';
import { databaseUrl, dropDatabase, query, withAdmin } from './support/databases';
import { uniqueSuffix } from './support/services';

const name = `tpw_txconn_${uniqueSuffix()}`;
const url = databaseUrl(name);
let connections: TenantConnections;

beforeAll(async () => {
  await withAdmin(async (admin) => {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${name}"`);
  });
  await query(url, `CREATE TABLE written (tag text NOT NULL, via text NOT NULL)`);
  // Two connections for four transactions: two of them wait for a connection another one releases.
  connections = connectTenantDatabase(url, { maxClients: 1, connectionsPerClient: 2, idleTimeoutMs: 1_000 });
});

afterAll(async () => {
  await connections?.prisma.$disconnect();
  await dropDatabase(name);
});

const rowsTagged = async (tag: string) =>
  (await query<{ via: string }>(url, `SELECT via FROM written WHERE tag = $1 ORDER BY via`, [tag])).map(
    (row) => row.via,
  );

test('what is written through the connection and through Prisma commits together', async () => {
  const pids = await transactionWithConnection(connections.prisma, connections.pg, async (tx, sql) => {
    await sql.query(`INSERT INTO written VALUES ('commit', 'pg')`);
    await tx.$executeRaw`INSERT INTO written VALUES ('commit', 'prisma')`;
    // Prisma sees the pg write before the commit: the same transaction.
    const [seen] = await tx.$queryRaw<
      Array<{ n: number }>
    >`SELECT count(*)::int AS n FROM written WHERE tag = 'commit'`;
    expect(seen!.n).toBe(2);
    const [fromPrisma] = await tx.$queryRaw<Array<{ pid: number }>>`SELECT pg_backend_pid() AS pid`;
    const fromPg = (await sql.query<{ pid: number }>(`SELECT pg_backend_pid() AS pid`)).rows[0]!;
    return [fromPrisma!.pid, fromPg.pid];
  });
  expect(pids[0]).toBe(pids[1]);
  expect(await rowsTagged('commit')).toEqual(['pg', 'prisma']);
});

test('a failure rolls back what was written through either', async () => {
  await expect(
    transactionWithConnection(connections.prisma, connections.pg, async (tx, sql) => {
      await sql.query(`INSERT INTO written VALUES ('rollback', 'pg')`);
      await tx.$executeRaw`INSERT INTO written VALUES ('rollback', 'prisma')`;
      throw new Error('the chunk failed');
    }),
  ).rejects.toThrow('the chunk failed');
  expect(await rowsTagged('rollback')).toEqual([]);
});

test('concurrent transactions, some waiting for a connection, each get their own', async () => {
  const tags = ['a', 'b', 'c', 'd'];
  const seen = await Promise.all(
    tags.map((tag) =>
      transactionWithConnection(connections.prisma, connections.pg, async (tx, sql) => {
        await sql.query(`INSERT INTO written VALUES ($1, 'pg')`, [tag]);
        // Hold the connection a while, so the others queue for it.
        await sql.query(`SELECT pg_sleep(0.2)`);
        const [own] = await tx.$queryRaw<
          Array<{ n: number }>
        >`SELECT count(*)::int AS n FROM written WHERE tag = ${tag}`;
        const [prismaPid] = await tx.$queryRaw<Array<{ pid: number }>>`SELECT pg_backend_pid() AS pid`;
        const pgPid = (await sql.query<{ pid: number }>(`SELECT pg_backend_pid() AS pid`)).rows[0]!;
        return { own: own!.n, same: prismaPid!.pid === pgPid.pid };
      }),
    ),
  );
  // Each saw its own row before committing it, on its own connection.
  expect(seen).toEqual(tags.map(() => ({ own: 1, same: true })));
  for (const tag of tags) expect(await rowsTagged(tag)).toEqual(['pg']);
});

test("a pool that cannot tell a transaction's connection is refused before anything runs", () => {
  const plain = new Pool({ connectionString: url, max: 1 });
  expect(() => transactionWithConnection(connections.prisma, plain, async () => undefined)).toThrow(
    'needs the TransactionAwarePool',
  );
  return plain.end();
});
