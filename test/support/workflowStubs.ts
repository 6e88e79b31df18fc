/**
 * Stub activities for workflow-level tests (test/workflows.test.ts) and for recording the replay
 * histories (scripts/record-histories.ts): plain async functions with the real activities'
 * signatures (typed against `Activities`, so a changed signature fails the type-check) that record
 * every call and return small scripted results. Tests swap in their own behaviour per activity
 * with `script()`; whatever is not scripted falls back to the defaults below.
 *
 * Only for exercising the workflows' state machines: everything the activities really do is
 * covered by the end-to-end tests against the real services.
 */
import { Context } from '@temporalio/activity';
import type { Activities } from '../../src/activities';
import { jobInstanceKey, tenantKeyOf } from '../../src/jobs/ids';
import type { JobOrigin } from '../../src/jobs/jobInput';

export type ActivityName = keyof Activities;

export interface StubCall {
  name: ActivityName;
  /** The activity's (single) argument. */
  input: unknown;
  workflowId: string;
  runId: string;
  taskQueue: string;
}

/** Keyset pages over ascending ids: the page after `afterId`, `pageSize` ids long. */
export function keysetPage<T extends number | string>(
  ids: readonly T[],
  afterId: T | undefined,
  pageSize: number,
): T[] {
  const rest = afterId === undefined ? ids : ids.filter((id) => id > afterId);
  return rest.slice(0, pageSize);
}

/** A promise with its resolver, to hold a stub until the test lets it go. */
export function gate(): { opened: Promise<void>; open(): void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/** Waits for `opened`, or gives up when the activity is cancelled (worker shutdown, heartbeat). */
export async function holdUntil(opened: Promise<void>): Promise<void> {
  const context = Context.current();
  await Promise.race([opened, context.cancelled.catch(() => undefined)]);
}

const DEFAULT_CASE_IDS = [3, 6, 9, 12, 15];
const DEFAULT_RUN_IDS = [10, 20, 30];
const DEFAULT_DIGEST_USERS = ['user-a', 'user-b', 'user-c'];

function chunkOver(
  ids: readonly number[],
  afterId: number,
  pageSize: number,
): { updated: number; last: number | null } {
  const page = keysetPage(ids, afterId, pageSize);
  return { updated: page.length, last: page.length ? page[page.length - 1]! : null };
}

/** The upper bounds of up to `count` ranges of `rangeSize` ids after `afterId`, as planCaseForecastRanges plans them. */
export function rangesOver(ids: readonly number[], afterId: number, rangeSize: number, count: number): number[] {
  const next = keysetPage(ids, afterId, rangeSize * count);
  return next.filter((_, i) => i % rangeSize === rangeSize - 1 || i === next.length - 1);
}

function aliasOf(origin: JobOrigin, entity: string): string {
  return `testplanit-${origin.tenantId ?? '_default'}-${entity.toLowerCase()}`;
}

/** Small, plausible answers for every activity: enough to run each workflow type to completion. */
function defaultActivities(): Activities {
  const importChunks = new Map<string, number>();
  return {
    // audit-logs
    async recordAuditEvent() {
      return true;
    },
    async recordAuditEvents(events) {
      return events.map(() => ({ recorded: true }));
    },

    // notifications and emails
    async createNotification({ origin }) {
      return { mode: 'IN_APP_EMAIL_IMMEDIATE', notificationId: `notification-${origin.idempotencyKey}` };
    },
    async sendNotificationEmail() {
      return 'sent';
    },
    async countUnreadNotifications() {
      return 3;
    },
    async listDigestRecipients({ afterUserId, limit }) {
      return keysetPage(DEFAULT_DIGEST_USERS, afterUserId, limit);
    },
    async sendUserDigest({ userId }) {
      return { userId, outcome: 'sent', notifications: 2 };
    },
    async sendDigestEmail() {
      return 'sent';
    },

    // forecast-updates
    async countForecastCases() {
      return DEFAULT_CASE_IDS.length;
    },
    async updateCaseForecastChunk({ afterCaseId }) {
      const { updated, last } = chunkOver(DEFAULT_CASE_IDS, afterCaseId, 2);
      return { updated, lastCaseId: last };
    },
    async planCaseForecastRanges({ afterCaseId, count }) {
      return rangesOver(DEFAULT_CASE_IDS, afterCaseId, 2, count);
    },
    async updateCaseForecastRange({ afterCaseId, upToCaseId }) {
      return { updated: DEFAULT_CASE_IDS.filter((id) => id > afterCaseId && id <= upToCaseId).length };
    },
    async updateRunForecastChunk({ afterRunId }) {
      const { updated, last } = chunkOver(DEFAULT_RUN_IDS, afterRunId, 2);
      return { updated, lastRunId: last };
    },
    async updateSingleCaseForecast({ payload }) {
      return { updatedCaseIds: [payload.repositoryCaseId], affectedTestRunIds: [10] };
    },
    async autoCompleteMilestones() {
      return [7];
    },
    async findDueMilestones({ now }) {
      return [
        {
          milestoneId: 5,
          milestoneName: 'Release 1.0',
          projectId: 1,
          projectName: 'Alpha',
          dueDate: now,
          isOverdue: false,
          recipientIds: ['user-a', 'user-b'],
        },
      ];
    },

    // elasticsearch-reindex
    async planReindex({ entityType }) {
      const entities =
        entityType === 'all'
          ? [
              { entity: 'repositoryCases' as const, perProject: true, total: 2 },
              { entity: 'issues' as const, perProject: false, total: 2 },
            ]
          : [{ entity: entityType, perProject: false, total: 2 }];
      return { projects: [{ id: 1, name: 'Alpha' }], entities };
    },
    async countDocuments() {
      return 2;
    },
    async prepareRebuild({ origin, entity }) {
      const alias = aliasOf(origin, entity);
      return { index: `${alias}-v1`, alias, horizon: '100' };
    },
    async liveIndex({ origin, entity }) {
      return aliasOf(origin, entity);
    },
    async indexChunk({ afterId }) {
      return afterId === 0 ? { lastId: 2, indexed: 2, deleted: 0 } : { lastId: null, indexed: 0, deleted: 0 };
    },
    async finishRebuild() {},
    async currentHorizon() {
      return '105';
    },
    async catchUpChunk({ afterId }) {
      return afterId === 0 ? { lastId: 4, indexed: 1, deleted: 0 } : { lastId: null, indexed: 0, deleted: 0 };
    },
    async pruneChunk({ afterId }) {
      return afterId === 0 ? { lastId: 9, indexed: 0, deleted: 1 } : { lastId: null, indexed: 0, deleted: 0 };
    },
    async swapLiveIndex({ origin, entity }) {
      const alias = aliasOf(origin, entity);
      return { alias, replaced: [`${alias}-v0`] };
    },
    async discardRebuild() {},
    async endRebuildTracking() {},
    async indexDocumentsById({ ids }) {
      return { indexed: ids.length, deleted: 0 };
    },

    // issue-sync
    async planIssueSync() {
      return { total: 3, integration: 'Jira' };
    },
    async syncIssueBatch({ afterId, limit }) {
      const page = keysetPage([21, 22, 23], afterId, Math.min(limit, 2));
      if (page.length === 0) return { lastId: null, synced: 0, errors: [], issueIds: [] };
      return { lastId: page[page.length - 1]!, synced: page.length, errors: [], issueIds: page };
    },
    async importIssuePage({ cursor }) {
      return cursor === null
        ? { next: 'page-2', synced: 2, issueIds: [31, 32] }
        : { next: null, synced: 1, issueIds: [33] };
    },
    async refreshIssue() {
      return { issueId: 21 };
    },
    async createTrackerIssue() {
      return { issueId: 40, externalId: 'PROJ-40' };
    },
    async updateTrackerIssue() {
      return { issueId: 21 };
    },

    // testmo-imports
    async analyzeTestmoExport() {
      return { status: 'READY', datasets: 4, rows: 20 };
    },
    async readTestmoImportProgress() {
      return {
        status: 'RUNNING',
        statusMessage: 'Scanning file... 50% complete',
        analysisPercent: 50,
        processedRows: 10,
        totalRows: 20,
      };
    },
    async planTestmoImport() {
      return {
        status: 'IMPORTING',
        phases: [
          { entity: 'tags', rows: 2 },
          { entity: 'users', rows: 3 },
        ],
        totalCount: 5,
        processedCount: 0,
      };
    },
    async importTestmoChunk({ jobId, entity }) {
      // One chunk with rows, then the phase is done.
      const key = `${jobId}/${entity}`;
      const done = importChunks.get(key) ?? 0;
      importChunks.set(key, done + 1);
      const before = entity === 'tags' ? 0 : 2;
      const rows = entity === 'tags' ? 2 : 3;
      return done === 0
        ? { status: 'imported', rows, processedCount: before + rows, totalCount: 5 }
        : { status: 'phaseDone', processedCount: before + rows, totalCount: 5 };
    },
    async completeTestmoImport() {
      return { durationMs: 1200, createdById: 'user-a' };
    },
    async cancelTestmoImport() {},
    async failTestmoImport() {},
    async queueReindexAfterImport() {},
  };
}

export interface StubActivities {
  /** Register these with the Worker. */
  activities: Activities;
  /** Every call, in the order the activities started. */
  calls: StubCall[];
  /** Replaces the scripted behaviour (the previous script is dropped); unscripted activities use the defaults. */
  script(overrides: Partial<Activities>): void;
  /** Calls of one activity, optionally only those of one workflow. */
  callsOf<N extends ActivityName>(
    name: N,
    filter?: (call: StubCall) => boolean,
  ): Array<StubCall & { input: Parameters<Activities[N]>[0] }>;
}

export function createStubActivities(): StubActivities {
  const defaults = defaultActivities();
  const calls: StubCall[] = [];
  let overrides: Partial<Activities> = {};

  const activities = {} as Record<ActivityName, (input: unknown) => Promise<unknown>>;
  for (const name of Object.keys(defaults) as ActivityName[]) {
    activities[name] = async (input: unknown) => {
      const { info } = Context.current();
      calls.push({
        name,
        input,
        workflowId: info.workflowExecution?.workflowId ?? '',
        runId: info.workflowExecution?.runId ?? '',
        taskQueue: info.taskQueue,
      });
      const implementation = (overrides[name] ?? defaults[name]) as (input: unknown) => Promise<unknown>;
      return implementation(input);
    };
  }

  return {
    activities: activities as unknown as Activities,
    calls,
    script(next) {
      overrides = next;
    },
    callsOf(name, filter) {
      return calls.filter((call) => call.name === name && (!filter || filter(call))) as never;
    },
  };
}

/** A job origin as the bridge builds it, for a BullMQ job created at a fixed time. */
export function testOrigin(queue: JobOrigin['queue'], jobName: string, tenantId: string, jobId: string): JobOrigin {
  const idempotencyKey = jobInstanceKey({
    tenantKey: tenantKeyOf(tenantId),
    queue,
    jobId,
    createdAt: 1_700_000_000_000,
  });
  return { queue, jobName, jobId, tenantId, idempotencyKey };
}
