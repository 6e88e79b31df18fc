/**
 * `testmo-imports` / `process-testmo-import`: `analyze` stages an export and leaves the job
 * READY for the user's mapping; `import` imports the staged rows phase by phase, one checkpointed
 * chunk per activity, then queues the tenant's reindex. A killed worker costs at most the chunk
 * in flight, which its retry redoes from the database's checkpoint.
 *
 * Cancel from the web app (`cancelRequested`) stops at the next chunk; cancel from Temporal stops
 * at once. Either way the job row ends CANCELED, and any failure ends it FAILED with the reason.
 */
import {
  CancellationScope,
  condition,
  ContinueAsNew,
  continueAsNew,
  isCancellation,
  patched,
  proxyActivities,
} from '@temporalio/workflow';
import { failureMessage } from './notifications';
import type { ImportJobRef, TestmoImportActivities } from '../activities/testmoImport';
import type { JobStatus, JobWorkflowInput, Pacing } from '../jobs/jobInput';
import type { TestmoImportPayload } from '../jobs/payloads';
import type { ImportPlan } from '../testmo/importer';
import { failure } from '../failures/types';
import { JobReporter, type JobCompletion } from './jobStatus';
import { PollPacer, runIsLong } from './pacing';

// Analysis streams the whole file in one activity; it heartbeats after every staged batch, so a
// lost worker is noticed within a minute and the retry stages only what was not committed.
const analysis = proxyActivities<TestmoImportActivities>({
  startToCloseTimeout: '24 hours',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 5 },
});
// A chunk is one transaction of a few seconds that heartbeats while it runs: a killed worker's
// chunk is retried within 20 s. The job lock each chunk takes makes a stale attempt and
// its retry take turns, and the retry starts from the committed checkpoint.
const chunks = proxyActivities<TestmoImportActivities>({
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '20 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 },
});
const bookkeeping = proxyActivities<TestmoImportActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 20 },
});

/**
 * The analysis's progress is read 5 s after it starts, then less and less often, at least every
 * 5 minutes (PollPacer): each read costs about ten history events and the analysis, one activity,
 * cannot continue as new, so a fixed 5-second poll would put some 7,000 events an hour into the
 * history. Paced, an hour's analysis takes about 60 reads and a day's about 340.
 */
const ANALYSIS_POLL_FIRST_MS = 5_000;
const ANALYSIS_POLL_MAX_MS = 5 * 60_000;
/**
 * While a chunk runs longer than 15 s, the job row's running step is copied to the BullMQ log,
 * then less and less often, at least every 2 minutes (PollPacer, as for the analysis). A timer per
 * chunk (started and cancelled: two history events), so histories recorded before it replay
 * without it (patch CHUNK_STATUS_PATCH).
 */
const CHUNK_STATUS_FIRST_MS = 15_000;
const CHUNK_STATUS_MAX_MS = 2 * 60_000;
const CHUNK_STATUS_PATCH = 'testmo-import-chunk-running-status';
/**
 * A run continues as new after this many chunks, or earlier once its history is long
 * (runIsLong: slow chunks add their polls to it). Histories from before the second condition
 * continue after 400 chunks only (patch IMPORT_HISTORY_PATCH).
 */
const CHUNKS_PER_RUN = 400;
const IMPORT_HISTORY_PATCH = 'testmo-import-history-bound';

export interface TestmoImportResult {
  status: string;
  processedCount?: number;
  totalCount?: number;
  datasets?: number;
  rows?: number;
}

export interface ImportCarry {
  plan: ImportPlan;
  phaseIndex: number;
  status: Pick<JobStatus, 'progress' | 'logOffset'>;
}

async function analyze(ref: ImportJobRef, reporter: JobReporter, pacing?: Pacing): Promise<TestmoImportResult> {
  reporter.log(`Analysing the Testmo export of import ${ref.jobId}`);
  let settled:
    { outcome?: Awaited<ReturnType<TestmoImportActivities['analyzeTestmoExport']>>; error?: unknown } | undefined;
  const running = analysis.analyzeTestmoExport(ref).then(
    (outcome) => (settled = { outcome }),
    (error: unknown) => (settled = { error }),
  );
  // The activity writes its progress to the job row (where TestPlanIt's import page reads it at
  // once); the BullMQ job mirrors it from there, at the pacer's falling rate. Only the timers'
  // durations differ from the fixed 5-second poll, which replay does not compare: no patch needed.
  const pacer = new PollPacer(ANALYSIS_POLL_FIRST_MS, ANALYSIS_POLL_MAX_MS, pacing);
  while (!(await condition(() => settled !== undefined, pacer.next()))) {
    const progress = await bookkeeping.readTestmoImportProgress(ref);
    // Histories recorded before analysisPercent existed read undefined here: no progress, as then.
    if (typeof progress?.analysisPercent === 'number') reporter.setProgress(progress.analysisPercent);
  }
  await running;
  if (settled!.error !== undefined) throw settled!.error;
  const outcome = settled!.outcome!;
  reporter.setProgress(100);
  reporter.log(`Analysis ${outcome.status}: ${outcome.datasets} datasets, ${outcome.rows} rows`);
  return { status: outcome.status, datasets: outcome.datasets, rows: outcome.rows };
}

/**
 * One chunk. A chunk is normally done in seconds, but one statement of a large phase can take
 * minutes; meanwhile the activity shows the running step on the job row, and this copies it to
 * the BullMQ job's log, so TestPlanIt's admin page shows the import alive and where it is.
 */
async function importChunkReporting(ref: ImportJobRef, entity: string, reporter: JobReporter, pacing?: Pacing) {
  if (!patched(CHUNK_STATUS_PATCH)) return chunks.importTestmoChunk({ ...ref, entity });
  let settled:
    { outcome?: Awaited<ReturnType<TestmoImportActivities['importTestmoChunk']>>; error?: unknown } | undefined;
  const running = chunks.importTestmoChunk({ ...ref, entity }).then(
    (outcome) => (settled = { outcome }),
    (error: unknown) => (settled = { error }),
  );
  let logged: string | null = null;
  // A new pacer per chunk: every chunk's first look is 15 s after it started.
  const pacer = new PollPacer(CHUNK_STATUS_FIRST_MS, CHUNK_STATUS_MAX_MS, pacing);
  while (!(await condition(() => settled !== undefined, pacer.next()))) {
    const step = (await bookkeeping.readTestmoImportProgress(ref))?.runningStep ?? null;
    if (step !== null && step !== logged) {
      reporter.log(step);
      logged = step;
    }
  }
  await running;
  if (settled!.error !== undefined) throw settled!.error;
  return settled!.outcome!;
}

async function runImport(
  ref: ImportJobRef,
  reporter: JobReporter,
  input: JobWorkflowInput<TestmoImportPayload>,
  carried?: ImportCarry,
): Promise<TestmoImportResult> {
  const plan = carried?.plan ?? (await chunks.planTestmoImport(ref));
  if (plan.status !== 'IMPORTING') {
    reporter.log(`Import ${ref.jobId} is already ${plan.status}`);
    return { status: plan.status, processedCount: plan.processedCount, totalCount: plan.totalCount };
  }
  if (!carried) reporter.log(`Importing ${plan.totalCount} rows in ${plan.phases.length} phases`);

  let processed = plan.processedCount;
  let chunksThisRun = 0;
  for (let index = carried?.phaseIndex ?? 0; index < plan.phases.length; index += 1) {
    const { entity, rows } = plan.phases[index]!;
    reporter.log(`Importing ${entity} (${rows} rows)`);
    for (;;) {
      if (
        chunksThisRun === CHUNKS_PER_RUN ||
        (chunksThisRun > 0 && runIsLong(input.pacing) && patched(IMPORT_HISTORY_PATCH))
      ) {
        await continueAsNew<typeof testmoImportWorkflow>(input, {
          plan: { ...plan, processedCount: processed },
          phaseIndex: index,
          status: reporter.carryOver(),
        });
      }
      chunksThisRun += 1;
      const chunk = await importChunkReporting(ref, entity, reporter, input.pacing);
      if (chunk.status === 'canceled') {
        await bookkeeping.cancelTestmoImport(ref);
        reporter.log(`Import canceled during ${entity}`);
        return { status: 'CANCELED', processedCount: processed, totalCount: plan.totalCount };
      }
      if (chunk.status === 'stopped')
        return { status: 'STOPPED', processedCount: processed, totalCount: plan.totalCount };
      processed = chunk.processedCount;
      reporter.setProgress(plan.totalCount ? Math.min(99, Math.floor((processed / plan.totalCount) * 100)) : 99);
      if (chunk.status === 'phaseDone') break;
    }
  }

  const { createdById } = await bookkeeping.completeTestmoImport(ref);
  await bookkeeping.queueReindexAfterImport({ ...ref, userId: createdById });
  reporter.setProgress(100);
  reporter.log(`Imported ${processed} rows; reindex queued`);
  return { status: 'COMPLETED', processedCount: processed, totalCount: plan.totalCount };
}

export async function testmoImportWorkflow(
  input: JobWorkflowInput<TestmoImportPayload>,
  carried?: ImportCarry,
): Promise<JobCompletion<TestmoImportResult>> {
  const reporter = new JobReporter(carried?.status);
  const ref: ImportJobRef = { origin: input.origin, jobId: input.payload.jobId };
  const importing = input.payload.mode === 'import';
  try {
    const result = importing
      ? await runImport(ref, reporter, input, carried)
      : await analyze(ref, reporter, input.pacing);
    return reporter.complete(result);
  } catch (error) {
    if (error instanceof ContinueAsNew) throw error;
    if (isCancellation(error)) {
      await CancellationScope.nonCancellable(() => bookkeeping.cancelTestmoImport(ref));
      throw error;
    }
    const reason = failureMessage(error);
    await CancellationScope.nonCancellable(() => bookkeeping.failTestmoImport({ ...ref, reason, importing }));
    throw failure('TestmoImportFailed', reason);
  }
}
