/**
 * The bridge: one BullMQ Worker per TestPlanIt queue it serves, each turning jobs into Temporal
 * workflows (see processor.ts). Admission is decoupled from execution: a queue's BullMQ Worker takes
 * up to BRIDGE_MAX_IN_FLIGHT jobs from Redis as fast as they come, and its fair gate starts them in
 * weighted round-robin across tenants, a start window at a time; the family's concurrency bounds
 * what runs, in the Temporal worker's slots. It holds no job state of its own: everything needed
 * to resume after a crash is in Redis (the job) and Temporal (the workflow).
 */
import { setMaxListeners } from 'node:events';
import { Job, Worker } from 'bullmq';
import type { Client } from '@temporalio/client';
import type { AppConfig } from '../config';
import { describeTenant } from '../jobs/jobInput';
import type { Logger } from '../logging';
import { createRedisConnection } from '../redis';
import type { TenantRegistry } from '../tenancy/registry';
import { JOB_ROUTES, type JobRoute } from '../jobs/routes';
import { JobBatcher } from './batcher';
import { FairGate } from './fairGate';
import { createJobProcessor, namedTenantId } from './processor';
import { createWorkflowStarter } from './starter';

export interface RunningBridge {
  /** Stops taking jobs, hands running jobs back to their queues, and closes connections. */
  close(): Promise<void>;
}

export async function startBridge(
  config: AppConfig,
  deps: {
    client: Client;
    tenants: TenantRegistry;
    logger: Logger;
    /** The client shares a NativeConnection with workers of this process (see starter.ts). */
    eagerStart: boolean;
  },
): Promise<RunningBridge> {
  const { logger } = deps;
  const redis = createRedisConnection(config.redis.url);
  const shutdown = new AbortController();
  // Every job waiting on a workflow listens for shutdown: one listener per concurrency slot.
  setMaxListeners(0, shutdown.signal);

  const weightOf = (tenantKey: string) => config.bridge.tenantWeights[tenantKey] ?? 1;
  const workers = config.bridge.queues.map((queue) => {
    const gate = new FairGate({ window: config.bridge.startWindow[queue], tenantCap: config.bridge.tenantMaxRunning, weightOf });
    const startOrAttach = createWorkflowStarter({
      client: deps.client,
      logger,
      taskQueuePrefix: config.temporal.taskQueuePrefix,
      weightOf,
      eagerStart: deps.eagerStart,
      shutdown: shutdown.signal,
    });
    const batchers = new Map<JobRoute, JobBatcher>();
    if (config.bridge.batch.maxJobs > 1) {
      for (const route of JOB_ROUTES) {
        if (route.queue !== queue || !route.batchWorkflowType) continue;
        batchers.set(route, new JobBatcher(queue, route, route.batchWorkflowType, config.bridge.batch, { gate, startOrAttach, shutdown: shutdown.signal, logger }));
      }
    }
    const processor = createJobProcessor(queue, {
      tenants: deps.tenants,
      redis,
      logger,
      bullPrefix: config.redis.prefix,
      statusPollMs: config.bridge.statusPollMs,
      shutdown: shutdown.signal,
      gate,
      startOrAttach,
      batcherFor: (route) => batchers.get(route),
    });
    const worker = new Worker(queue, processor, {
      connection: redis,
      prefix: config.redis.prefix,
      concurrency: config.bridge.maxInFlight,
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
      `Bridge consuming ${config.redis.prefix}:${queue}: up to ${config.bridge.maxInFlight} jobs held, ` +
        `${config.bridge.startWindow[queue]} started at once in fair order across tenants` +
        (config.bridge.tenantMaxRunning ? `, ${config.bridge.tenantMaxRunning} per tenant` : '') +
        (deps.eagerStart ? ', eager starts' : ''),
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
