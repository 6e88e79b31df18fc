/**
 * One pool of workflow threads for all of a process's Workers, instead of one pool each.
 *
 * Why: the SDK gives every Worker (we run one per task queue, 7 by default) its own workflow
 * thread, and every such thread loads the SDK's protobuf definitions and the workflow bundle
 * into its own V8 isolate: ~60 MB each, over 400 MB for the seven, most of a worker's memory
 * (bench/workerMemory.ts). Workflow code is the same for every task queue, and a run is only
 * ever activated by its own queue's Worker, so the threads can serve all queues; the SDK lets
 * a Worker subclass supply the workflow creator (its protected static createWorkflowCreator),
 * which is how this shares one. The bundle is read and checked once, not once per Worker, too.
 *
 * The pool's threads stop when the last Worker using them has stopped.
 */
import * as v8 from 'node:v8';
import { Worker } from '@temporalio/worker';
import type { CompiledWorkerOptions, Logger } from '@temporalio/worker';
import type { WorkflowCreator } from '@temporalio/worker/lib/workflow/interface';
import type { WorkflowBundleWithSourceMapAndFilename } from '@temporalio/worker/lib/workflow/workflow-worker-thread/input';

/**
 * A Worker class whose instances share one workflow thread pool (sized by the first Worker's
 * `workflowThreadPoolSize`). One class per set of Workers: its pool is made for them and ends with them.
 */
export function workerClassSharingWorkflowThreads(): typeof Worker {
  let bundle: Promise<WorkflowBundleWithSourceMapAndFilename | undefined> | undefined;
  let pool: Promise<WorkflowCreator> | undefined;
  let users = 0;

  return class WorkerSharingWorkflowThreads extends Worker {
    protected static override getOrCreateBundle(
      compiledOptions: CompiledWorkerOptions,
      logger: Logger,
    ): Promise<WorkflowBundleWithSourceMapAndFilename | undefined> {
      bundle ??= super.getOrCreateBundle(compiledOptions, logger);
      return bundle;
    }

    protected static override async createWorkflowCreator(
      workflowBundle: WorkflowBundleWithSourceMapAndFilename,
      compiledOptions: CompiledWorkerOptions,
      logger: Logger,
    ): Promise<WorkflowCreator> {
      pool ??= super.createWorkflowCreator(workflowBundle, compiledOptions, logger);
      const shared = await pool;
      users += 1;
      let released = false;
      return {
        createWorkflow: (options) => shared.createWorkflow(options),
        // Called by each Worker as it stops; the threads go with the last one.
        async destroy() {
          if (released) return;
          released = true;
          users -= 1;
          if (users > 0) return;
          pool = undefined;
          await shared.destroy();
        },
      };
    }
  };
}

/**
 * The SDK sizes each Worker's workflow cache for a thread of its own: 600 workflows per GB of
 * heap above 200 MB (its default with reuseV8Context, the main heap's limit standing for the
 * thread's). Sharing threads, the queues share that budget, or one thread's isolate could be asked
 * to hold every queue's full cache. An evicted workflow is replayed from history on its next task.
 */
export function maxCachedWorkflowsPerQueue(queues: number, threads: number): number {
  const heapMiB = v8.getHeapStatistics().heap_size_limit / 2 ** 20;
  const perThread = Math.max(Math.floor((Math.max(heapMiB - 200, 0) * 600) / 1024), 10);
  return Math.max(Math.floor((perThread * threads) / queues), 10);
}
