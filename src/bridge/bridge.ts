/**
 * The bridge: one BullMQ Worker per TestPlanIt queue it serves, each turning jobs into Temporal
 * workflows (see processor.ts). It holds no job state of its own: everything needed to resume
 * after a crash is in Redis (the job) and Temporal (the workflow).
 */
import { setMaxListeners } from 'node:events';
import { Job, Worker } from 'bullmq';
import type { Client } from '@temporalio/client';
import type { AppConfig } from '../config';
import { describeTenant } from '../jobs/jobInput';
import type { Logger } from '../logging';
import { createRedisConnection } from '../redis';
import type { TenantRegistry } from '../tenancy/registry';
import { createJobProcessor, namedTenantId } from './processor';

export interface RunningBridge {
  /** Stops taking jobs, hands running jobs back to their queues, and closes connections. */
  close(): Promise<void>;
}

export async function startBridge(
  config: AppConfig,
  deps: { client: Client; tenants: TenantRegistry; logger: Logger },
): Promise<RunningBridge> {
  const { logger } = deps;
  const redis = createRedisConnection(config.redis.url);
  const shutdown = new AbortController();
  // Every job waiting on a workflow listens for shutdown: one listener per concurrency slot.
  setMaxListeners(0, shutdown.signal);

  const workers = config.bridge.queues.map((queue) => {
    const processor = createJobProcessor(queue, {
      client: deps.client,
      tenants: deps.tenants,
      redis,
      logger,
      taskQueuePrefix: config.temporal.taskQueuePrefix,
      bullPrefix: config.redis.prefix,
      statusPollMs: config.bridge.statusPollMs,
      shutdown: shutdown.signal,
    });
    const concurrency = config.bridge.maxInFlight ?? config.concurrency[queue];
    const worker = new Worker(queue, processor, {
      connection: redis,
      prefix: config.redis.prefix,
      concurrency,
      lockDuration: config.bridge.lockDurationMs,
      stalledInterval: config.bridge.stalledIntervalMs,
      maxStalledCount: config.bridge.maxStalledCount,
    });
    worker.on('error', (error) => logger.error(`BullMQ worker error on queue ${queue}: ${error.message}`));
    worker.on('stalled', (jobId) => {
      void Job.fromId(worker, jobId).then((job) => {
        const tenantId = namedTenantId(job);
        logger.warn(
          `${queue} job ${jobId} for tenant ${describeTenant(tenantId)} stalled; it is redelivered and reattaches to its workflow`,
          { tenant: tenantId },
        );
      });
    });
    worker.on('failed', (job, error) => {
      const tenantId = namedTenantId(job);
      logger.debug(`${queue} job ${job?.id} marked failed for tenant ${describeTenant(tenantId)}: ${error.message}`, {
        tenant: tenantId,
      });
    });
    logger.info(
      `Bridge consuming ${config.redis.prefix}:${queue} with concurrency ${concurrency}`,
    );
    return worker;
  });

  await Promise.all(workers.map((worker) => worker.waitUntilReady()));

  return {
    async close() {
      // Closing first stops the workers fetching; only then are running jobs handed back,
      // or a worker would pick a handed-back job straight up again.
      const closed = Promise.all(workers.map((worker) => worker.close()));
      shutdown.abort();
      await closed;
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
