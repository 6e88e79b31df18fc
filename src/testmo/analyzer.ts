/**
 * `analyze` mode: streams the export once, stages every row and summarises the datasets, then
 * leaves the job READY / CONFIGURING for the user's mapping. A retry after a crash reads the file
 * again but stages only the rows the crashed attempt had not committed: each batch is one insert,
 * in file order, so the rows of a dataset already staged are always a prefix of it.
 */
import { randomUUID } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import type { Prisma } from '@prisma/client';
import type { Pool } from 'pg';
import type { DatabaseClient } from '../tenancy/prismaPool';
import { readTestmoExport, TestmoExportFormatError } from './exportReader';
import type { ExportStore } from './exportSource';
import {
  analysisStatusMessage,
  appendActivity,
  dbNull,
  ImportJobMissingError,
  isFinal,
  jsonNull,
  markCanceled,
  message,
} from './jobRow';
import { insertRows } from './idMap';
import { DatasetSummaries, stagingRow } from './staging';
import { analyzeTables } from './statistics';

export interface AnalyzeOptions {
  batchSize: number;
  /** Called after every committed batch with how far the file has been read. */
  onBatch?: (progress: { bytesRead: number; totalBytes?: number; rowsStaged: number }) => void;
  /** True when the run was cancelled from outside (Temporal); checked after every batch. */
  cancelled?: () => boolean;
  log: (line: string) => void;
}

export interface AnalyzeOutcome {
  status: 'READY' | 'CANCELED' | 'COMPLETED' | 'FAILED';
  datasets: number;
  rows: number;
}

class ByteCounter extends Transform {
  bytes = 0;
  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    done(null, chunk);
  }
}

const PROGRESS_WRITE_INTERVAL_MS = 1_000;

export async function analyzeExport(
  db: DatabaseClient,
  /** The pg pool under `db`: staged rows are written through it (see TenantConnections). */
  pg: Pool,
  store: ExportStore,
  jobId: string,
  options: AnalyzeOptions,
): Promise<AnalyzeOutcome> {
  const job = await db.testmoImportJob.findUnique({ where: { id: jobId } });
  if (!job) throw new ImportJobMissingError(`Testmo import job ${jobId} does not exist`);
  if (isFinal(job.status))
    return { status: job.status, datasets: job.totalDatasets ?? 0, rows: Number(job.totalRows ?? 0) };
  if (job.cancelRequested) {
    await markCanceled(db, jobId, 'before');
    return { status: 'CANCELED', datasets: 0, rows: 0 };
  }
  const startedAt = new Date();
  await db.testmoImportJob.update({
    where: { id: jobId },
    data: {
      status: 'RUNNING',
      phase: 'ANALYZING',
      statusMessage: 'Opening and scanning export file...',
      startedAt: job.startedAt ?? startedAt,
      error: null,
    },
  });

  const alreadyStaged = new Map(
    (await db.testmoImportStaging.groupBy({ by: ['datasetName'], where: { jobId }, _count: { _all: true } })).map(
      (row) => [row.datasetName, row._count._all],
    ),
  );
  const resumedRows = [...alreadyStaged.values()].reduce((sum, count) => sum + count, 0);
  if (resumedRows > 0) options.log(`Resuming analysis: ${resumedRows} rows were staged by an earlier attempt`);

  const source = await store.open(job);
  const counter = new ByteCounter();
  source.body.once('error', (error) => counter.destroy(error));
  const totalBytes = source.size ?? (job.originalFileSize !== null ? Number(job.originalFileSize) : undefined);
  const summaries = new DatasetSummaries();
  let batch: Prisma.TestmoImportStagingCreateManyInput[] = [];
  const stagedAt = new Date();
  let rowsStaged = resumedRows;
  let lastProgressWrite = 0;
  let lastPercent = -1;

  const flush = async (): Promise<boolean> => {
    if (batch.length > 0) {
      await insertRows(pg, 'TestmoImportStaging', batch);
      rowsStaged += batch.length;
      batch = [];
    }
    options.onBatch?.({ bytesRead: counter.bytes, totalBytes, rowsStaged });
    if (options.cancelled?.()) return false;
    const percent = totalBytes ? Math.min(100, Math.floor((counter.bytes / totalBytes) * 100)) : undefined;
    const now = Date.now();
    if (percent !== undefined && percent > lastPercent && now - lastProgressWrite >= PROGRESS_WRITE_INTERVAL_MS) {
      lastPercent = percent;
      lastProgressWrite = now;
      const elapsed = (now - startedAt.getTime()) / 1000;
      const eta = percent > 0 && elapsed >= 2 ? Math.ceil((elapsed * (100 - percent)) / percent) : null;
      // Only while RUNNING: a job cancelled meanwhile keeps its final message.
      await db.testmoImportJob.updateMany({
        where: { id: jobId, status: 'RUNNING' },
        data: {
          statusMessage: analysisStatusMessage(percent),
          estimatedTimeRemaining: eta === null ? null : String(eta),
          processedRows: BigInt(rowsStaged),
        },
      });
    }
    const row = await db.testmoImportJob.findUnique({
      where: { id: jobId },
      select: { cancelRequested: true, status: true },
    });
    return Boolean(row && !row.cancelRequested && !isFinal(row.status));
  };

  try {
    for await (const item of readTestmoExport(source.body.pipe(counter))) {
      if (item.kind === 'schema') {
        summaries.addSchema(item.dataset, item.schema);
        continue;
      }
      summaries.addRow(item.dataset, item.row);
      if (item.rowIndex >= (alreadyStaged.get(item.dataset) ?? 0))
        batch.push({
          id: randomUUID(),
          updatedAt: stagedAt,
          ...stagingRow(jobId, item.dataset, item.rowIndex, item.row),
        });
      if (batch.length >= options.batchSize && !(await flush())) {
        await markCanceled(db, jobId, 'during');
        return { status: 'CANCELED', datasets: summaries.size, rows: summaries.totalRows };
      }
    }
    if (!(await flush())) {
      await markCanceled(db, jobId, 'during');
      return { status: 'CANCELED', datasets: summaries.size, rows: summaries.totalRows };
    }
  } finally {
    counter.destroy();
  }

  if (summaries.size === 0)
    throw new TestmoExportFormatError(
      'The export contains no Testmo datasets (expected keys such as "projects" or "repository_cases")',
    );

  // Every row is staged: the import's reads of them plan from these statistics, not from
  // those of the nearly empty table autovacuum may have sampled last (see statistics.ts).
  await analyzeTables(db, ['TestmoImportStaging']);

  const completedAt = new Date();
  const datasets = summaries.list();
  return db.$transaction(async (tx): Promise<AnalyzeOutcome> => {
    // Cancelled (or failed) while the last rows were staged: the row keeps that outcome.
    const [current] = await tx.$queryRaw<
      Array<{ status: string }>
    >`SELECT status::text AS status FROM "TestmoImportJob" WHERE id = ${jobId} FOR UPDATE`;
    if (current && isFinal(current.status))
      return { status: current.status, datasets: datasets.length, rows: summaries.totalRows };
    await tx.testmoImportDataset.deleteMany({ where: { jobId } });
    await tx.testmoImportDataset.createMany({
      data: datasets.map((dataset) => ({
        jobId,
        name: dataset.name,
        rowCount: dataset.rowCount,
        sampleRowCount: dataset.sampleRows.length,
        truncated: dataset.truncated,
        schema: (dataset.schema ?? jsonNull) as Prisma.InputJsonValue,
        sampleRows: dataset.sampleRows.length > 0 ? (dataset.sampleRows as Prisma.InputJsonValue) : jsonNull,
        allRows: dataset.allRows && dataset.allRows.length > 0 ? (dataset.allRows as Prisma.InputJsonValue) : jsonNull,
      })),
    });
    await tx.testmoImportJob.update({
      where: { id: jobId },
      data: {
        status: 'READY',
        phase: 'CONFIGURING',
        statusMessage: 'Analysis complete. Configure mapping to continue.',
        totalDatasets: datasets.length,
        processedDatasets: datasets.length,
        totalRows: BigInt(summaries.totalRows),
        processedRows: BigInt(summaries.totalRows),
        durationMs: completedAt.getTime() - startedAt.getTime(),
        analysisGeneratedAt: completedAt,
        analysis: {
          meta: {
            totalDatasets: datasets.length,
            totalRows: summaries.totalRows,
            durationMs: completedAt.getTime() - startedAt.getTime(),
            startedAt: startedAt.toISOString(),
            completedAt: completedAt.toISOString(),
            fileSizeBytes: counter.bytes,
          },
        },
        estimatedTimeRemaining: null,
        processingRate: null,
        activityLog: dbNull,
        entityProgress: dbNull,
      },
    });
    await appendActivity(tx, jobId, [
      message(
        `Analysed ${datasets.length} datasets, ${summaries.totalRows} rows (${counter.bytes} bytes) from ${source.location}`,
      ),
    ]);
    return { status: 'READY', datasets: datasets.length, rows: summaries.totalRows };
  });
}
