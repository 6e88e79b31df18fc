/**
 * Records one event history per workflow type into test/histories/<workflowType>.json, for the
 * replay test (test/replay.test.ts), which replays them against the current workflow code so a
 * change that would break running workflows fails CI.
 *
 *   npx tsx scripts/record-histories.ts [workflowType...]   (all types, or only those named;
 *                                                          needs the dev server: npm run infra:up)
 *
 * Each workflow runs on its family's task queue in an in-process Worker with the stub activities
 * of test/support/workflowStubs.ts and small data, so the files stay small. Re-record only for a
 * deliberate, versioned workflow change (see the README), never to make a failing replay pass,
 * and keep the file it replaces as <workflowType>.<label>.json so the old path still replays.
 *
 * - updateAllCasesForecastWorkflow is made to continue as new (21 plans of ranges); its file is
 *   the LAST run, which starts from the carried-over state.
 * - reindexWorkflow starts two rebuildEntityWorkflow children; rebuildEntityWorkflow's file is
 *   the repositoryCases child of that reindex.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { bundleWorkflows as bundleOfWorkflows } from '../src/worker/workflowBundle';
import type { Activities } from '../src/activities';
import { rebuildLockId, workflowIdForJob } from '../src/jobs/ids';
import type { JobWorkflowInput } from '../src/jobs/jobInput';
import { QUEUE_NAMES, type QueueName } from '../src/jobs/queues';
import type * as workflows from '../src/workflows';
import { historyToJSON } from '../test/support/histories';
import { services, uniqueSuffix } from '../test/support/services';
import { createStubActivities, keysetPage, rangesOver, testOrigin } from '../test/support/workflowStubs';

type WorkflowType = keyof typeof workflows;

interface Recording {
  type: WorkflowType;
  queue: QueueName;
  jobName: string;
  payload?: Record<string, unknown>;
  /** Full workflow input when it is not a single job's `{ origin, payload }`. */
  args?: (tenantId: string, workflowId: string) => unknown[];
  script?: Partial<Activities>;
  /** The workflow whose history is written, when it is not the one started (a child). */
  recordedWorkflowId?: (tenantId: string) => string;
  /** The run started is also the one recorded unless it continued as new. */
  expectContinuedAsNew?: boolean;
}

// One case per range, 8 ranges per plan: 21 plans and a short one, so the run continues as new after 20.
const forecastCaseIds = Array.from({ length: 170 }, (_, i) => i + 1);

const RECORDINGS: Recording[] = [
  {
    type: 'auditEventWorkflow',
    queue: 'audit-logs',
    jobName: 'audit-event',
    payload: {
      event: { action: 'CREATE', entityType: 'RepositoryCases', entityId: '1', projectId: 1 },
      queuedAt: '2025-01-01T00:00:00.000Z',
    },
  },
  {
    type: 'auditEventBatchWorkflow',
    queue: 'audit-logs',
    jobName: 'audit-event',
    args: (tenantId) => [
      {
        jobs: ['11', '12', '13'].map((jobId) => ({
          origin: testOrigin('audit-logs', 'audit-event', tenantId, jobId),
          payload: {
            event: { action: 'UPDATE', entityType: 'RepositoryCases', entityId: jobId },
            queuedAt: '2025-01-01T00:00:00.000Z',
            tenantId,
          },
        })),
      },
    ],
    script: {
      async recordAuditEvents(events) {
        return events.map((event) =>
          event.origin.jobId === '12'
            ? { error: 'Foreign key constraint violated', nonRetryable: true }
            : { recorded: true },
        );
      },
    },
  },
  {
    type: 'createNotificationWorkflow',
    queue: 'notifications',
    jobName: 'create-notification',
    payload: { userId: 'user-a', type: 'WORK_ASSIGNED', title: 'Assigned', message: 'A case was assigned to you' },
  },
  {
    type: 'processUserNotificationsWorkflow',
    queue: 'notifications',
    jobName: 'process-user-notifications',
    payload: { userId: 'user-a' },
  },
  { type: 'sendDailyDigestWorkflow', queue: 'notifications', jobName: 'send-daily-digest', payload: {} },
  {
    type: 'sendDigestEmailWorkflow',
    queue: 'emails',
    jobName: 'send-digest-email',
    payload: {
      userId: 'user-a',
      notifications: [{ id: 'n1', title: 'Assigned', message: 'A case', createdAt: '2025-01-01T00:00:00.000Z' }],
    },
  },
  {
    type: 'sendNotificationEmailWorkflow',
    queue: 'emails',
    jobName: 'send-notification-email',
    payload: { notificationId: 'n1', userId: 'user-a' },
  },
  {
    type: 'autoCompleteMilestonesWorkflow',
    queue: 'forecast-updates',
    jobName: 'auto-complete-milestones',
    payload: {},
  },
  {
    type: 'milestoneDueNotificationsWorkflow',
    queue: 'forecast-updates',
    jobName: 'milestone-due-notifications',
    payload: {},
  },
  {
    type: 'updateAllCasesForecastWorkflow',
    queue: 'forecast-updates',
    jobName: 'update-all-cases-forecast',
    payload: {},
    expectContinuedAsNew: true,
    script: {
      async countForecastCases() {
        return forecastCaseIds.length;
      },
      async planCaseForecastRanges({ afterCaseId, count }) {
        return rangesOver(forecastCaseIds, afterCaseId, 1, count);
      },
      async updateCaseForecastRange({ afterCaseId, upToCaseId }) {
        return { updated: forecastCaseIds.filter((id) => id > afterCaseId && id <= upToCaseId).length };
      },
    },
  },
  {
    type: 'updateSingleCaseForecastWorkflow',
    queue: 'forecast-updates',
    jobName: 'update-single-case-forecast',
    payload: { repositoryCaseId: 3 },
  },
  {
    type: 'reindexWorkflow',
    queue: 'elasticsearch-reindex',
    jobName: 'reindex',
    payload: { entityType: 'all', userId: 'user-a' },
  },
  {
    type: 'rebuildEntityWorkflow',
    queue: 'elasticsearch-reindex',
    jobName: 'reindex',
    payload: { entityType: 'all', userId: 'user-a' },
    recordedWorkflowId: (tenantId) => rebuildLockId(tenantId, 'repositoryCases'),
  },
  {
    type: 'issueSyncWorkflow',
    queue: 'issue-sync',
    jobName: 'sync-issues',
    payload: { userId: 'user-a', integrationId: 1, action: 'sync' },
  },
  {
    type: 'refreshIssueWorkflow',
    queue: 'issue-sync',
    jobName: 'refresh-issue',
    payload: { userId: 'user-a', integrationId: 1, issueId: 'PROJ-21', action: 'refresh' },
  },
  {
    type: 'writeIssueWorkflow',
    queue: 'issue-sync',
    jobName: 'create-issue',
    payload: {
      userId: 'user-a',
      integrationId: 1,
      action: 'create',
      data: { title: 'Login fails', description: 'Steps…' },
    },
  },
  {
    type: 'testmoImportWorkflow',
    queue: 'testmo-imports',
    jobName: 'process-testmo-import',
    payload: { jobId: 'import-1', mode: 'import' },
  },
];

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const outDir = path.join(__dirname, '..', 'test', 'histories');
  fs.mkdirSync(outDir, { recursive: true });

  Runtime.install({ logger: new DefaultLogger('WARN') });
  const run = uniqueSuffix();
  const prefix = `record-${run}`;
  const nativeConnection = await NativeConnection.connect({ address: services.temporalAddress });
  const connection = await Connection.connect({ address: services.temporalAddress });
  const client = new Client({ connection });
  const workflowBundle = await bundleOfWorkflows();
  const stubs = createStubActivities();
  const workers = await Promise.all(
    QUEUE_NAMES.map((queue) =>
      Worker.create({
        connection: nativeConnection,
        taskQueue: `${prefix}-${queue}`,
        workflowBundle,
        activities: stubs.activities,
      }),
    ),
  );
  const running = Promise.all(workers.map((worker) => worker.run()));

  try {
    for (const recording of RECORDINGS) {
      if (only.length > 0 && !only.includes(recording.type)) continue;
      stubs.script(recording.script ?? {});
      const tenantId = `rec-${run}-${recording.type.replace(/Workflow$/, '').toLowerCase()}`;
      const workflowId = workflowIdForJob(
        { tenantKey: tenantId, queue: recording.queue, jobId: '1', createdAt: 1_700_000_000_000 },
        0,
      );
      const started = recording.recordedWorkflowId ? 'reindexWorkflow' : recording.type;
      const input: JobWorkflowInput<Record<string, unknown>> = {
        origin: testOrigin(recording.queue, recording.jobName, tenantId, '1'),
        payload: { ...recording.payload, tenantId },
      };
      await client.workflow.start(started, {
        taskQueue: `${prefix}-${recording.queue}`,
        workflowId,
        args: recording.args ? recording.args(tenantId, workflowId) : [input],
      });
      // Without a run id the handle follows continue-as-new to the last run.
      await client.workflow.getHandle(workflowId).result();

      const recordedId = recording.recordedWorkflowId?.(tenantId) ?? workflowId;
      const history = await client.workflow.getHandle(recordedId).fetchHistory();
      const first = history.events?.[0]?.workflowExecutionStartedEventAttributes;
      if (first?.workflowType?.name !== recording.type)
        throw new Error(`${recordedId} is a ${first?.workflowType?.name}, not a ${recording.type}`);
      const continued = Boolean(first?.continuedExecutionRunId);
      if (continued !== Boolean(recording.expectContinuedAsNew)) {
        throw new Error(
          `${recording.type}: expected ${recording.expectContinuedAsNew ? 'a continued run' : 'a first run'}`,
        );
      }
      const file = path.join(outDir, `${recording.type}.json`);
      fs.writeFileSync(file, `${historyToJSON(history)}\n`);
      console.log(
        `${recording.type}: ${history.events?.length} events${continued ? ' (last run after continue-as-new)' : ''} -> ${path.relative(process.cwd(), file)}`,
      );
    }
  } finally {
    for (const worker of workers) worker.shutdown();
    await running;
    await nativeConnection.close();
    await connection.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
