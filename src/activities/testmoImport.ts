/**
 * Testmo import activities (contract sections 3 and 9): analyse an export into staging, import it
 * chunk by chunk, and keep the `TestmoImportJob` row the web app shows in step. Every write goes
 * to the job's own tenant database.
 */
import { failure, isFailureType } from '../failures/types';
import type { JobOrigin } from '../jobs/jobInput';
import { analyzeExport, type AnalyzeOutcome } from '../testmo/analyzer';
import { TestmoExportFormatError } from '../testmo/exportReader';
import { ExportUnavailableError } from '../testmo/exportSource';
import {
  completeImport,
  ImportConfigurationError,
  importChunk,
  planImport,
  type ChunkOutcome,
  type ImportPlan,
} from '../testmo/importer';
import {
  analysisPercentOf,
  ChunkStepStatus,
  ImportJobMissingError,
  markCanceled,
  markFailed,
  runningStepOf,
} from '../testmo/jobRow';
import { ImportDataError, ImportPrerequisiteError } from '../testmo/phases/context';
import { logForJob, withTenantDatabase, type ActivityDeps } from './deps';
import { cancellationRequested, heartbeat, heartbeatingWhile } from './heartbeat';

export interface ImportJobRef {
  origin: JobOrigin;
  /** `TestmoImportJob.id`. */
  jobId: string;
}

export interface ImportProgress {
  status: string;
  statusMessage: string | null;
  /** The analysis's progress, 0-100, while the export is scanned; null otherwise. */
  analysisPercent: number | null;
  /** While one step of a chunk runs long, what it is and for how long; null otherwise. */
  runningStep?: string | null;
  processedRows: number;
  totalRows: number | null;
}

const NON_RETRYABLE = [
  TestmoExportFormatError,
  ExportUnavailableError,
  ImportJobMissingError,
  ImportConfigurationError,
  ImportPrerequisiteError,
  ImportDataError,
];

/** Errors no retry can fix fail the job at once, with their message as the reason. */
function asActivityFailure(error: unknown): unknown {
  const known = NON_RETRYABLE.some((type) => error instanceof type);
  const name = (error as Error).name;
  return known && isFailureType(name) ? failure(name, (error as Error).message) : error;
}

async function failingClearly<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw asActivityFailure(error);
  }
}

export function createTestmoImportActivities(deps: ActivityDeps) {
  return {
    analyzeTestmoExport: ({ origin, jobId }: ImportJobRef): Promise<AnalyzeOutcome> =>
      failingClearly(() =>
        withTenantDatabase(deps, origin, async (db, _tenant, pg) => {
          logForJob(deps, origin, `Analysing Testmo export of import ${jobId}`);
          const outcome = await analyzeExport(db, pg, deps.testmoExports, jobId, {
            batchSize: deps.testmoImport.stagingBatchSize,
            onBatch: (progress) => heartbeat(progress),
            cancelled: cancellationRequested,
            log: (line) => logForJob(deps, origin, `${line} (import ${jobId})`),
          });
          logForJob(
            deps,
            origin,
            `Analysis of import ${jobId} ended ${outcome.status}: ${outcome.datasets} datasets, ${outcome.rows} rows`,
          );
          return outcome;
        }),
      ),

    readTestmoImportProgress: ({ origin, jobId }: ImportJobRef): Promise<ImportProgress | null> =>
      withTenantDatabase(deps, origin, async (db) => {
        const job = await db.testmoImportJob.findUnique({
          where: { id: jobId },
          select: { status: true, statusMessage: true, processedRows: true, totalRows: true },
        });
        return (
          job && {
            status: job.status,
            statusMessage: job.statusMessage,
            analysisPercent: analysisPercentOf(job.statusMessage),
            runningStep: runningStepOf(job.statusMessage),
            processedRows: Number(job.processedRows),
            totalRows: job.totalRows === null ? null : Number(job.totalRows),
          }
        );
      }),

    planTestmoImport: ({ origin, jobId }: ImportJobRef): Promise<ImportPlan> =>
      failingClearly(() =>
        withTenantDatabase(deps, origin, async (db) => {
          const plan = await planImport(db, jobId);
          logForJob(
            deps,
            origin,
            `Import ${jobId}: ${plan.status}, ${plan.totalCount} rows in ${plan.phases.length} phases, ${plan.processedCount} already done`,
          );
          return plan;
        }),
      ),

    /**
     * One chunk. Its heartbeat loop also shows a step that runs long on the job row ("testRunResults:
     * importing rows, running 2m 10s"), which readTestmoImportProgress hands the workflow for the
     * BullMQ job's log: a phase whose closing statement takes minutes still looks alive.
     */
    /**
     * The phase's next chunks, back to back for about TESTMO_IMPORT_CHUNK_RUN_MS: each chunk is
     * still its own transaction and checkpoint (a retry reads on after the last committed one), and
     * a cancel from the web app or Temporal is honoured between chunks. Returns the last chunk's
     * outcome, whose counts are the job row's: the workflow needs nothing from the ones before.
     */
    importTestmoChunk: ({ origin, jobId, entity }: ImportJobRef & { entity: string }): Promise<ChunkOutcome> =>
      failingClearly(() =>
        withTenantDatabase(deps, origin, async (db, _tenant, pg) => {
          const started = Date.now();
          for (;;) {
            const steps = new ChunkStepStatus(db, jobId, entity);
            const outcome = await heartbeatingWhile(
              () => importChunk(db, pg, jobId, entity, deps.testmoImport.chunkSize, steps),
              undefined,
              () => steps.tick(),
              (error) => logForJob(deps, origin, `Import ${jobId}: could not show the running step: ${String(error)}`),
            );
            if (
              outcome.status !== 'imported' ||
              Date.now() - started >= deps.testmoImport.chunkRunMs ||
              cancellationRequested()
            )
              return outcome;
          }
        }),
      ),

    completeTestmoImport: ({ origin, jobId }: ImportJobRef): Promise<{ durationMs: number; createdById: string }> =>
      withTenantDatabase(deps, origin, async (db) => {
        const { durationMs } = await completeImport(db, jobId);
        const job = await db.testmoImportJob.findUniqueOrThrow({ where: { id: jobId }, select: { createdById: true } });
        logForJob(deps, origin, `Import ${jobId} completed in ${durationMs} ms`);
        return { durationMs, createdById: job.createdById };
      }),

    cancelTestmoImport: ({ origin, jobId }: ImportJobRef): Promise<void> =>
      withTenantDatabase(deps, origin, async (db) => {
        await markCanceled(db, jobId, 'during');
        logForJob(deps, origin, `Import ${jobId} canceled`);
      }),

    failTestmoImport: ({
      origin,
      jobId,
      reason,
      importing,
    }: ImportJobRef & { reason: string; importing: boolean }): Promise<void> =>
      withTenantDatabase(deps, origin, async (db) => {
        await markFailed(db, jobId, reason, importing);
        deps.logger.warn(`Import ${jobId} failed for tenant ${origin.tenantId ?? '(single-tenant)'}: ${reason}`, {
          tenant: origin.tenantId,
          jobId: origin.jobId,
        });
      }),

    /**
     * TestPlanIt queues a full reindex after a successful import, but without the tenant; here
     * it carries the tenantId, so the reindex runs against the tenant that was imported into.
     */
    queueReindexAfterImport: async ({ origin, jobId, userId }: ImportJobRef & { userId: string }): Promise<void> => {
      await deps.enqueueJob(
        'elasticsearch-reindex',
        `reindex-after-import-${jobId}`,
        { entityType: 'all', userId, ...(origin.tenantId !== undefined ? { tenantId: origin.tenantId } : {}) },
        `reindex-after-import-${origin.tenantId ?? 'single'}-${jobId}`,
      );
      logForJob(deps, origin, `Queued reindex after import ${jobId}`);
    },
  };
}

export type TestmoImportActivities = ReturnType<typeof createTestmoImportActivities>;
