/**
 * Reindex a tenant without the web app, through the Temporal client:
 *   npm run reindex -- --tenant <id> [--entity all|repositoryCases|...] [--project <id>] [--user <id>]
 * Starts the same workflow a BullMQ `reindex` job starts, prints its progress and log lines as
 * they come, and prints the result. Ctrl-C cancels the reindex (the live indices stay as they were).
 */
import { parseArgs } from 'node:util';
import { WorkflowFailedError } from '@temporalio/client';
import { rootCause } from '@temporalio/common';
import { loadConfig } from '../config';
import { cleanFailureMessage } from '../failures/messages';
import type { JobWorkflowInput } from '../jobs/jobInput';
import { describePayloadIssues, reindexPayload, type ReindexPayload } from '../jobs/payloads';
import { operatorRunId, taskQueueFor, tenantKeyOf } from '../jobs/ids';
import { createLogger } from '../logging';
import { connectClient } from '../temporal/connection';
import { jobSearchAttributes } from '../temporal/searchAttributes';
import { TenantRegistry } from '../tenancy/registry';
import { reindexWorkflow } from '../workflows';
import { jobStatusQuery } from '../workflows/jobStatus';

const USAGE = 'usage: reindex --tenant <id> [--entity <type>] [--project <id>] [--user <id>]';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      tenant: { type: 'string' },
      entity: { type: 'string' },
      project: { type: 'string' },
      user: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const config = loadConfig();
  const logger = createLogger('reindex', config.logLevel);
  const tenants = new TenantRegistry(config.tenancy, logger.child('tenancy'));
  if (tenants.multiTenant && !values.tenant) throw new Error(`--tenant is required in multi-tenant mode\n${USAGE}`);
  const tenant = tenants.resolve(values.tenant);
  const parsed = reindexPayload.safeParse({
    entityType: values.entity ?? 'all',
    userId: values.user ?? 'operator-cli',
    ...(values.project ? { projectId: Number(values.project) } : {}),
    ...(tenant.tenantId ? { tenantId: tenant.tenantId } : {}),
  });
  if (!parsed.success) throw new Error(`${describePayloadIssues(parsed.error)}\n${USAGE}`);
  const payload: ReindexPayload = parsed.data;

  const tenantKey = tenantKeyOf(tenant.tenantId);
  const jobId = `cli-${new Date().toISOString().replace(/[-:.]/g, '')}`;
  const input: JobWorkflowInput<ReindexPayload> = {
    origin: {
      queue: 'elasticsearch-reindex',
      jobName: 'reindex',
      jobId,
      tenantId: tenant.tenantId,
      idempotencyKey: operatorRunId(tenantKey, 'elasticsearch-reindex', jobId),
    },
    payload,
  };
  const temporal = await connectClient(config);
  try {
    const handle = await temporal.client.workflow.start(reindexWorkflow, {
      workflowId: input.origin.idempotencyKey,
      taskQueue: taskQueueFor(config.temporal.taskQueuePrefix, 'elasticsearch-reindex'),
      args: [input],
      typedSearchAttributes: jobSearchAttributes(tenantKey, 'elasticsearch-reindex', 'reindex'),
    });
    console.log(
      `Started ${handle.workflowId} (tenant ${tenant.tenantId ?? '(single-tenant)'}, ${payload.entityType}${payload.projectId ? `, project ${payload.projectId}` : ''})`,
    );
    process.once('SIGINT', () => {
      console.log('Cancelling the reindex; live indices are left as they are...');
      void handle.cancel();
    });

    let printed = 0;
    let lastProgress: unknown;
    const follow = setInterval(() => {
      handle
        .query(jobStatusQuery)
        .then((status) => {
          for (let i = Math.max(printed, status.logOffset); i < status.logOffset + status.logs.length; i += 1)
            console.log(`  ${status.logs[i - status.logOffset]}`);
          printed = status.logOffset + status.logs.length;
          if (status.progress !== lastProgress) console.log(`  progress ${JSON.stringify(status.progress)}%`);
          lastProgress = status.progress;
        })
        .catch(() => undefined);
    }, 1_000);
    try {
      const completion = await handle.result();
      clearInterval(follow);
      const { logs, logOffset } = completion.status;
      for (let i = Math.max(printed, logOffset); i < logOffset + logs.length; i += 1)
        console.log(`  ${logs[i - logOffset]}`);
      console.log(JSON.stringify(completion.returnValue, null, 2));
      return 0;
    } catch (error) {
      clearInterval(follow);
      const cause = error instanceof WorkflowFailedError ? rootCause(error.cause) : undefined;
      console.error(`Reindex failed: ${cleanFailureMessage(cause ?? (error as Error).message)}`);
      return 1;
    }
  } finally {
    await temporal.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(error.message);
    process.exit(2);
  },
);
