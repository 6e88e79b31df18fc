/**
 * `import` mode, one chunk at a time. Each chunk is one transaction: it takes the job's chunk
 * lock (so a stale attempt and its retry never take the same rows), imports the next staged rows of the
 * current phase, writes their id-map entries and the phase's checkpoint (the last row index it
 * imported) and moves the progress on. Whatever point a worker dies at, the next chunk starts
 * exactly after the last committed one.
 *
 * The staged rows are only read. TestPlanIt's `processed` column is left as staged: its own importer
 * has no resume and reads nothing back from it (contract, import mode), and the checkpoint already
 * says which rows are done; rewriting every staged row (and its three indexes) took about 12 % of a
 * 100 MB import's time.
 */
import type { Prisma } from '@prisma/client';
import type { Pool } from 'pg';
import { describePayloadIssues } from '../jobs/payloads';
import type { DatabaseClient } from '../tenancy/prismaPool';
import { transactionWithConnection } from '../tenancy/transactionConnection';
import { mappingConfiguration } from './configuration';
import { IdMap, type Tx } from './idMap';
import {
  appendActivity,
  type EntityProgress,
  ImportJobMissingError,
  isFinal,
  markCanceled,
  message,
  rateAndEta,
  type ActivityEntry,
  type ChunkSteps,
} from './jobRow';
import { Defaults, ImportPrerequisiteError } from './phases/context';
import { IMPORT_PHASES, phaseNamed, REQUIRED_DATASETS } from './phases';
import { rowOf } from './staging';
import { analyzeTables, grewByDoubling } from './statistics';

export interface ImportPlan {
  status: 'IMPORTING' | 'COMPLETED' | 'FAILED' | 'CANCELED';
  phases: Array<{ entity: string; rows: number }>;
  totalCount: number;
  processedCount: number;
}

export type ChunkOutcome =
  | { status: 'imported'; rows: number; processedCount: number; totalCount: number }
  | { status: 'phaseDone'; processedCount: number; totalCount: number }
  | { status: 'canceled' }
  | { status: 'stopped' };

/** The job's configuration or datasets cannot be imported as they are. */
export class ImportConfigurationError extends Error {
  override readonly name = 'ImportConfigurationError';
}

const TRANSACTION = { timeout: 10 * 60_000, maxWait: 60_000 };

export async function planImport(db: DatabaseClient, jobId: string): Promise<ImportPlan> {
  const job = await db.testmoImportJob.findUnique({ where: { id: jobId } });
  if (!job) throw new ImportJobMissingError(`Testmo import job ${jobId} does not exist`);
  if (isFinal(job.status))
    return { status: job.status, phases: [], totalCount: job.totalCount, processedCount: job.processedCount };
  if (job.cancelRequested) {
    await markCanceled(db, jobId, 'before');
    return { status: 'CANCELED', phases: [], totalCount: 0, processedCount: 0 };
  }
  if (job.status !== 'RUNNING' && job.status !== 'READY')
    throw new ImportConfigurationError(`The job is ${job.status}; it must be analysed (READY) before it is imported`);
  if (job.configuration === null)
    throw new ImportConfigurationError('The job has no mapping configuration; configure the import first');
  const parsed = mappingConfiguration.safeParse(job.configuration);
  if (!parsed.success)
    throw new ImportConfigurationError(`The mapping configuration is invalid: ${describePayloadIssues(parsed.error)}`);

  const datasets = new Map(
    (await db.testmoImportDataset.findMany({ where: { jobId }, select: { name: true, rowCount: true } })).map((row) => [
      row.name,
      row.rowCount,
    ]),
  );
  if (datasets.size === 0)
    throw new ImportConfigurationError('The job has no analysed datasets; analyse the export first');
  for (const required of REQUIRED_DATASETS) {
    if (!datasets.has(required))
      throw new ImportConfigurationError(
        `Dataset "${required}" is missing from the export: there is nothing to import into`,
      );
  }
  const phases = IMPORT_PHASES.filter((phase) => (datasets.get(phase.dataset) ?? 0) > 0).map((phase) => ({
    entity: phase.entity,
    rows: datasets.get(phase.dataset)!,
  }));
  for (const { entity, rows } of phases) {
    const phase = phaseNamed(entity);
    const missing = phase.requires.filter((dataset) => !datasets.has(dataset));
    if (missing.length > 0) {
      throw new ImportConfigurationError(
        `Dataset "${missing[0]}" is missing from the export; "${phase.dataset}" (${rows} rows) refers to it`,
      );
    }
  }

  const totalCount = phases.reduce((sum, phase) => sum + phase.rows, 0);
  const progress = (job.entityProgress ?? {}) as EntityProgress;
  for (const { entity, rows } of phases) progress[entity] ??= { total: rows, created: 0, mapped: 0 };
  const resuming = job.processedCount > 0;
  await db.$transaction(async (tx) => {
    await tx.testmoImportJob.update({
      where: { id: jobId },
      data: {
        status: 'RUNNING',
        phase: 'IMPORTING',
        statusMessage: resuming ? 'Resuming import' : 'Background import started',
        totalCount,
        entityProgress: progress as Prisma.InputJsonValue,
        error: null,
        ...(resuming ? {} : { lastImportStartedAt: new Date(), processedCount: 0, skippedCount: 0, errorCount: 0 }),
      },
    });
    await appendActivity(tx, jobId, [
      message(
        resuming
          ? `Import resumed at ${job.processedCount} of ${totalCount} rows`
          : `Import started: ${totalCount} rows in ${phases.length} phases`,
      ),
    ]);
  });
  return { status: 'IMPORTING', phases, totalCount, processedCount: resuming ? job.processedCount : 0 };
}

interface LockedJob {
  status: string;
  statusMessage: string | null;
  cancelRequested: boolean;
  processedCount: number;
  totalCount: number;
  skippedCount: number;
  entityProgress: EntityProgress | null;
  activityLog: ActivityEntry[] | null;
  configuration: unknown;
  createdById: string;
  lastImportStartedAt: Date | null;
}

export async function importChunk(
  db: DatabaseClient,
  pg: Pool,
  jobId: string,
  entity: string,
  chunkSize: number,
  steps?: ChunkSteps,
): Promise<ChunkOutcome> {
  const phase = phaseNamed(entity);
  const size = Math.min(chunkSize, phase.maxChunkRows ?? chunkSize);
  // Rows of this phase before and after the chunk, to analyse its tables as they grow.
  let rowsBefore = 0;
  let rowsAfter = 0;
  let committedMessage: string | undefined;
  // The chunk's rows go through the transaction's own pg connection (`sql`), the rest through Prisma.
  const outcome = await transactionWithConnection(
    db,
    pg,
    async (tx, sql): Promise<ChunkOutcome> => {
      // Chunks of one job take turns on a transaction-scoped advisory lock (a stale attempt and
      // its retry never take the same rows), not on the job row: the row stays writable, so the
      // heartbeat can show a statement that runs long (see activities/testmoImport.ts) and a
      // cancel from the web app is not kept waiting.
      await tx.$queryRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`testmo-import:${jobId}`}, 0))::text`;
      const [job] = await tx.$queryRaw<LockedJob[]>`
      SELECT status::text AS status, "statusMessage", "cancelRequested", "processedCount", "totalCount", "skippedCount", "entityProgress", "activityLog",
             configuration, "createdById", "lastImportStartedAt"
        FROM "TestmoImportJob" WHERE id = ${jobId}`;
      if (!job) throw new ImportJobMissingError(`Testmo import job ${jobId} does not exist`);
      if (isFinal(job.status)) return { status: 'stopped' } as const;
      if (job.cancelRequested) return { status: 'canceled' } as const;
      steps?.shown(job.statusMessage);

      const progress = job.entityProgress ?? {};
      const entry = (progress[entity] ??= { total: 0, created: 0, mapped: 0 });
      const checkpoint = await readCheckpoint(tx, jobId, entity);
      rowsBefore = rowsAfter = checkpoint + 1;
      steps?.step('reading staged rows');
      const staged = await tx.testmoImportStaging.findMany({
        where: { jobId, datasetName: phase.dataset, rowIndex: { gt: checkpoint } },
        orderBy: { rowIndex: 'asc' },
        take: size,
        select: {
          id: true,
          rowIndex: true,
          rowData: true,
          text1: true,
          text2: true,
          text3: true,
          text4: true,
          fieldName: true,
          fieldValue: true,
        },
      });

      // The phase's last chunk also finishes it, in the same transaction.
      const finishPhase = async () => {
        steps?.step(phase.finishStep ?? 'finishing the phase');
        await phase.finish?.({ tx, sql, jobId, importerId: job.createdById });
        const summarised = (job.activityLog ?? []).some(
          (logged) => logged.type === 'summary' && logged.entity === entity,
        );
        if (!summarised) {
          await appendActivity(tx, jobId, [
            {
              type: 'summary',
              timestamp: new Date().toISOString(),
              entity,
              total: entry.total,
              created: entry.created,
              mapped: entry.mapped,
            },
          ]);
        }
      };
      if (staged.length === 0) {
        await finishPhase();
        return { status: 'phaseDone', processedCount: job.processedCount, totalCount: job.totalCount } as const;
      }

      const config = mappingConfiguration.parse(job.configuration);
      const ids = new IdMap(sql, jobId);
      steps?.step('importing rows');
      const outcome = await phase.importRows(
        { tx, sql, jobId, config, ids, importerId: job.createdById, defaults: new Defaults(tx) },
        staged.map((row) => ({ rowIndex: row.rowIndex, row: rowOf(row) })),
      );
      steps?.step('writing the id map');
      await ids.flush();
      await writeCheckpoint(tx, jobId, entity, staged[staged.length - 1]!.rowIndex);
      rowsAfter = staged[staged.length - 1]!.rowIndex + 1;

      entry.created += outcome.created;
      entry.mapped += outcome.mapped;
      const processedCount = job.processedCount + staged.length;
      const done = Math.min(entry.total, entry.created + entry.mapped + outcome.skipped);
      committedMessage = `Importing ${entity}: ${done.toLocaleString('en-US')} / ${entry.total.toLocaleString('en-US')} processed`;
      await tx.testmoImportJob.update({
        where: { id: jobId },
        data: {
          processedCount,
          skippedCount: job.skippedCount + outcome.skipped,
          currentEntity: entity,
          statusMessage: committedMessage,
          entityProgress: progress as Prisma.InputJsonValue,
          ...rateAndEta(processedCount, job.totalCount, job.lastImportStartedAt),
        },
      });
      const last = staged[staged.length - 1]!.rowIndex;
      const more =
        staged.length === size &&
        (await tx.testmoImportStaging.findFirst({
          where: { jobId, datasetName: phase.dataset, rowIndex: { gt: last } },
          select: { id: true },
        }));
      if (!more) {
        await finishPhase();
        return { status: 'phaseDone', processedCount, totalCount: job.totalCount } as const;
      }
      return { status: 'imported', rows: staged.length, processedCount, totalCount: job.totalCount } as const;
    },
    TRANSACTION,
  );
  if (committedMessage !== undefined) steps?.shown(committedMessage);
  // After the commit, so the sample includes the chunk's rows and ANALYZE holds its lock only
  // for itself: at the end of a phase (the next ones look up its ids) and whenever the phase has
  // doubled its rows, so no lookup of this phase plans from statistics of a far smaller table.
  if (
    outcome.status === 'phaseDone' ||
    (outcome.status === 'imported' && grewByDoubling(rowsBefore, rowsAfter, size))
  ) {
    steps?.step('updating planner statistics');
    await analyzeTables(db, ['TestmoImportMapping', ...(phase.readsBack ?? [])]);
  }
  return outcome;
}

/**
 * The last staged rowIndex a phase has imported, kept as a row of the id-map table (entity type
 * `checkpoint:<phase>`) so it commits with the chunk. The next chunk reads on from it by the
 * (jobId, datasetName, rowIndex) index, at the same cost at row one million as at row one; the
 * `processed` flags TestPlanIt's schema has are set too, but finding the first unprocessed row
 * would mean passing over every processed one.
 */
async function readCheckpoint(tx: Tx, jobId: string, entity: string): Promise<number> {
  const row = await tx.testmoImportMapping.findUnique({
    where: { jobId_entityType_sourceId: { jobId, entityType: `checkpoint:${entity}`, sourceId: 0 } },
    select: { targetId: true },
  });
  return row?.targetId ? Number(row.targetId) : -1;
}

async function writeCheckpoint(tx: Tx, jobId: string, entity: string, rowIndex: number): Promise<void> {
  await tx.testmoImportMapping.upsert({
    where: { jobId_entityType_sourceId: { jobId, entityType: `checkpoint:${entity}`, sourceId: 0 } },
    create: {
      jobId,
      entityType: `checkpoint:${entity}`,
      sourceId: 0,
      targetId: String(rowIndex),
      targetType: 'TestmoImportStaging',
    },
    update: { targetId: String(rowIndex) },
  });
}

export async function completeImport(db: DatabaseClient, jobId: string): Promise<{ durationMs: number }> {
  const job = await db.testmoImportJob.findUnique({
    where: { id: jobId },
    select: { lastImportStartedAt: true, processedCount: true },
  });
  const durationMs = job?.lastImportStartedAt ? Date.now() - job.lastImportStartedAt.getTime() : 0;
  await db.$transaction(async (tx) => {
    const { count } = await tx.testmoImportJob.updateMany({
      where: { id: jobId, status: 'RUNNING' },
      data: {
        status: 'COMPLETED',
        phase: null,
        statusMessage: 'Import completed successfully.',
        completedAt: new Date(),
        currentEntity: null,
        estimatedTimeRemaining: null,
        processingRate: null,
        durationMs,
      },
    });
    if (count > 0)
      await appendActivity(tx, jobId, [
        message('Import completed successfully.', {
          processedEntities: job?.processedCount ?? 0,
          totalTimeMs: durationMs,
        }),
      ]);
  });
  return { durationMs };
}

export { ImportPrerequisiteError };
