/** The per-tenant Prisma client pool on real PostgreSQL databases. */
import { createLogger } from '../src/logging';
import { TenantPrismaPool } from '../src/tenancy/prismaPool';
import type { ResolvedTenant } from '../src/tenancy/registry';
import { createTenantDatabase, databaseUrl, dropDatabase, query, withAdmin } from './support/databases';
import { waitFor } from './support/processes';
import { uniqueSuffix } from './support/services';

const suffix = uniqueSuffix();
const names = ['one', 'two', 'three'].map((n) => `tpw_pool_${n}_${suffix}`);
const tenant = (key: string, db: string): ResolvedTenant => ({ tenantId: key, key, databaseUrl: databaseUrl(db) });
const logger = createLogger('pool-test', 'warn');

async function connectionsTo(db: string): Promise<number> {
  return withAdmin(async (admin) => {
    const { rows } = await admin.query<{ n: string }>(`SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1`, [
      db,
    ]);
    return Number(rows[0]!.n);
  });
}

const [dbOne, dbTwo, dbThree] = names as [string, string, string];

beforeAll(async () => {
  for (const name of names) await createTenantDatabase(name);
});
afterAll(async () => {
  for (const name of names) await dropDatabase(name);
});

test('bounded: the least recently used idle client is closed when a new tenant needs room', async () => {
  const pool = new TenantPrismaPool({ maxClients: 2, connectionsPerClient: 2, idleTimeoutMs: 60_000 }, logger);
  try {
    await pool.use(tenant('one', dbOne), (db) => db.appConfig.count());
    await pool.use(tenant('two', dbTwo), (db) => db.appConfig.count());
    expect(await connectionsTo(dbOne)).toBe(1);
    await pool.use(tenant('three', dbThree), (db) => db.appConfig.count());
    expect(pool.size).toBe(2);
    await waitFor(
      async () => ((await connectionsTo(dbOne)) === 0 ? true : undefined),
      5000,
      () => 'tenant one still connected',
    );
    expect(await connectionsTo(dbTwo)).toBe(1);
    expect(await connectionsTo(dbThree)).toBe(1);
  } finally {
    await pool.close();
  }
  expect(await connectionsTo(dbTwo)).toBe(0);
  expect(await connectionsTo(dbThree)).toBe(0);
});

test('a client in use is not closed under its query when it is evicted', async () => {
  const pool = new TenantPrismaPool({ maxClients: 1, connectionsPerClient: 1, idleTimeoutMs: 60_000 }, logger);
  try {
    const slow = pool.use(tenant('one', dbOne), (db) =>
      db.$queryRawUnsafe<{ ok: number }[]>('SELECT 1 AS ok FROM (SELECT pg_sleep(0.5)) AS slow'),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    await pool.use(tenant('two', dbTwo), (db) => db.appConfig.count());
    expect(await slow).toEqual([{ ok: 1 }]);
    await waitFor(
      async () => ((await connectionsTo(dbOne)) === 0 ? true : undefined),
      5000,
      () => 'evicted client left open',
    );
  } finally {
    await pool.close();
  }
});

test('a changed database URL rebuilds the tenant’s client against the new database', async () => {
  const pool = new TenantPrismaPool({ maxClients: 5, connectionsPerClient: 1, idleTimeoutMs: 60_000 }, logger);
  try {
    await pool.use(tenant('moving', dbOne), (db) => db.appConfig.create({ data: { key: 'where', value: 'one' } }));
    await pool.use(tenant('moving', dbTwo), (db) => db.appConfig.create({ data: { key: 'where', value: 'two' } }));
    expect(await query(databaseUrl(dbOne), `SELECT value FROM "AppConfig" WHERE key = 'where'`)).toEqual([
      { value: 'one' },
    ]);
    expect(await query(databaseUrl(dbTwo), `SELECT value FROM "AppConfig" WHERE key = 'where'`)).toEqual([
      { value: 'two' },
    ]);
    expect(pool.size).toBe(1);
  } finally {
    await pool.close();
  }
});
