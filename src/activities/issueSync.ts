/**
 * Issue sync activities (contract sections 3 and 4, "Sync"): keep the tenant's `Issue` rows in
 * step with Jira, GitHub and Azure DevOps.
 *
 * Batches heartbeat after every issue with the last one done, so a batch retried after a crash
 * or a rate limit goes on from there instead of refetching. Rate limits become a retry after
 * exactly the tracker's delay (`nextRetryDelay`); credential failures fail the job without retries.
 */
import { failure } from '../failures/types';
import type { Prisma } from '@prisma/client';
import { TrackerAuthFailed, TrackerError, TrackerRateLimited, TrackerStatusUnavailable } from '../integrations/errors';
import { trackerFor } from '../integrations/trackers';
import type { IssueTracker, TrackerIssue } from '../integrations/types';
import { trackerCreationMark } from '../jobs/ids';
import type { JobOrigin } from '../jobs/jobInput';
import type { DatabaseClient } from '../tenancy/prismaPool';
import { logForJob, withTenantDatabase, type ActivityDeps } from './deps';
import { heartbeat, lastHeartbeat } from './heartbeat';

export interface SyncTarget {
  origin: JobOrigin;
  integrationId: number;
  userId: string;
  /** TestPlanIt project id (the payload carries it as a string). */
  projectId?: number;
}

export interface BatchResult {
  /** Cursor for the next batch; null when nothing was left. */
  lastId: number | null;
  synced: number;
  errors: string[];
  /** Issue rows written, for the search index. */
  issueIds: number[];
}

export interface PageResult {
  next: string | null;
  synced: number;
  issueIds: number[];
}

/** Translates a tracker failure into what Temporal should do with the activity. */
export function asActivityFailure(error: unknown): unknown {
  if (error instanceof TrackerRateLimited) {
    return failure('TrackerRateLimited', error.message, { nextRetryDelay: error.retryAfterMs });
  }
  if (error instanceof TrackerAuthFailed) return failure('TrackerAuthFailed', error.message);
  if (error instanceof TrackerStatusUnavailable) return failure('TrackerStatusUnavailable', error.message);
  if (error instanceof TrackerError) {
    return error.retryable
      ? failure('TrackerUnavailable', error.message)
      : failure('TrackerRequestFailed', error.message);
  }
  return error;
}

/** The columns TestPlanIt's sync writes from a tracker issue. */
/**
 * The columns a tracker issue sets on its local row. `previous` is the row's externalData: its
 * `createdByJob` marker is kept, since a sync or refresh that rewrites the tracker's data must not
 * erase the proof that a create-issue job already created this issue, or that job's retry creates a
 * second one (found by the chaos run: a sync ran between a create-issue and its retry).
 */
function issueColumns(issue: TrackerIssue, previous: unknown): Prisma.IssueUpdateInput {
  const createdByJob = (previous as { createdByJob?: unknown } | null | undefined)?.createdByJob;
  return {
    title: issue.title,
    description: issue.description,
    status: issue.status,
    externalStatus: issue.status,
    externalKey: issue.externalKey,
    externalUrl: issue.url,
    externalData: (typeof createdByJob === 'string'
      ? { ...issue.data, createdByJob }
      : issue.data) as Prisma.InputJsonValue,
    issueTypeName: issue.issueTypeName ?? null,
    ...(issue.priority ? { priority: issue.priority } : {}),
    data: { url: issue.url } as Prisma.InputJsonValue,
    lastSyncedAt: new Date(),
  };
}

/** Inserts or updates the local row of a tracker issue, keyed as TestPlanIt keys it. */
async function saveTrackerIssue(db: DatabaseClient, target: SyncTarget, issue: TrackerIssue): Promise<number> {
  const where = { externalId_integrationId: { externalId: issue.externalId, integrationId: target.integrationId } };
  const existing = await db.issue.findUnique({ where, select: { externalData: true } });
  const columns = issueColumns(issue, existing?.externalData);
  const row = await db.issue.upsert({
    where,
    update: columns,
    create: {
      ...(columns as Prisma.IssueCreateInput),
      name: issue.externalKey,
      title: issue.title,
      externalId: issue.externalId,
      createdBy: { connect: { id: target.userId } },
      integration: { connect: { id: target.integrationId } },
      ...(target.projectId ? { project: { connect: { id: target.projectId } } } : {}),
    },
    select: { id: true },
  });
  return row.id;
}

export function createIssueSyncActivities(deps: ActivityDeps) {
  async function trackerOf(
    db: DatabaseClient,
    target: SyncTarget,
  ): Promise<{ tracker: IssueTracker; name: string; projectKey?: string }> {
    const integration = await db.integration.findFirst({ where: { id: target.integrationId, isDeleted: false } });
    if (!integration) throw failure('IntegrationNotFound', `Integration ${target.integrationId} not found`);
    const userAuth =
      integration.authType === 'OAUTH2'
        ? ((await db.userIntegrationAuth.findFirst({
            where: { userId: target.userId, integrationId: integration.id, isActive: true },
          })) ?? undefined)
        : undefined;
    let projectKey: string | undefined;
    if (target.projectId) {
      const link = await db.projectIntegration.findFirst({
        where: { projectId: target.projectId, integrationId: integration.id },
      });
      const config = (link?.config ?? {}) as Record<string, unknown>;
      const key = config.externalProjectKey ?? config.projectKey ?? config.repository ?? config.project;
      projectKey = typeof key === 'string' ? key : undefined;
    }
    try {
      return { tracker: trackerFor(integration, userAuth, deps.encryptionKey), name: integration.name, projectKey };
    } catch (error) {
      throw asActivityFailure(error);
    }
  }

  const localIssues = (target: SyncTarget): Prisma.IssueWhereInput => ({
    integrationId: target.integrationId,
    isDeleted: false,
    ...(target.projectId ? { projectId: target.projectId } : {}),
  });

  return {
    /** Checks the integration can be called and counts the local issues a sync refreshes. */
    async planIssueSync(target: SyncTarget): Promise<{ total: number; integration: string }> {
      return withTenantDatabase(deps, target.origin, async (db) => {
        const { name } = await trackerOf(db, target);
        return { total: await db.issue.count({ where: localIssues(target) }), integration: name };
      });
    },

    /**
     * Refreshes the next `limit` local issues after `afterId` from the tracker. An issue the
     * tracker no longer has (or refuses) is an error of that issue, reported, not a failure.
     */
    async syncIssueBatch(input: SyncTarget & { afterId: number; limit: number }): Promise<BatchResult> {
      return withTenantDatabase(deps, input.origin, async (db) => {
        const { tracker } = await trackerOf(db, input);
        const resumed = lastHeartbeat<BatchResult>();
        const result: BatchResult = resumed ?? { lastId: null, synced: 0, errors: [], issueIds: [] };
        const after = resumed?.lastId ?? input.afterId;
        const rows = await db.issue.findMany({
          where: { ...localIssues(input), id: { gt: after } },
          select: { id: true, externalId: true, externalKey: true, name: true, externalData: true },
          orderBy: { id: 'asc' },
          take: input.limit - (resumed ? resumed.synced + resumed.errors.length : 0),
        });
        if (rows.length === 0 && !resumed) return result;
        for (const row of rows) {
          const externalId = row.externalId ?? row.externalKey ?? row.name;
          try {
            const issue = await tracker.getIssue(externalId);
            await db.issue.update({ where: { id: row.id }, data: issueColumns(issue, row.externalData) });
            result.synced += 1;
            result.issueIds.push(row.id);
          } catch (error) {
            if (error instanceof TrackerError && !error.retryable && !(error instanceof TrackerAuthFailed)) {
              result.errors.push(`${externalId}: ${error.message}`);
            } else {
              throw asActivityFailure(error);
            }
          }
          result.lastId = row.id;
          heartbeat(result);
        }
        return result;
      });
    },

    /** Imports one page of the tracker project's issues into the TestPlanIt project (upsert). */
    async importIssuePage(input: SyncTarget & { cursor: string | null; pageSize: number }): Promise<PageResult> {
      return withTenantDatabase(deps, input.origin, async (db) => {
        const { tracker, projectKey } = await trackerOf(db, input);
        if (!projectKey) {
          throw failure(
            'ProjectNotLinked',
            `Project ${input.projectId} has no tracker project configured for integration ${input.integrationId}`,
          );
        }
        heartbeat();
        let page;
        try {
          page = await tracker.listIssues(projectKey, input.cursor ?? undefined, input.pageSize);
        } catch (error) {
          throw asActivityFailure(error);
        }
        heartbeat();
        const issueIds: number[] = [];
        for (const issue of page.issues) {
          issueIds.push(await saveTrackerIssue(db, input, issue));
        }
        return { next: page.next ?? null, synced: page.issues.length, issueIds };
      });
    },

    /** `refresh-issue`: the local issue with that external id, fetched again. */
    async refreshIssue(input: SyncTarget & { externalId: string }): Promise<{ issueId: number }> {
      return withTenantDatabase(deps, input.origin, async (db) => {
        const { tracker } = await trackerOf(db, input);
        const row = await db.issue.findFirst({
          where: {
            integrationId: input.integrationId,
            OR: [{ externalId: input.externalId }, { externalKey: input.externalId }],
          },
        });
        if (!row)
          throw failure('IssueNotFound', `Issue ${input.externalId} of integration ${input.integrationId} not found`);
        try {
          await db.issue.update({
            where: { id: row.id },
            data: issueColumns(await tracker.getIssue(input.externalId), row.externalData),
          });
        } catch (error) {
          throw asActivityFailure(error);
        }
        logForJob(deps, input.origin, `Refreshed issue ${input.externalId}`);
        return { issueId: row.id };
      });
    },

    /**
     * `create-issue`: creates the issue in the tracker and its local row. The job's idempotency
     * key is stored with the row, its mark with the tracker's issue: a retry that finds either
     * does not create a second issue.
     */
    async createTrackerIssue(
      input: SyncTarget & { title: string; description?: string; issueType?: string; project?: string },
    ): Promise<{ issueId: number; externalId: string }> {
      return withTenantDatabase(deps, input.origin, async (db) => {
        const done = await db.issue.findFirst({
          where: {
            integrationId: input.integrationId,
            externalData: { path: ['createdByJob'], equals: input.origin.idempotencyKey },
          },
        });
        if (done) return { issueId: done.id, externalId: done.externalId ?? '' };
        const { tracker, projectKey } = await trackerOf(db, input);
        const project = input.project ?? projectKey;
        if (!project)
          throw failure('ProjectNotLinked', 'create-issue needs data.project or a project linked to the integration');
        // An earlier attempt may have created the issue and died before the row below: the
        // tracker's copy carries the job's mark, so it is linked rather than created again.
        const mark = trackerCreationMark(input.origin.idempotencyKey);
        let issue: TrackerIssue | undefined;
        try {
          issue = await tracker.findCreatedIssue(project, mark);
          if (issue) {
            logForJob(deps, input.origin, `Issue ${issue.externalId} in ${project} was created by an earlier attempt`);
          } else {
            issue = await tracker.createIssue(project, {
              title: input.title,
              description: input.description,
              issueType: input.issueType,
              mark,
            });
          }
        } catch (error) {
          throw asActivityFailure(error);
        }
        const issueId = await saveTrackerIssue(db, input, {
          ...issue,
          data: { ...issue.data, createdByJob: input.origin.idempotencyKey },
        });
        logForJob(deps, input.origin, `Created issue ${issue.externalId} in ${project}`);
        return { issueId, externalId: issue.externalId };
      });
    },

    /** `update-issue`: changes the tracker issue, then its local row. */
    async updateTrackerIssue(
      input: SyncTarget & { externalId: string; title?: string; description?: string; status?: string },
    ): Promise<{ issueId: number }> {
      return withTenantDatabase(deps, input.origin, async (db) => {
        const { tracker } = await trackerOf(db, input);
        const row = await db.issue.findFirst({
          where: { integrationId: input.integrationId, externalId: input.externalId },
        });
        if (!row)
          throw failure('IssueNotFound', `Issue ${input.externalId} of integration ${input.integrationId} not found`);
        try {
          const issue = await tracker.updateIssue(input.externalId, {
            title: input.title,
            description: input.description,
            status: input.status,
          });
          await db.issue.update({ where: { id: row.id }, data: issueColumns(issue, row.externalData) });
        } catch (error) {
          throw asActivityFailure(error);
        }
        return { issueId: row.id };
      });
    },
  };
}

export type IssueSyncActivities = ReturnType<typeof createIssueSyncActivities>;
