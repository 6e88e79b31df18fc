/**
 * The Temporal workers: one per job family (task queue), all sharing one connection, one
 * workflow bundle and one set of activities. A family's activity slots equal its TestPlanIt
 * concurrency, so FORECAST_CONCURRENCY and friends mean what they meant for TestPlanIt's workers.
 */
import { NativeConnection } from '@temporalio/worker';
import type { AppConfig } from '../config';
import { createActivities, type ActivityDeps } from '../activities';
import { QUEUE_SETTINGS, type QueueName } from '../jobs/queues';
import { taskQueueFor } from '../jobs/ids';
import type { Logger } from '../logging';
import { activityFailureInterceptors } from '../failures/conversion';
import { maxCachedWorkflowsPerQueue, workerClassSharingWorkflowThreads } from './sharedWorkflowThreads';
import { DEFAULT_WORKFLOW_BUNDLE_PATH, workflowBundleForWorker } from './workflowBundle';

export interface RunningWorkers {
  /** Resolves when every worker has stopped. */
  finished: Promise<void>;
  /** Stops polling; in-flight activities get the shutdown grace time to finish, then are handed back. */
  shutdown(): Promise<void>;
  /** Every family's worker is running (polling its task queue). */
  polling(): boolean;
}

const SHUTDOWN_FORCE_MARGIN_MS = 15_000;

function activitySlots(config: AppConfig, queue: QueueName): number {
  return config.concurrency[queue] * (QUEUE_SETTINGS[queue].activitySlotsPerJob ?? 1);
}

/** `sharedConnection`: one made by the caller (to share it with a client); the workers close it when they stop. */
export async function startWorkers(
  config: AppConfig,
  deps: ActivityDeps,
  logger: Logger,
  sharedConnection?: NativeConnection,
): Promise<RunningWorkers> {
  // First: a stale bundle in production is the operator's to fix, whatever else fails.
  const workflows = await workflowBundleForWorker(
    config.worker.bundlePath ?? DEFAULT_WORKFLOW_BUNDLE_PATH,
    config.worker.requirePrebuiltBundle,
    logger,
  );
  const connection = sharedConnection ?? (await NativeConnection.connect(config.temporal.connection));
  const activities = createActivities(deps);

  // One pool of workflow threads for all task queues, not one per queue (~60 MB a thread), and
  // so one workflow cache budget shared by the queues (sharedWorkflowThreads.ts).
  const SharingWorker = workerClassSharingWorkflowThreads();
  const workers = await Promise.all(
    config.worker.queues.map((queue) =>
      SharingWorker.create({
        connection,
        namespace: config.temporal.namespace,
        taskQueue: taskQueueFor(config.temporal.taskQueuePrefix, queue),
        workflowBundle: workflows.bundle,
        workflowThreadPoolSize: config.worker.workflowThreads,
        maxCachedWorkflows: maxCachedWorkflowsPerQueue(config.worker.queues.length, config.worker.workflowThreads),
        activities,
        interceptors: { activity: [activityFailureInterceptors] },
        // A family's concurrency bounds its running jobs here, in the worker, whatever the bridge admitted.
        maxConcurrentActivityTaskExecutions: activitySlots(config, queue),
        maxConcurrentLocalActivityExecutions: activitySlots(config, queue),
        shutdownGraceTime: config.worker.shutdownGraceMs,
        // A stop never hangs: what has not finished by then is retried by Temporal elsewhere.
        shutdownForceTime: config.worker.shutdownGraceMs + SHUTDOWN_FORCE_MARGIN_MS,
      }),
    ),
  );

  const finished = Promise.all(workers.map((worker) => worker.run()))
    .then(() => undefined)
    .finally(() => connection.close());
  for (const queue of config.worker.queues) {
    logger.info(
      `Worker polling ${taskQueueFor(config.temporal.taskQueuePrefix, queue)} with ${activitySlots(config, queue)} activity slots`,
    );
  }
  // The process's memory once every worker polls: what bench/workerMemory.ts reports.
  logger.info(
    `Workers polling ${workers.length} task queues; RSS ${Math.round(process.memoryUsage().rss / 2 ** 20)} MB ` +
      `(workflow bundle ${workflows.prebuilt ? 'prebuilt' : 'built at start'})`,
  );

  return {
    finished,
    polling: () => workers.every((worker) => worker.getState() === 'RUNNING'),
    async shutdown() {
      for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
      await finished;
    },
  };
}
