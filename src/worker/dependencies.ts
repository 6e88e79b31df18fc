/** Builds the activities' dependencies from the configuration, and closes them again. */
import type { ActivityDeps } from '../activities';
import type { AppConfig } from '../config';
import { EmailLedger } from '../email/ledger';
import { createSmtpMailer } from '../email/mailer';
import type { Logger } from '../logging';
import { Queue } from 'bullmq';
import { QUEUE_SETTINGS, type QueueName } from '../jobs/queues';
import { createRedisConnection } from '../redis';
import { ExportStore } from '../testmo/exportSource';
import { ElasticsearchClients } from '../tenancy/elasticsearch';
import { TenantPrismaPool } from '../tenancy/prismaPool';
import type { TenantRegistry } from '../tenancy/registry';

export function createActivityDeps(
  config: AppConfig,
  tenants: TenantRegistry,
  logger: Logger,
): {
  deps: ActivityDeps;
  /** Closes everything; `onStep` hears which part it is closing, so a stop that hangs names it. */
  close: (onStep?: (part: string) => void) => Promise<void>;
  /** Whether Redis answers (readiness). */
  ping: () => Promise<boolean>;
  poolSizes: () => { databaseClients: number; searchClients: number };
} {
  const redis = createRedisConnection(config.redis.url, { name: 'worker', logger });
  const mailer = config.email ? createSmtpMailer(config.email) : undefined;
  const databases = new TenantPrismaPool(config.database, logger.child('db'));
  const search = new ElasticsearchClients(config.elasticsearchNode);
  const testmoExports = new ExportStore(config.testmoImport.storage, config.testmoImport.localDir);
  const queues = new Map<string, Queue>();
  const queueFor = (name: QueueName, prefix: string) => {
    let queue = queues.get(`${prefix}:${name}`);
    if (!queue) {
      queue = new Queue(name, { connection: redis, prefix, defaultJobOptions: QUEUE_SETTINGS[name].defaultJobOptions });
      // Re-emits the shared connection's errors, which that connection logs already.
      queue.on('error', () => undefined);
      queues.set(`${prefix}:${name}`, queue);
    }
    return queue;
  };
  return {
    deps: {
      tenants,
      databases,
      search,
      logger,
      mailer,
      emailLedger: new EmailLedger(redis),
      defaultBaseUrl: config.defaultBaseUrl,
      reindex: config.reindex,
      encryptionKey: config.encryptionKey,
      testmoExports,
      testmoImport: config.testmoImport,
      async enqueueJob(queue, name, data, jobId) {
        // A tenant bound to its own prefix takes jobs only from there (bridge/processor.ts).
        const tenantId = typeof data.tenantId === 'string' ? data.tenantId : undefined;
        const prefix =
          (tenantId !== undefined && tenants.multiTenant ? tenants.resolve(tenantId).bullmqPrefix : undefined) ??
          config.redis.prefix;
        await queueFor(queue, prefix).add(name, data, { jobId });
      },
    },
    ping: async () => (await redis.ping()) === 'PONG',
    poolSizes: () => ({ databaseClients: databases.size, searchClients: search.size }),
    async close(onStep = () => undefined) {
      mailer?.close();
      testmoExports.close();
      onStep('BullMQ queues');
      await Promise.all([...queues.values()].map((queue) => queue.close()));
      onStep('database clients');
      await databases.close();
      onStep('Elasticsearch clients');
      await search.close();
      onStep('Redis');
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
