/**
 * The `TestmoImportJob` row as the web app reads it: status and phase, the message under the
 * progress bar, the activity log and the final states. One place writes each transition.
 */
import { Prisma } from '@prisma/client';
import type { Tx } from './idMap';

export type ActivityEntry =
  | { type: 'summary'; timestamp: string; entity: string; total: number; created: number; mapped: number }
  | { type: 'message'; timestamp: string; message: string; details?: Record<string, unknown> };

export type EntityProgress = Record<string, { total: number; created: number; mapped: number }>;

export const FINAL_STATUSES = ['COMPLETED', 'FAILED', 'CANCELED'] as const;
export type FinalStatus = (typeof FINAL_STATUSES)[number];

export const isFinal = (status: string): status is FinalStatus =>
  (FINAL_STATUSES as readonly string[]).includes(status);

/** The job does not exist in this tenant's database. */
export class ImportJobMissingError extends Error {
  override readonly name = 'ImportJobMissingError';
}

/**
 * The message under the web app's progress bar while an export is analysed, TestPlanIt's own
 * wording. The percentage is read back from it only here (analysisPercentOf), so the format has
 * one home and workflows receive a number.
 */
export function analysisStatusMessage(percent: number): string {
  return `Scanning file... ${percent}% complete`;
}

export function analysisPercentOf(statusMessage: string | null | undefined): number | null {
  const match = /^Scanning file\.\.\. (\d{1,3})% complete$/.exec(statusMessage ?? '');
  return match ? Number(match[1]) : null;
}

export const message = (text: string, details?: Record<string, unknown>): ActivityEntry => ({
  type: 'message',
  timestamp: new Date().toISOString(),
  message: text,
  ...(details ? { details } : {}),
});

/** Appends to the activity log inside the caller's transaction (the row is locked by then). */
export async function appendActivity(tx: Tx, jobId: string, entries: ActivityEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await tx.$executeRaw`UPDATE "TestmoImportJob"
    SET "activityLog" = (CASE WHEN jsonb_typeof("activityLog") = 'array' THEN "activityLog" ELSE '[]'::jsonb END) || ${JSON.stringify(entries)}::jsonb,
        "updatedAt" = now()
    WHERE id = ${jobId}`;
}

/** Ends the job CANCELED, unless it already ended COMPLETED or FAILED. */
export async function markCanceled(db: Tx, jobId: string, when: 'before' | 'during'): Promise<void> {
  await db.testmoImportJob.updateMany({
    where: { id: jobId, status: { notIn: ['COMPLETED', 'FAILED'] } },
    data: {
      status: 'CANCELED',
      phase: null,
      statusMessage: when === 'before' ? 'Import was canceled before it started' : 'Import was canceled',
      canceledAt: new Date(),
      currentEntity: null,
      estimatedTimeRemaining: null,
    },
  });
}

export async function markFailed(db: Tx, jobId: string, reason: string, importing: boolean): Promise<void> {
  await db.testmoImportJob.updateMany({
    where: { id: jobId, status: { notIn: [...FINAL_STATUSES] } },
    data: {
      status: 'FAILED',
      phase: null,
      statusMessage: importing ? 'Import failed' : 'Analysis failed',
      error: reason,
      completedAt: new Date(),
      estimatedTimeRemaining: null,
    },
  });
  await appendActivity(db, jobId, [message(importing ? 'Import failed' : 'Analysis failed', { message: reason })]);
}

/** TestPlanIt's rate and time-left strings: "12.5 items/sec" and whole seconds. */
export function rateAndEta(
  done: number,
  total: number,
  since: Date | null,
): { processingRate: string | null; estimatedTimeRemaining: string | null } {
  const elapsedSeconds = since ? (Date.now() - since.getTime()) / 1000 : 0;
  if (elapsedSeconds < 2 || done === 0 || total === 0) return { processingRate: null, estimatedTimeRemaining: null };
  const perSecond = done / elapsedSeconds;
  return {
    processingRate: perSecond >= 1 ? `${perSecond.toFixed(1)} items/sec` : `${(perSecond * 60).toFixed(1)} items/min`,
    estimatedTimeRemaining: String(Math.max(0, Math.ceil((total - done) / perSecond))),
  };
}

export const jsonNull = Prisma.JsonNull;
export const dbNull = Prisma.DbNull;

/** "45s", "2m 10s", "1h 3m 5s": how long a step has been running. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  return [hours > 0 ? `${hours}h` : '', hours > 0 || minutes > 0 ? `${minutes}m` : '', `${seconds}s`]
    .filter(Boolean)
    .join(' ');
}

/** The message shown while one step of a chunk runs long: "repositoryFolders: linking parents, running 2m 10s". */
export function runningStatusMessage(entity: string, step: string, ms: number): string {
  return `${entity}: ${step}, running ${formatDuration(ms)}`;
}

/** The message, when it is one of runningStatusMessage's; read back only here, like the analysis percentage. */
export function runningStepOf(statusMessage: string | null | undefined): string | null {
  return /^\w+: [^,]+, running (\d+h )?(\d+m )?\d+s$/.test(statusMessage ?? '') ? statusMessage! : null;
}

/**
 * Told what a chunk is doing, so a step that runs long (one statement of a large phase can run
 * for minutes) is shown on the job row while it runs.
 */
export interface ChunkSteps {
  /** What the web app shows now: read by the chunk at its start, or written by its commit. */
  shown(statusMessage: string | null): void;
  step(label: string): void;
}

/**
 * Shows a chunk's current step on the job row once it has run `showAfterMs`, refreshed at most
 * every `everyMs`; `tick` is called by the activity's heartbeat loop, on another connection than
 * the chunk's transaction. A write only replaces the message the chunk started from or its own
 * last one: once the chunk commits its progress message, or anything else (a cancel, a failure)
 * changes the row, the running message is not written over it.
 */
export class ChunkStepStatus implements ChunkSteps {
  private current?: { label: string; since: number };
  private showing: string | null = null;
  private lastWrite = 0;
  private writing = false;

  constructor(
    private readonly db: Tx,
    private readonly jobId: string,
    private readonly entity: string,
    private readonly options = { showAfterMs: 10_000, everyMs: 10_000 },
    private readonly now: () => number = Date.now,
  ) {}

  shown(statusMessage: string | null): void {
    this.showing = statusMessage;
  }

  step(label: string): void {
    this.current = { label, since: this.now() };
  }

  async tick(): Promise<void> {
    const current = this.current;
    if (!current || this.writing) return;
    const now = this.now();
    if (now - current.since < this.options.showAfterMs || now - this.lastWrite < this.options.everyMs) return;
    const text = runningStatusMessage(this.entity, current.label, now - current.since);
    this.writing = true;
    try {
      const written = await this.db
        .$executeRaw`UPDATE "TestmoImportJob" SET "statusMessage" = ${text}, "updatedAt" = now()
        WHERE id = ${this.jobId} AND status = 'RUNNING' AND "statusMessage" IS NOT DISTINCT FROM ${this.showing}`;
      this.lastWrite = now;
      if (written > 0) this.showing = text;
    } finally {
      this.writing = false;
    }
  }
}
