/**
 * Test run documents, deleted runs included (TestPlanIt filters them at search time). A chunk is
 * one SQL statement (jsonRows); the Prisma builder it replaced is test/support/prismaDocuments.ts.
 */
import { Prisma } from '@prisma/client';
import { joinText, plainText } from '../text';
import {
  afterCursor,
  direct,
  jsonDate,
  jsonRows,
  referencing,
  stateStyle,
  via,
  type DocumentScope,
  type DocumentSource,
} from './source';

function belongs(scope: DocumentScope): Prisma.TestRunsWhereInput {
  return { project: { isDeleted: false }, ...(scope.projectId ? { projectId: scope.projectId } : {}) };
}

/** A run with everything its document names, as the statement in `build` returns it. */
interface RunRow {
  id: number;
  projectId: number;
  projectName: string;
  projectIconUrl: string | null;
  name: string;
  note: Prisma.JsonValue;
  docs: Prisma.JsonValue;
  configId: number | null;
  /** Null when the run has no configuration (likewise milestoneName). */
  configurationName: string | null;
  milestoneId: number | null;
  milestoneName: string | null;
  stateId: number;
  stateName: string;
  stateIcon: string;
  stateColor: string;
  forecastManual: number | null;
  forecastAutomated: number | null;
  elapsed: number | null;
  isCompleted: boolean;
  isDeleted: boolean;
  completedAt: string | null;
  testRunType: string;
  createdAt: string;
  createdById: string;
  createdByName: string;
  createdByImage: string | null;
  tags: Array<{ id: number; name: string }>;
}

export const testRunSource: DocumentSource = {
  entity: 'testRuns',
  perProject: true,
  count: (db, scope) => db.testRuns.count({ where: belongs(scope) }),
  async pageIds(db, scope, afterId, limit) {
    const rows = await db.testRuns.findMany({
      where: { ...belongs(scope), ...afterCursor(afterId) },
      select: { id: true },
      orderBy: { id: 'asc' },
      take: limit,
    });
    return rows.map((row) => row.id);
  },
  async belonging(db, ids) {
    const rows = await db.testRuns.findMany({ where: { ...belongs({}), id: { in: ids } }, select: { id: true } });
    return rows.map((row) => row.id);
  },
  async build(db, ids) {
    // completedAt is a timestamp without time zone, which Prisma reads as UTC (jsonDate).
    const runs = await jsonRows<RunRow>(
      db,
      Prisma.sql`
        SELECT r.id, r."projectId", p.name AS "projectName", p."iconUrl" AS "projectIconUrl", r.name, r.note, r.docs,
          r."configId", c.name AS "configurationName", r."milestoneId", m.name AS "milestoneName", r."stateId",
          w.name AS "stateName", wi.name AS "stateIcon", wc.value AS "stateColor", r."forecastManual",
          r."forecastAutomated", r.elapsed, r."isCompleted", r."isDeleted", r."completedAt" AT TIME ZONE 'UTC' AS "completedAt",
          r."testRunType", r."createdAt", r."createdById", u.name AS "createdByName", u.image AS "createdByImage",
          COALESCE((
            SELECT json_agg(json_build_object('id', t.id, 'name', t.name) ORDER BY t.id)
            FROM "_TagsToTestRuns" rt JOIN "Tags" t ON t.id = rt."A" WHERE rt."B" = r.id), '[]') AS tags
        FROM "TestRuns" r
        JOIN "Projects" p ON p.id = r."projectId"
        JOIN "Workflows" w ON w.id = r."stateId"
        JOIN "FieldIcon" wi ON wi.id = w."iconId"
        JOIN "Color" wc ON wc.id = w."colorId"
        JOIN "User" u ON u.id = r."createdById"
        LEFT JOIN "Configurations" c ON c.id = r."configId"
        LEFT JOIN "Milestones" m ON m.id = r."milestoneId"
        WHERE r.id = ANY(${ids}::int[]) AND NOT p."isDeleted"`,
    );
    return runs.map((run) => {
      const note = plainText(run.note);
      const docs = plainText(run.docs);
      const tags = run.tags.map((tag) => ({ id: tag.id, name: tag.name }));
      return {
        id: run.id,
        projectId: run.projectId,
        projectName: run.projectName,
        projectIconUrl: run.projectIconUrl,
        name: run.name,
        note,
        docs,
        configId: run.configId,
        // Absent rather than null without a configuration or milestone, as Prisma's missing
        // relation left it: Elasticsearch is sent no such field.
        configurationName: run.configurationName ?? undefined,
        milestoneId: run.milestoneId,
        milestoneName: run.milestoneName ?? undefined,
        stateId: run.stateId,
        stateName: run.stateName,
        stateIcon: run.stateIcon,
        stateColor: run.stateColor,
        forecastManual: run.forecastManual,
        forecastAutomated: run.forecastAutomated,
        elapsed: run.elapsed,
        isCompleted: run.isCompleted,
        isDeleted: run.isDeleted,
        completedAt: jsonDate(run.completedAt),
        testRunType: run.testRunType,
        createdAt: jsonDate(run.createdAt),
        createdById: run.createdById,
        createdByName: run.createdByName,
        createdByImage: run.createdByImage,
        tags,
        searchableContent: joinText(run.name, note, docs, tags.map((tag) => tag.name).join(' ')),
      };
    });
  },
  changeSources: [
    direct('TestRuns', 'id'),
    direct('_TagsToTestRuns', 'B'),
    via('Tags', 'id', `SELECT "B" FROM "_TagsToTestRuns" WHERE "A" IN $ints`),
    via('Projects', 'id', referencing('TestRuns', 'projectId')),
    via('Configurations', 'id', referencing('TestRuns', 'configId')),
    via('Milestones', 'id', referencing('TestRuns', 'milestoneId')),
    via('Workflows', 'id', referencing('TestRuns', 'stateId')),
    via('FieldIcon', 'id', stateStyle('TestRuns', 'iconId')),
    via('Color', 'id', stateStyle('TestRuns', 'colorId')),
    via('User', 'id', referencing('TestRuns', 'createdById', '$texts')),
  ],
};
