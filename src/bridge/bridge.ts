/**
 * The bridge: for every TestPlanIt queue it serves, a QueueConsumer (consumer.ts) takes jobs from
 * the shared BullMQ prefix and from each tenant's own prefix, and turns them into Temporal
 * workflows (processor.ts). Admission is decoupled from execution: a queue holds up to
 * BRIDGE_MAX_IN_FLIGHT jobs taken from Redis as fast as they come, and its fair gate starts them
 * in weighted round-robin across tenants, a start window at a time; the family's concurrency
 * bounds what runs, in the Temporal worker's slots. All queues and prefixes share three
 * Redis connections (one blocking, for BullMQ's markers; one for fetches; one for the rest). The
 * bridge holds no job state of its own: everything needed to resume after a crash is in Redis
 * (the job) and Temporal (the workflow).
 */
import { setMaxListeners } from 'node:events';
import { Job, RedisConnection } from 'bullmq';
import type { Client } from '@temporalio/client';
import type { AppConfig } from '../config';
import { describeTenant } from '../jobs/jobInput';
import type { Logger } from '../logging';
import { createRedisConnection } from '../redis';
import type { TenantRegistry } from '../tenancy/registry';
import { JOB_ROUTES, type JobRoute } from '../jobs/routes';
import { JobBatcher } from './batcher';
import { QueueConsumer } from './consumer';
import { FairGate } from './fairGate';
import { JobSource } from './jobSource';
import { MarkerWatcher } from './markerWatcher';
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
  const redis = createRedisConnection(config.redis.url, { autoPipelining: true });
  const shutdown = new AbortController();
  // Every job waiting on a workflow listens for shutdown: one listener per concurrency slot.
  setMaxListeners(0, shutdown.signal);

  const markers = createRedisConnection(config.redis.url);
  // BullMQ's wrapper of the connection, with its scripts loaded as commands.
  const fetches = new RedisConnection(createRedisConnection(config.redis.url, { autoPipelining: true }), {
    shared: false,
    blocking: false,
  });
  const fetchClient = await fetches.client;
  const watcher = new MarkerWatcher(markers, logger);
  const weightOf = (tenantKey: string) => config.bridge.tenantWeights[tenantKey] ?? 1;
  const sourceOptions = {
    lockDurationMs: config.bridge.lockDurationMs,
    stalledIntervalMs: config.bridge.stalledIntervalMs,
    maxStalledCount: config.bridge.maxStalledCount,
  };

  const consumers = config.bridge.queues.map((queue) => {
    const gate = new FairGate({
      window: config.bridge.startWindow[queue],
      tenantCap: config.bridge.tenantMaxRunning,
      weightOf,
    });
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
        batchers.set(
          route,
          new JobBatcher(queue, route, route.batchWorkflowType, config.bridge.batch, {
            gate,
            startOrAttach,
            shutdown: shutdown.signal,
            logger,
          }),
        );
      }
    }
    const processor = createJobProcessor(queue, {
      tenants: deps.tenants,
      redis,
      logger,
      statusPollMs: config.bridge.statusPollMs,
      shutdown: shutdown.signal,
      gate,
      startOrAttach,
      batcherFor: (route) => batchers.get(route),
    });
    return new QueueConsumer(queue, config.bridge, watcher, processor, logger, async (source, jobId) => {
      if (source.boundTenantId) return { label: source.boundTenantId, tenant: source.boundTenantId };
      const tenantId = namedTenantId(await Job.fromId(source, jobId).catch(() => undefined));
      return { label: describeTenant(tenantId), tenant: tenantId };
    });
  });

  /** Adds a source for every prefix not consumed yet: the shared one and each tenant's own. */
  const addSources = () => {
    const prefixes: Array<{ prefix: string; boundTenantId?: string }> = [];
    if (config.bridge.consumeSharedPrefix) prefixes.push({ prefix: config.redis.prefix });
    for (const { tenantId, prefix } of deps.tenants.boundPrefixes()) {
      if (prefix === config.redis.prefix) {
        logger.error(
          `Tenant "${tenantId}" has bullmqPrefix "${prefix}", which is the shared BULLMQ_PREFIX; its own prefix is not consumed until it gets another`,
          { tenant: tenantId },
        );
        continue;
      }
      prefixes.push({ prefix, boundTenantId: tenantId });
    }
    for (const consumer of consumers) {
      const known = new Set(consumer.prefixes);
      for (const { prefix, boundTenantId } of prefixes) {
        if (known.has(prefix)) continue;
        consumer.add(new JobSource(consumer.queue, prefix, redis, fetchClient, { ...sourceOptions, boundTenantId }));
      }
    }
    return prefixes;
  };
  const prefixes = addSources();
  watcher.start();
  const refresh = deps.tenants.multiTenant
    ? setInterval(() => {
        deps.tenants.reload();
        addSources();
      }, config.bridge.tenantRefreshMs)
    : undefined;
  refresh?.unref();

  const bound = prefixes.filter((entry) => entry.boundTenantId).length;
  logger.info(
    `Bridge consuming ${config.bridge.queues.length} queues under ` +
      (config.bridge.consumeSharedPrefix
        ? `the shared prefix "${config.redis.prefix}"${bound ? ` and ${bound} tenant prefixes` : ''}`
        : `${bound} tenant prefixes`) +
      `: up to ${config.bridge.maxInFlight} jobs held per queue, started in fair order across tenants` +
      (config.bridge.tenantMaxRunning ? `, ${config.bridge.tenantMaxRunning} running per tenant` : '') +
      (deps.eagerStart ? ', eager starts' : ''),
  );

  return {
    async close() {
      if (refresh) clearInterval(refresh);
      // Fetching stops first; only then are held jobs handed back, or a consumer would pick a
      // handed-back job straight up again.
      for (const consumer of consumers) consumer.stopFetching();
      await watcher.stop();
      shutdown.abort();
      await Promise.all(consumers.map((consumer) => consumer.close()));
      markers.disconnect();
      await fetches.close();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
