/**
 * `elasticsearch-reindex` (`reindex`, `reindex-after-import-<id>`): rebuilds a tenant's search
 * indices from its database.
 *
 * The job's workflow plans the work and runs one child workflow per entity type. The child's id,
 * `<tenant>/reindex/<entity>[/project-<id>]`, is the lock that keeps two rebuilds of one index
 * from running at once: Temporal refuses a second running workflow with that id, so a second
 * request waits until the first is done and then runs its own rebuild.
 *
 * A full rebuild loads a new versioned index, catches up rows written meanwhile, and then moves
 * the live alias to it atomically (src/search/indexLifecycle.ts). A project's reindex rewrites
 * that project's documents in the live index in place, as TestPlanIt does.
 */
import {
  ApplicationFailure,
  CancellationScope,
  ContinueAsNew,
  continueAsNew,
  defineSignal,
  getExternalWorkflowHandle,
  isCancellation,
  ParentClosePolicy,
  patched,
  proxyActivities,
  setHandler,
  sleep,
  startChild,
  WorkflowIdReusePolicy,
  workflowInfo,
} from '@temporalio/workflow';
// The SDK's own, deterministic failure classes; @temporalio/workflow re-exports only some of them.
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { ChunkResult, SearchActivities } from '../activities/search';
import { rebuildLockId, tenantKeyOf } from '../jobs/ids';
import type { JobOrigin, JobWorkflowInput, Pacing } from '../jobs/jobInput';
import type { ReindexPayload } from '../jobs/payloads';
import type { SearchEntity } from '../search/entities';
import { failure } from '../failures/types';
import { JobReporter, type JobCompletion } from './jobStatus';
import { PollPacer, runIsLong } from './pacing';

// Planning and index administration: quick calls, retried patiently through an Elasticsearch restart.
const admin = proxyActivities<SearchActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 },
});

// One chunk is one page of rows and one bulk load; it heartbeats between its steps, so a chunk
// lost with a killed worker is re-run (rewriting the same documents) within seconds.
const chunks = proxyActivities<SearchActivities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '20 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 },
});

/** TestPlanIt's reindex result. */
export interface ReindexResult {
  success: true;
  results: Record<SearchEntity, number>;
  totalDocuments: number;
}

export interface RebuildInput {
  origin: JobOrigin;
  entity: SearchEntity;
  /** Rewrite this project's documents in the live index instead of rebuilding the whole index. */
  projectId?: number;
  /** Live projects in scope, for the per-project log lines. */
  projects: Array<{ id: number; name: string }>;
  /** Load project by project rather than tenant-wide. */
  perProject: boolean;
  /** The job workflow to report progress to. */
  reportTo: string;
  /** The job's history bounds (test-only). */
  pacing?: Pacing;
}

export interface RebuildProgress {
  entity: SearchEntity;
  /** Documents written so far by the rebuild. */
  indexed: number;
  lines: string[];
}

export interface RebuildResult {
  entity: SearchEntity;
  indexed: number;
  deleted: number;
  index: string;
}

export const rebuildProgressSignal = defineSignal<[RebuildProgress]>('rebuildProgress');

const LABEL: Record<SearchEntity, string> = {
  projects: 'projects',
  repositoryCases: 'repository cases',
  sharedSteps: 'shared steps',
  testRuns: 'test runs',
  sessions: 'sessions',
  issues: 'issues',
  milestones: 'milestones',
};

/**
 * Rebuilds that began with change tracking (triggers logging updated and deleted rows,
 * src/search/changes.ts) end it once their last catch-up ran. Histories from before record no
 * such call.
 */
const END_CHANGE_TRACKING = 'end-change-tracking';

/**
 * A rebuild run continues as new after this many activity calls, or earlier once its history is
 * long (runIsLong). Histories from before the second condition continue after 250 calls only.
 */
const CALLS_PER_RUN = 250;
const REBUILD_HISTORY_PATCH = 'reindex-rebuild-history-bound';

/**
 * A rebuild reports its progress to the job workflow at most every 250 ms at first, then at a
 * twelfth of its age, at least every 2 minutes (PollPacer): a rebuild of seconds shows its progress
 * bar moving as before (TestPlanIt's admin page and reindex route read it), one of hours does not
 * grow the job's history without bound. Each report is a signal, four events in the job
 * workflow's history (which cannot continue as new while it waits for the rebuild) and two in the
 * rebuild's; an hour's rebuild makes about 120 reports. Histories from before report after every
 * loaded chunk.
 */
const REPORT_FIRST_MS = 250;
const REPORT_MAX_MS = 2 * 60_000;
const PACED_REPORTS_PATCH = 'reindex-paced-progress-reports';

/**
 * A job waiting for another job's rebuild of the same index tries to start its own 2 s after it
 * began waiting, then less and less often, at least every 5 minutes: each try is some seven
 * events, and the other rebuild can take hours. (Only the timers' durations changed, which replay
 * does not compare.)
 */
const LOCK_RETRY_FIRST_MS = 2_000;
const LOCK_RETRY_MAX_MS = 5 * 60_000;

/**
 * A full rebuild goes from its catch-up straight to the swap. Its new index holds only documents
 * the load and the catch-up built, and every row that stopped qualifying after the load read it
 * (deleted, archived, its project deleted) was written after the horizon, so the catch-up found it
 * and deleted its document; the prune pass, which asked the database about every document of the
 * index again (2.8 s of a 100,000-document rebuild), found nothing more. A project's in-place
 * reindex still prunes: the live index it writes may hold documents of rows deleted long before.
 */
const REBUILD_WITHOUT_PRUNE = 'reindex-rebuild-without-prune';

type Phase = 'load' | 'catchUp' | 'prune' | 'swap' | 'afterSwap' | 'done';

export interface RebuildState {
  phase: Phase;
  /** The index written: the versioned index of a rebuild, or the live alias in place. */
  index: string;
  /** Transaction horizon when loading began, and when the pre-swap catch-up began. */
  horizon: string;
  swapHorizon?: string;
  /** Which scope of the load, and the id cursor within it (or within catch-up/prune). */
  segment: number;
  cursor: number;
  indexed: number;
  deleted: number;
  /** When the rebuild began (workflow time, ms), for the pace of its reports across runs. */
  startedMs?: number;
}

/** The job: plan, then one child rebuild per entity type, each waiting for the lock it needs. */
export async function reindexWorkflow(input: JobWorkflowInput<ReindexPayload>): Promise<JobCompletion<ReindexResult>> {
  const { origin, payload } = input;
  const reporter = new JobReporter();
  reporter.setProgress(0);
  reporter.log('Starting reindex operation...');
  const plan = await admin.planReindex({ origin, entityType: payload.entityType, projectId: payload.projectId });
  reporter.setProgress(10);
  reporter.log(`Found ${plan.projects.length} projects to process`);

  const total = plan.entities.reduce((sum, entity) => sum + entity.total, 0);
  const written: Partial<Record<SearchEntity, number>> = {};
  const reportProgress = () => {
    const done = Object.values(written).reduce((sum, value) => sum + (value ?? 0), 0);
    reporter.setProgress(total === 0 ? 90 : Math.min(90, Math.round(10 + (done / total) * 80)));
  };
  setHandler(rebuildProgressSignal, (progress) => {
    written[progress.entity] = progress.indexed;
    for (const line of progress.lines) reporter.log(line);
    reportProgress();
  });

  const results: Record<SearchEntity, number> = {
    projects: 0,
    repositoryCases: 0,
    sharedSteps: 0,
    testRuns: 0,
    sessions: 0,
    issues: 0,
    milestones: 0,
  };
  // The plan lists the entity types in the order they are rebuilt.
  for (const { entity, perProject } of plan.entities) {
    if (payload.projectId && plan.projects.length === 0) break;
    const workflowId = rebuildLockId(tenantKeyOf(origin.tenantId), entity, payload.projectId);
    const args: RebuildInput = {
      origin,
      entity,
      projectId: payload.projectId,
      projects: plan.projects,
      perProject,
      reportTo: workflowInfo().workflowId,
      pacing: input.pacing,
    };
    let waited: PollPacer | undefined;
    for (;;) {
      try {
        const child = await startChild(rebuildEntityWorkflow, {
          workflowId,
          args: [args],
          parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
          workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
          typedSearchAttributes: workflowInfo().typedSearchAttributes,
        });
        const result = await child.result();
        results[entity] = result.indexed;
        written[entity] = result.indexed;
        reportProgress();
        break;
      } catch (error) {
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
        if (!waited)
          reporter.log(
            `Waiting for the ${LABEL[entity]} reindex already running for this tenant (${workflowId}) to finish`,
          );
        waited ??= new PollPacer(LOCK_RETRY_FIRST_MS, LOCK_RETRY_MAX_MS, input.pacing);
        await sleep(waited.next());
      }
    }
  }

  reporter.setProgress(100);
  reporter.log('Reindex completed successfully!');
  const totalDocuments = Object.values(results).reduce((sum, value) => sum + value, 0);
  return reporter.complete({ success: true, results, totalDocuments });
}

/** One entity type's rebuild (or in-place project rewrite); resumable at every chunk. */
export async function rebuildEntityWorkflow(input: RebuildInput, carried?: RebuildState): Promise<RebuildResult> {
  const { origin, entity, projectId } = input;
  const info = workflowInfo();
  const inPlace = projectId !== undefined;
  const segments: Array<{ id?: number; name?: string }> = input.perProject ? input.projects : [{}];
  const pending: string[] = [];
  const pacedReports = patched(PACED_REPORTS_PATCH);
  let reportedAt = Date.now();

  const report = async () => {
    reportedAt = Date.now();
    const lines = pending.splice(0, pending.length);
    try {
      await getExternalWorkflowHandle(input.reportTo).signal(rebuildProgressSignal, {
        entity,
        indexed: state.indexed,
        lines,
      });
    } catch {
      // The job workflow is gone (terminated or reset): the rebuild itself is still worth finishing.
    }
  };

  let state: RebuildState;
  if (carried) {
    state = carried;
  } else {
    const startedAt = info.startTime.toISOString();
    const token = `${info.workflowId}/${info.firstExecutionRunId}`;
    if (inPlace) {
      state = {
        phase: 'load',
        index: await admin.liveIndex({ origin, entity, startedAt, token }),
        horizon: '0',
        segment: 0,
        cursor: 0,
        indexed: 0,
        deleted: 0,
      };
    } else {
      const prepared = await admin.prepareRebuild({ origin, entity, startedAt, token });
      state = {
        phase: 'load',
        index: prepared.index,
        horizon: prepared.horizon,
        segment: 0,
        cursor: 0,
        indexed: 0,
        deleted: 0,
      };
    }
  }
  if (pacedReports) state.startedMs ??= Date.now();
  const reportPacer = new PollPacer(REPORT_FIRST_MS, REPORT_MAX_MS, input.pacing, state.startedMs);

  const apply = (result: ChunkResult): boolean => {
    state.indexed += result.indexed;
    state.deleted += result.deleted;
    if (result.lastId === null) {
      state.cursor = 0;
      return false;
    }
    state.cursor = result.lastId;
    return true;
  };

  try {
    for (let calls = 0; state.phase !== 'done'; calls += 1) {
      if (calls >= CALLS_PER_RUN || (calls > 0 && runIsLong(input.pacing) && patched(REBUILD_HISTORY_PATCH))) {
        await report();
        await continueAsNew<typeof rebuildEntityWorkflow>(input, state);
      }
      switch (state.phase) {
        case 'load': {
          const segment = segments[state.segment];
          if (!segment) {
            if (inPlace) state.phase = 'prune';
            else {
              await admin.finishRebuild({ origin, index: state.index });
              state.swapHorizon = await admin.currentHorizon({ origin });
              state.phase = 'catchUp';
            }
            break;
          }
          const scope = segment.id !== undefined ? { projectId: segment.id } : inPlace ? { projectId } : {};
          if (state.cursor === 0) {
            const count = await admin.countDocuments({ origin, entity, scope });
            if (count > 0)
              pending.push(
                segment.name
                  ? `Syncing ${count} ${LABEL[entity]} for project ${segment.name}`
                  : `Syncing ${count} ${LABEL[entity]}`,
              );
            if (count === 0) {
              state.segment += 1;
              break;
            }
          }
          if (!apply(await chunks.indexChunk({ origin, entity, index: state.index, scope, afterId: state.cursor }))) {
            state.segment += 1;
            if (segment.name) pending.push(`Completed ${LABEL[entity]} for project ${segment.name}`);
          }
          if (!pacedReports || reportPacer.due(reportedAt)) await report();
          break;
        }
        case 'catchUp': {
          const result = await chunks.catchUpChunk({
            origin,
            entity,
            index: state.index,
            since: state.horizon,
            afterId: state.cursor,
          });
          if (!apply(result)) state.phase = patched(REBUILD_WITHOUT_PRUNE) ? 'swap' : 'prune';
          break;
        }
        case 'prune': {
          const scope = inPlace ? { projectId } : {};
          if (!apply(await chunks.pruneChunk({ origin, entity, index: state.index, scope, afterId: state.cursor }))) {
            state.phase = inPlace ? 'done' : 'swap';
          }
          break;
        }
        case 'swap': {
          const swapped = await admin.swapLiveIndex({ origin, entity, index: state.index });
          pending.push(`Switched ${swapped.alias} to the rebuilt index`);
          state.phase = 'afterSwap';
          break;
        }
        case 'afterSwap': {
          // Writes between the pre-swap catch-up and the swap went to the old index.
          const since = state.swapHorizon ?? state.horizon;
          if (!apply(await chunks.catchUpChunk({ origin, entity, index: state.index, since, afterId: state.cursor })))
            state.phase = 'done';
          break;
        }
      }
    }
    // The triggers stay until here: the catch-up after the swap reads what they logged.
    if (!inPlace && patched(END_CHANGE_TRACKING))
      await admin.endRebuildTracking({ origin, entity, index: state.index });
  } catch (error) {
    // Continue-as-new ends this run by throwing from inside the loop: the rebuild goes on in the
    // next run, so its index must stay. (Before, a rebuild of more than CALLS_PER_RUN calls
    // discarded its index here and failed; those runs are closed, so no running history has it.)
    if (error instanceof ContinueAsNew) throw error;
    if (!inPlace && state.phase !== 'afterSwap' && state.phase !== 'done') {
      // The live alias never pointed at this index: drop it (which ends its change tracking too),
      // even when cancelled.
      await CancellationScope.nonCancellable(() => admin.discardRebuild({ origin, entity, index: state.index }));
    } else if (!inPlace && patched(END_CHANGE_TRACKING)) {
      // Failed or cancelled after the swap: the index stays live; the triggers must not.
      await CancellationScope.nonCancellable(() => admin.endRebuildTracking({ origin, entity, index: state.index }));
    }
    if (isCancellation(error)) throw error;
    throw error instanceof ApplicationFailure
      ? error
      : failure('ReindexFailed', (error as Error).message, { cause: error as Error });
  }
  await report();
  return { entity, indexed: state.indexed, deleted: state.deleted, index: state.index };
}
