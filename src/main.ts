/**
 * Process entry point: `tsx src/main.ts all|bridge|worker`.
 * A deployment scales bridges and workers separately; `all` runs both in one process.
 */
import { DefaultLogger, NativeConnection, Runtime, makeTelemetryFilterString } from '@temporalio/worker';
import { startBridge, type RunningBridge } from './bridge/bridge';
import { loadConfig } from './config';
import { createLogger } from './logging';
import { startOpsServer, type OpsServer, type ReadinessChecks } from './operations/httpServer';
import { BridgeMetrics, WorkerMetrics } from './operations/metrics';
import { announceProcess } from './operations/processRegistry';
import { createRedisConnection } from './redis';
import { syncRecurringJobs } from './schedules/syncRecurringJobs';
import { clientOnWorkerConnection, connectClient } from './temporal/connection';
import { TenantRegistry } from './tenancy/registry';
import { createActivityDeps } from './worker/dependencies';
import { startWorkers, type RunningWorkers } from './worker/worker';

type Role = 'all' | 'bridge' | 'worker';

const DEPTH_SAMPLE_MS = 15_000;

async function main(role: Role): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(role, config.logLevel, undefined, config.operations.logFormat);
  const tenants = new TenantRegistry(config.tenancy, logger.child('tenancy'));
  logger.info(`Starting ${role} in ${tenants.multiTenant ? 'MULTI-TENANT' : 'SINGLE-TENANT'} mode`, {
    temporal: config.temporal.connection.address,
    namespace: config.temporal.namespace,
  });

  // Signals are handled below so the bridge hands jobs back before the workers stop.
  Runtime.install({
    shutdownSignals: [],
    logger: new DefaultLogger(config.logLevel === 'debug' ? 'DEBUG' : 'WARN'),
    telemetryOptions: {
      logging: { filter: makeTelemetryFilterString({ core: 'WARN' }), forward: {} },
      // The SDK's worker metrics (slots, polls, latencies per task queue), folded into /metrics.
      ...(config.operations.temporalMetricsPort !== undefined && role !== 'bridge'
        ? { metrics: { prometheus: { bindAddress: `127.0.0.1:${config.operations.temporalMetricsPort}` } } }
        : {}),
    },
  });
  const bridgeMetrics = role !== 'worker' ? new BridgeMetrics() : undefined;
  const workerMetrics = role !== 'bridge' ? new WorkerMetrics(role === 'worker') : undefined;

  let activityDeps: ReturnType<typeof createActivityDeps> | undefined;
  let workers: RunningWorkers | undefined;
  let bridge: RunningBridge | undefined;

  // One process running both: the bridge's client shares the workers' connection, so its starts
  // can hand the first workflow task straight to a local worker (eager start).
  const shared =
    role === 'all' && config.bridge.eagerStart ? await NativeConnection.connect(config.temporal.connection) : undefined;
  if (role !== 'bridge') {
    activityDeps = createActivityDeps(config, tenants, logger.child('activity'));
    workers = await startWorkers(config, activityDeps.deps, logger, shared);
  }
  const syncsSchedules = role !== 'bridge' && config.schedules.syncOnStart;
  const temporalClient = shared
    ? clientOnWorkerConnection(shared, config)
    : syncsSchedules || role !== 'worker'
      ? await connectClient(config)
      : undefined;
  if (temporalClient && syncsSchedules) {
    // Workers own the recurring jobs. A failed sync must not keep them from serving jobs: it is
    // logged, and `npm run schedules:sync` can be run again by hand.
    await syncRecurringJobs(temporalClient.client, config, tenants, logger.child('schedules')).catch((error: unknown) =>
      logger.error(`Schedule sync failed: ${(error as Error).message}`),
    );
  }
  if (temporalClient && role !== 'worker') {
    bridge = await startBridge(config, {
      client: temporalClient.client,
      tenants,
      logger: logger.child('bridge'),
      eagerStart: shared !== undefined,
      metrics: bridgeMetrics!,
    });
  }

  let lastDepthSample = 0;
  const temporalSdkMetrics = async (): Promise<string | undefined> => {
    if (config.operations.temporalMetricsPort === undefined || role === 'bridge') return undefined;
    const response = await fetch(`http://127.0.0.1:${config.operations.temporalMetricsPort}/metrics`).catch(
      () => undefined,
    );
    return response?.ok ? response.text() : undefined;
  };
  let ops: OpsServer | undefined;
  if (config.operations.metricsPort !== undefined) {
    ops = await startOpsServer({
      port: config.operations.metricsPort,
      logger,
      readiness: () => {
        const checks: ReadinessChecks = { ...bridge?.readiness() };
        if (workers) checks.workersPolling = async () => workers!.polling();
        if (activityDeps) checks.redis = activityDeps.ping;
        return checks;
      },
      metrics: async () => {
        // Depth is sampled on scrape (one count per queue and prefix), at most every 15 s.
        if (bridge && Date.now() - lastDepthSample >= DEPTH_SAMPLE_MS) {
          lastDepthSample = Date.now();
          await bridge
            .sampleDepth()
            .catch((error: unknown) => logger.warn(`Sampling queue depth failed: ${(error as Error).message}`));
        }
        if (activityDeps && workerMetrics) {
          const sizes = activityDeps.poolSizes();
          workerMetrics.tenantClients.set(sizes.databaseClients);
          workerMetrics.tenantConnections.set(sizes.databaseClients * config.database.connectionsPerClient);
          workerMetrics.searchClients.set(sizes.searchClients);
        }
        const parts = await Promise.all([
          bridgeMetrics?.registry.metrics(),
          workerMetrics?.registry.metrics(),
          temporalSdkMetrics(),
        ]);
        return { contentType: 'text/plain; version=0.0.4; charset=utf-8', body: parts.filter(Boolean).join('\n') };
      },
    });
  }
  process.on('SIGHUP', () => tenants.reload());

  const registryConnection = createRedisConnection(config.redis.url, { name: 'process registry', logger });
  const announcement = announceProcess(
    registryConnection,
    role,
    [
      ...new Set([
        ...(role !== 'worker' ? config.bridge.queues : []),
        ...(role !== 'bridge' ? config.worker.queues : []),
      ]),
    ],
    logger,
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal} received; shutting down`);
    // Each step is bounded on its own (the workers by WORKER_SHUTDOWN_GRACE_MS plus the SDK's
    // force time); this bound is the last resort that keeps a stop from hanging whatever a step
    // waits for, and names the step, so a supervisor never has to SIGKILL a silent process.
    let step = 'starting';
    const deadlineMs = config.worker.shutdownGraceMs + SHUTDOWN_DEADLINE_MARGIN_MS;
    setTimeout(() => {
      logger.error(`Shutdown did not finish within ${deadlineMs} ms (stuck in: ${step}); exiting`);
      process.exit(1);
    }, deadlineMs).unref();
    const run = async (name: string, work: () => unknown) => {
      step = name;
      await work();
    };
    await run('operations server', () => ops?.close());
    await run('process announcement', () => announcement.stop());
    registryConnection.disconnect();
    await run('bridge', () => bridge?.close());
    await run('Temporal client', () => temporalClient?.close());
    await run('workers', () => workers?.shutdown());
    await run('activity dependencies', () =>
      activityDeps?.close((part) => {
        step = `activity dependencies: ${part}`;
      }),
    );
    logger.info('Shutdown complete');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));

  if (workers) {
    await workers.finished.catch((error: unknown) => {
      logger.error(`Worker stopped with an error: ${(error as Error).message}`);
      process.exit(1);
    });
  }
}

/** Beyond the workers' grace time: their forced stop (15 s) and the other steps. */
const SHUTDOWN_DEADLINE_MARGIN_MS = 45_000;

const role = (process.argv[2] ?? 'all') as Role;
if (!['all', 'bridge', 'worker'].includes(role)) {
  process.stderr.write(`usage: main.ts all|bridge|worker (got "${role}")\n`);
  process.exit(2);
}
main(role).catch((error: unknown) => {
  process.stderr.write(`Fatal: ${(error as Error).message}\n`);
  process.exit(1);
});
