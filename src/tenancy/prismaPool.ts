/**
 * One Prisma client per tenant database, created on first use and kept in a bounded LRU, so a
 * worker serving 200 tenants holds at most `maxClients` x `connectionsPerClient` connections
 * instead of one pool per tenant forever. A client is rebuilt when its tenant's URL changes.
 * Clients are leased: an evicted or replaced client is closed only after its last lease ends,
 * so eviction never breaks a query in flight.
 */
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '@prisma/client';
import { Pool, type PoolClient } from 'pg';
import type { Logger } from '../logging';
import type { ResolvedTenant } from './registry';
import { TransactionAwarePool } from './transactionConnection';

export interface PrismaPoolOptions {
  maxClients: number;
  connectionsPerClient: number;
  /** Idle pg connections are closed after this long, so quiet tenants hold nothing open. */
  idleTimeoutMs: number;
}

export type DatabaseClient = PrismaClient;

/**
 * A tenant database's connections: the Prisma client, and the pg pool it runs on, for the few
 * statements that move megabytes of rows at once (an import's staging). Prisma's query compiler
 * escapes a text parameter into its request and parses it back, about 60 ms of CPU per megabyte of
 * JSON; pg sends the parameter as it is. Both draw on the same `connectionsPerClient` connections.
 */
export interface TenantConnections {
  prisma: DatabaseClient;
  pg: Pool;
}

export type TenantConnectionsFactory = (databaseUrl: string, options: PrismaPoolOptions) => TenantConnections;

export const connectTenantDatabase: TenantConnectionsFactory = (databaseUrl, options) => {
  // Aware of transactions: a chunk's large statements run on its transaction's own connection
  // (transactionConnection.ts).
  const pool = new TransactionAwarePool({
    connectionString: databaseUrl,
    max: options.connectionsPerClient,
    idleTimeoutMillis: options.idleTimeoutMs,
  });
  releaseClientsWhoseConnectionEnds(pool);
  // The adapter ends the pool on $disconnect, as it does a pool it made itself.
  return { prisma: new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) }), pg: pool };
};

/** A Prisma client on its own pool (tools and tests that need no raw pool). */
export function createPrismaClient(databaseUrl: string, options: PrismaPoolOptions): DatabaseClient {
  return connectTenantDatabase(databaseUrl, options).prisma;
}

/**
 * Hands a checked-out pg client back to its pool, destroyed, when its connection ends (PostgreSQL
 * restarted, the backend terminated). Prisma's pg adapter (6.19) never releases the client of an
 * interactive transaction whose connection dies inside it: each such death took one connection of
 * the tenant's pool for good, and `pool.end()`, so `$disconnect`, so a worker's stop, waited for it
 * forever (a chaos run's worker stuck in "activity dependencies" after a PostgreSQL restart).
 * test/prismaPool.e2e.test.ts kills a transaction's backend and checks the pool recovers.
 */
export function releaseClientsWhoseConnectionEnds(pool: Pool): void {
  const checkedOut = new Set<PoolClient>();
  pool.on('acquire', (client) => checkedOut.add(client));
  pool.on('release', (_error, client) => checkedOut.delete(client));
  pool.on('connect', (client) => {
    client.on('end', () => {
      if (!checkedOut.delete(client)) return;
      client.release(new Error('the connection ended while the client was checked out'));
      // A late release by its user (a rollback after the failure) must not throw: it is already back.
      client.release = () => undefined;
    });
  });
}

interface PoolEntry {
  tenantKey: string;
  databaseUrl: string;
  client: DatabaseClient;
  pg: Pool;
  leases: number;
  retired: boolean;
}

export class TenantPrismaPool {
  private readonly entries = new Map<string, PoolEntry>();
  private readonly closing = new Set<Promise<void>>();

  constructor(
    private readonly options: PrismaPoolOptions,
    private readonly logger: Logger,
    private readonly factory: TenantConnectionsFactory = connectTenantDatabase,
  ) {}

  /**
   * Runs `work` with the tenant's client (and the pg pool under it); both stay open at least until
   * `work` settles.
   */
  async use<T>(tenant: ResolvedTenant, work: (db: DatabaseClient, pg: Pool) => Promise<T>): Promise<T> {
    const entry = this.lease(tenant);
    try {
      return await work(entry.client, entry.pg);
    } finally {
      entry.leases -= 1;
      if (entry.retired && entry.leases === 0) this.disconnect(entry);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  async close(): Promise<void> {
    for (const entry of this.entries.values()) this.retire(entry);
    this.entries.clear();
    await Promise.all(this.closing);
  }

  private lease(tenant: ResolvedTenant): PoolEntry {
    let entry = this.entries.get(tenant.key);
    if (entry && entry.databaseUrl !== tenant.databaseUrl) {
      this.logger.info(`Database URL changed for tenant ${tenant.key}; rebuilding its client`);
      this.entries.delete(tenant.key);
      this.retire(entry);
      entry = undefined;
    }
    if (entry) {
      // Re-inserting moves the entry to the most-recently-used end of the Map.
      this.entries.delete(tenant.key);
    } else {
      const connections = this.factory(tenant.databaseUrl, this.options);
      entry = {
        tenantKey: tenant.key,
        databaseUrl: tenant.databaseUrl,
        client: connections.prisma,
        pg: connections.pg,
        leases: 0,
        retired: false,
      };
    }
    this.entries.set(tenant.key, entry);
    entry.leases += 1;
    this.evictOverflow();
    return entry;
  }

  private evictOverflow(): void {
    if (this.entries.size <= this.options.maxClients) return;
    // Prefer idle clients, least recently used first; a busy one is retired and closed on release.
    const byRecency = [...this.entries.values()];
    const victims = [...byRecency.filter((e) => e.leases === 0), ...byRecency.filter((e) => e.leases > 0)];
    for (const victim of victims) {
      if (this.entries.size <= this.options.maxClients) break;
      this.entries.delete(victim.tenantKey);
      this.retire(victim);
    }
  }

  private retire(entry: PoolEntry): void {
    entry.retired = true;
    if (entry.leases === 0) this.disconnect(entry);
  }

  private disconnect(entry: PoolEntry): void {
    const closing = entry.client
      .$disconnect()
      .catch((error: unknown) =>
        this.logger.warn(`Closing database client of tenant ${entry.tenantKey} failed`, {
          error: (error as Error).message,
        }),
      )
      .finally(() => this.closing.delete(closing));
    this.closing.add(closing);
  }
}
