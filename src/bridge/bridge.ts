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
import { DEPTH_STATES, JobSource } from './jobSource';
import type { BridgeMetrics } from '../operations/metrics';
import type { ReadinessChecks } from '../operations/httpServer';

/** BullMQ objects re-emit their shared connection's errors, which that connection logs already. */
const ignoreReemittedError = () => undefined;

/** The depth gauges' tenant label for the shared prefix, where one count covers every tenant. */
const SHARED_PREFIX_LABEL = '(shared)';
import { MarkerWatcher } from './markerWatcher';
import { createJobProcessor, namedTenantId } from './processor';
import { createWorkflowStarter } from './starter';

export interface RunningBridge {
  /** Stops taking jobs, hands running jobs back to their queues, and closes connections. */
  close(): Promise<void>;
  /** Readiness: consuming, and Redis answers. */
  readiness(): ReadinessChecks;
  /** Sets the BullMQ depth gauges from one count per queue and prefix. */
  sampleDepth(): Promise<void>;
}

export async function startBridge(
  config: AppConfig,
  deps: {
    client: Client;
    tenants: TenantRegistry;
    logger: Logger;
    /** The client shares a NativeConnection with workers of this process (see starter.ts). */
    eagerStart: boolean;
    metrics: BridgeMetrics;
  },
): Promise<RunningBridge> {
  const { logger } = deps;
  const redis = createRedisConnection(config.redis.url, { name: 'bridge commands', logger, autoPipelining: true });
  const shutdown = new AbortController();
  // Every job waiting on a workflow listens for shutdown: one listener per concurrency slot.
  setMaxListeners(0, shutdown.signal);

  const markers = createRedisConnection(config.redis.url, { name: 'bridge markers', logger });
  // BullMQ's wrapper of the connection, with its scripts loaded as commands.
  const fetches = new RedisConnection(
    createRedisConnection(config.redis.url, { name: 'bridge fetches', logger, autoPipelining: true }),
    {
      shared: false,
      blocking: false,
    },
  );
  // Its ioredis connection logs its errors; BullMQ's wrapper re-emits them, heard here so an
  // outage is not fatal (the same for every source below).
  fetches.on('error', ignoreReemittedError);
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
      maxInputBytes: config.bridge.maxInputBytes,
      shutdown: shutdown.signal,
      gate,
      startOrAttach,
      batcherFor: (route) => batchers.get(route),
      metrics: deps.metrics,
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
        const source = new JobSource(consumer.queue, prefix, redis, fetchClient, { ...sourceOptions, boundTenantId });
        source.on('error', ignoreReemittedError);
        consumer.add(source);
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
    readiness: () => ({
      bridgeConsuming: async () => consumers.every((consumer) => consumer.consuming),
      redis: async () => (await redis.ping()) === 'PONG',
      temporal: async () => {
        await deps.client.workflowService.getSystemInfo({});
        return true;
      },
    }),
    async sampleDepth() {
      for (const consumer of consumers) {
        for (const source of consumer.consumedSources) {
          const counts = await source.counts();
          const tenant = source.boundTenantId ?? SHARED_PREFIX_LABEL;
          for (const state of DEPTH_STATES)
            deps.metrics.depth.set({ queue: consumer.queue, tenant, state }, counts[state]);
        }
      }
    },
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
