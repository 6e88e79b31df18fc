/**
 * Forecast activities (TestPlanIt's forecastService, contract section 4), as set-based SQL on the
 * tenant's database so one chunk of cases costs one round trip however many results it has.
 *
 * A case's group is the case and the cases linked to it by an undeleted SAME_TEST_DIFFERENT_SOURCE
 * link. forecastManual is the rounded mean elapsed (> 0) of the group's undeleted manual results;
 * forecastAutomated the mean JUnit time (> 0) of its automated cases, to 3 decimals. Deleted
 * cases neither contribute nor are written (TestPlanIt counted them until a later release).
 * A test run's forecast is the sum over its undeleted cases that are still pending (no status,
 * or UNTESTED), or null when none is pending or none has a forecast. As TestPlanIt does, the
 * forecasts of a run's cases are refreshed before the run is summed, archived cases included.
 * UNTESTED is compared case-insensitively: TestPlanIt's own seed names the status `untested`
 * while its worker compares with `UNTESTED`, so its pending cases never counted.
 */
import type { JobOrigin, JobWorkflowInput } from '../jobs/jobInput';
import type { UpdateSingleCaseForecastPayload } from '../jobs/payloads';
import type { DatabaseClient } from '../tenancy/prismaPool';
import { logForJob, withTenantDatabase, type ActivityDeps } from './deps';
import { heartbeatingWhile } from './heartbeat';

/** SQL computing (case_id, manual, automated) for every case id in the `targets` CTE. */
export const GROUP_FORECASTS = `
  grp AS (
    SELECT t.id AS case_id, t.id AS member FROM targets t
    UNION SELECT t.id, l."caseBId" FROM targets t
      JOIN "RepositoryCaseLink" l ON l."caseAId" = t.id AND l.type = 'SAME_TEST_DIFFERENT_SOURCE' AND NOT l."isDeleted"
    UNION SELECT t.id, l."caseAId" FROM targets t
      JOIN "RepositoryCaseLink" l ON l."caseBId" = t.id AND l.type = 'SAME_TEST_DIFFERENT_SOURCE' AND NOT l."isDeleted"
  ),
  members AS (
    SELECT g.case_id, m.id, m.source FROM grp g JOIN "RepositoryCases" m ON m.id = g.member AND NOT m."isDeleted"
  ),
  manual AS (
    SELECT mb.case_id, round(avg(r.elapsed))::int AS value
    FROM members mb
    JOIN "TestRunCases" trc ON trc."repositoryCaseId" = mb.id
    JOIN "TestRunResults" r ON r."testRunCaseId" = trc.id AND NOT r."isDeleted" AND r.elapsed > 0
    WHERE mb.source = 'MANUAL'
    GROUP BY mb.case_id
  ),
  automated AS (
    SELECT mb.case_id, round(avg(j.time)::numeric, 3)::float8 AS value
    FROM members mb
    JOIN "JUnitTestResult" j ON j."repositoryCaseId" = mb.id AND j.time > 0
    WHERE mb.source <> 'MANUAL'
    GROUP BY mb.case_id
  ),
  forecasts AS (
    SELECT t.id AS case_id, manual.value AS manual, automated.value AS automated
    FROM targets t LEFT JOIN manual ON manual.case_id = t.id LEFT JOIN automated ON automated.case_id = t.id
  )`;

/** Recomputes the forecasts of the runs in the `runs` CTE. */
export const RUN_FORECASTS = `
  sums AS (
    SELECT r.id,
      sum(rc."forecastManual") AS manual,
      round(sum(rc."forecastAutomated")::numeric, 3)::float8 AS automated
    FROM runs r
    LEFT JOIN "TestRunCases" trc ON trc."testRunId" = r.id
    LEFT JOIN "Status" st ON st.id = trc."statusId"
    LEFT JOIN "RepositoryCases" rc ON rc.id = trc."repositoryCaseId" AND NOT rc."isDeleted"
      AND (trc."statusId" IS NULL OR upper(st."systemName") = 'UNTESTED')
    GROUP BY r.id
  )
  UPDATE "TestRuns" tr SET "forecastManual" = sums.manual, "forecastAutomated" = sums.automated
  FROM sums WHERE tr.id = sums.id`;

/** Writes the group forecasts of the `targets` CTE (prepended by the caller) onto those cases. */
export const WRITE_TARGET_FORECASTS = `${GROUP_FORECASTS}
  UPDATE "RepositoryCases" rc SET "forecastManual" = f.manual, "forecastAutomated" = f.automated
  FROM forecasts f WHERE rc.id = f.case_id`;

/**
 * The statement that refreshes the forecasts of the undeleted cases of some runs. `runs` is a
 * condition on `trc."testRunId"`, `exceptCaseIds` an int[] expression of cases to leave alone.
 * Shared with the forecast bench: its single pass must refresh exactly the cases the workflow
 * refreshes, and a restated copy there once drifted and measured something else.
 */
export function refreshRunCasesSql({
  runs,
  exceptCaseIds,
  onlyArchived,
}: {
  runs: string;
  exceptCaseIds?: string;
  onlyArchived: boolean;
}): string {
  return `WITH targets AS (
       SELECT DISTINCT rc.id FROM "TestRunCases" trc
       JOIN "RepositoryCases" rc ON rc.id = trc."repositoryCaseId" AND NOT rc."isDeleted"${onlyArchived ? ' AND rc."isArchived"' : ''}
       WHERE ${runs}${exceptCaseIds ? ` AND NOT (rc.id = ANY(${exceptCaseIds}))` : ''}
     ), ${WRITE_TARGET_FORECASTS}`;
}

/**
 * Refreshes the forecasts of the undeleted cases of runs `$1`, except ids in `$2`, then sums the
 * runs. `onlyArchived` limits the refresh to archived cases, for the all-cases job whose case
 * phase has just refreshed every active one. Two statements: a data-modifying CTE's writes are
 * not visible to the rest of its own statement.
 */
async function refreshAndSumRuns(
  db: Pick<DatabaseClient, '$executeRawUnsafe'>,
  runIds: number[],
  except: number[],
  onlyArchived: boolean,
): Promise<number> {
  const refreshed = await db.$executeRawUnsafe(
    refreshRunCasesSql({ runs: 'trc."testRunId" = ANY($1::int[])', exceptCaseIds: '$2::int[]', onlyArchived }),
    runIds,
    except,
  );
  await db.$executeRawUnsafe(`WITH runs AS (SELECT unnest($1::int[]) AS id), ${RUN_FORECASTS}`, runIds);
  return refreshed;
}

export interface CaseChunkResult {
  /** Cases whose forecasts were recomputed in this chunk. */
  updated: number;
  /** The highest case id of the chunk: the next chunk starts after it. Null when no case was left. */
  lastCaseId: number | null;
}

export interface RunChunkResult {
  updated: number;
  lastRunId: number | null;
}

async function countActiveCases(db: DatabaseClient): Promise<number> {
  const [row] = await db.$queryRawUnsafe<{ n: bigint }[]>(
    `SELECT count(*) AS n FROM "RepositoryCases" WHERE NOT "isDeleted" AND NOT "isArchived"`,
  );
  return Number(row!.n);
}

export function createForecastActivities(deps: ActivityDeps) {
  return {
    async countForecastCases({ origin }: { origin: JobOrigin }): Promise<number> {
      return withTenantDatabase(deps, origin, countActiveCases);
    },

    /**
     * One chunk of `update-all-cases-forecast`: the next `limit` active cases after `afterCaseId`
     * (keyset order), each set to its group's averages, in one statement. Re-running a chunk
     * writes the same values, so a retry after a crash is harmless.
     */
    async updateCaseForecastChunk({
      origin,
      afterCaseId,
      limit,
    }: {
      origin: JobOrigin;
      afterCaseId: number;
      limit: number;
    }): Promise<CaseChunkResult> {
      return withTenantDatabase(deps, origin, async (db) => {
        const rows = await db.$queryRawUnsafe<{ id: number }[]>(
          `WITH targets AS (
             SELECT id FROM "RepositoryCases" WHERE id > $1 AND NOT "isDeleted" AND NOT "isArchived" ORDER BY id LIMIT $2
           ), ${WRITE_TARGET_FORECASTS}
           RETURNING rc.id`,
          afterCaseId,
          limit,
        );
        const lastCaseId = rows.reduce<number | null>(
          (max, row) => (max === null || row.id > max ? row.id : max),
          null,
        );
        return { updated: rows.length, lastCaseId };
      });
    },

    /**
     * Plans the next ranges of `update-all-cases-forecast`: up to `count` upper bounds, each
     * closing a range of `rangeSize` active cases after `afterCaseId` (the last one may be
     * shorter). Empty when no active case is left. One index-only read of the ids.
     */
    async planCaseForecastRanges({
      origin,
      afterCaseId,
      rangeSize,
      count,
    }: {
      origin: JobOrigin;
      afterCaseId: number;
      rangeSize: number;
      count: number;
    }): Promise<number[]> {
      return withTenantDatabase(deps, origin, async (db) => {
        const rows = await db.$queryRawUnsafe<{ upper: number }[]>(
          `SELECT max(id) AS upper FROM (
             SELECT id, (row_number() OVER (ORDER BY id) - 1) / $2 AS range
             FROM (
               SELECT id FROM "RepositoryCases" WHERE id > $1 AND NOT "isDeleted" AND NOT "isArchived"
               ORDER BY id LIMIT $2::bigint * $3
             ) next_cases
           ) numbered GROUP BY range ORDER BY range`,
          afterCaseId,
          rangeSize,
          count,
        );
        return rows.map((row) => row.upper);
      });
    },

    /**
     * One range of `update-all-cases-forecast`: the active cases in (`afterCaseId`, `upToCaseId`],
     * each set to its group's averages, in one statement. Ranges are disjoint, so a job runs
     * several at once; re-running one writes the same values, so a retry after a crash is harmless.
     */
    async updateCaseForecastRange({
      origin,
      afterCaseId,
      upToCaseId,
    }: {
      origin: JobOrigin;
      afterCaseId: number;
      upToCaseId: number;
    }): Promise<{ updated: number }> {
      // One statement of a second or (with long result histories) much more: heartbeats while
      // it runs tell Temporal the worker is alive, so a dead one is noticed in seconds.
      return withTenantDatabase(deps, origin, async (db) => ({
        updated: await heartbeatingWhile(
          () =>
            db.$executeRawUnsafe(
              `WITH targets AS (
                 SELECT id FROM "RepositoryCases" WHERE id > $1 AND id <= $2 AND NOT "isDeleted" AND NOT "isArchived"
               ), ${WRITE_TARGET_FORECASTS}`,
              afterCaseId,
              upToCaseId,
            ),
          2_000,
        ),
      }));
    },

    /** One chunk of run forecasts: open (not completed, not deleted) runs after `afterRunId`. */
    async updateRunForecastChunk({
      origin,
      afterRunId,
      limit,
    }: {
      origin: JobOrigin;
      afterRunId: number;
      limit: number;
    }): Promise<RunChunkResult> {
      return withTenantDatabase(deps, origin, async (db) => {
        const runs = await db.$queryRawUnsafe<{ id: number }[]>(
          `SELECT id FROM "TestRuns" WHERE id > $1 AND NOT "isCompleted" AND NOT "isDeleted" ORDER BY id LIMIT $2`,
          afterRunId,
          limit,
        );
        if (runs.length === 0) return { updated: 0, lastRunId: null };
        const ids = runs.map((run) => run.id);
        await db.$transaction((tx) => refreshAndSumRuns(tx, ids, [], true));
        return { updated: ids.length, lastRunId: ids[ids.length - 1]! };
      });
    },

    /** `update-single-case-forecast`: the case's group, every member of it, and every run they are in. */
    async updateSingleCaseForecast({ origin, payload }: JobWorkflowInput<UpdateSingleCaseForecastPayload>): Promise<{
      updatedCaseIds: number[];
      affectedTestRunIds: number[];
    }> {
      return withTenantDatabase(deps, origin, async (db) =>
        db.$transaction(async (tx) => {
          const [forecast] = await tx.$queryRawUnsafe<{ manual: number | null; automated: number | null }[]>(
            `WITH targets AS (SELECT id FROM "RepositoryCases" WHERE id = $1), ${GROUP_FORECASTS}
             SELECT manual, automated FROM forecasts`,
            payload.repositoryCaseId,
          );
          if (!forecast) return { updatedCaseIds: [], affectedTestRunIds: [] };
          const members = await tx.$queryRawUnsafe<{ id: number }[]>(
            `WITH targets AS (SELECT id FROM "RepositoryCases" WHERE id = $1),
             grp AS (
               SELECT t.id AS member FROM targets t
               UNION SELECT l."caseBId" FROM targets t JOIN "RepositoryCaseLink" l ON l."caseAId" = t.id AND l.type = 'SAME_TEST_DIFFERENT_SOURCE' AND NOT l."isDeleted"
               UNION SELECT l."caseAId" FROM targets t JOIN "RepositoryCaseLink" l ON l."caseBId" = t.id AND l.type = 'SAME_TEST_DIFFERENT_SOURCE' AND NOT l."isDeleted"
             )
             UPDATE "RepositoryCases" rc SET "forecastManual" = $2, "forecastAutomated" = $3
             FROM grp WHERE rc.id = grp.member AND NOT rc."isDeleted" RETURNING rc.id`,
            payload.repositoryCaseId,
            forecast.manual,
            forecast.automated,
          );
          const memberIds = members.map((m) => m.id).sort((a, b) => a - b);
          const runs = await tx.$queryRawUnsafe<{ id: number }[]>(
            `SELECT DISTINCT "testRunId" AS id FROM "TestRunCases" WHERE "repositoryCaseId" = ANY($1::int[]) ORDER BY 1`,
            memberIds,
          );
          const runIds = runs.map((r) => r.id);
          // As TestPlanIt: the other cases of those runs are refreshed before the runs are summed.
          const others = runIds.length > 0 ? await refreshAndSumRuns(tx, runIds, memberIds, false) : 0;
          logForJob(
            deps,
            origin,
            `Updated forecast of case ${payload.repositoryCaseId} (${memberIds.length} linked cases, ${runIds.length} runs, ${others} other cases of those runs)`,
          );
          return { updatedCaseIds: memberIds, affectedTestRunIds: runIds };
        }),
      );
    },

    /** `auto-complete-milestones`: automatic-completion milestones whose due date has passed. */
    async autoCompleteMilestones({ origin }: { origin: JobOrigin }): Promise<number[]> {
      return withTenantDatabase(deps, origin, async (db) => {
        const rows = await db.$queryRawUnsafe<{ id: number }[]>(
          `UPDATE "Milestones" SET "isCompleted" = true
           WHERE "automaticCompletion" AND NOT "isCompleted" AND NOT "isDeleted" AND "completedAt" <= now()
           RETURNING id`,
        );
        logForJob(deps, origin, `Auto-completed ${rows.length} milestones`);
        return rows.map((row) => row.id).sort((a, b) => a - b);
      });
    },

    /**
     * `milestone-due-notifications`: open milestones with notifyDaysBefore > 0 and a due date that
     * are overdue or due within their window, with everyone who works on them.
     */
    async findDueMilestones({ origin, now }: { origin: JobOrigin; now: string }): Promise<DueMilestone[]> {
      return withTenantDatabase(deps, origin, async (db) => {
        const milestones = await db.milestones.findMany({
          where: { isCompleted: false, isDeleted: false, notifyDaysBefore: { gt: 0 }, completedAt: { not: null } },
          select: {
            id: true,
            name: true,
            projectId: true,
            notifyDaysBefore: true,
            completedAt: true,
            createdBy: true,
            project: { select: { name: true } },
          },
          orderBy: { id: 'asc' },
        });
        const due: DueMilestone[] = [];
        for (const m of milestones) {
          const days = daysUntil(m.completedAt!, new Date(now));
          const isOverdue = days < 0;
          if (!isOverdue && days > m.notifyDaysBefore) continue;
          const recipients = await db.$queryRawUnsafe<{ id: string }[]>(
            `SELECT DISTINCT id FROM (
               SELECT $2::text AS id
               UNION SELECT tr."createdById" FROM "TestRuns" tr WHERE tr."milestoneId" = $1 AND NOT tr."isDeleted"
               UNION SELECT trc."assignedToId" FROM "TestRunCases" trc JOIN "TestRuns" tr ON tr.id = trc."testRunId" WHERE tr."milestoneId" = $1 AND NOT tr."isDeleted"
               UNION SELECT res."executedById" FROM "TestRunResults" res JOIN "TestRuns" tr ON tr.id = res."testRunId" WHERE tr."milestoneId" = $1 AND NOT tr."isDeleted"
               UNION SELECT s."createdById" FROM "Sessions" s WHERE s."milestoneId" = $1 AND NOT s."isDeleted"
               UNION SELECT s."assignedToId" FROM "Sessions" s WHERE s."milestoneId" = $1 AND NOT s."isDeleted"
             ) r WHERE id IS NOT NULL ORDER BY id`,
            m.id,
            m.createdBy,
          );
          due.push({
            milestoneId: m.id,
            milestoneName: m.name,
            projectId: m.projectId,
            projectName: m.project.name,
            dueDate: m.completedAt!.toISOString(),
            isOverdue,
            recipientIds: recipients.map((r) => r.id),
          });
        }
        logForJob(deps, origin, `Found ${due.length} milestones due or overdue`);
        return due;
      });
    },
  };
}

export interface DueMilestone {
  milestoneId: number;
  milestoneName: string;
  projectId: number;
  projectName: string;
  dueDate: string;
  isOverdue: boolean;
  recipientIds: string[];
}

/** Whole days until `due`: ceil in the future, floor when overdue (negative), as TestPlanIt counts. */
export function daysUntil(due: Date, now: Date): number {
  const days = (due.getTime() - now.getTime()) / (24 * 60 * 60 * 1000);
  return days >= 0 ? Math.ceil(days) : Math.floor(days);
}

export type ForecastActivities = ReturnType<typeof createForecastActivities>;
