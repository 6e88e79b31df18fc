/**
 * Exploratory session documents, deleted sessions included. A chunk is one SQL statement
 * (jsonRows); the Prisma builder it replaced is test/support/prismaDocuments.ts.
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

function belongs(scope: DocumentScope): Prisma.SessionsWhereInput {
  return { project: { isDeleted: false }, ...(scope.projectId ? { projectId: scope.projectId } : {}) };
}

/** A session with everything its document names, as the statement in `build` returns it. */
interface SessionRow {
  id: number;
  projectId: number;
  projectName: string;
  projectIconUrl: string | null;
  templateId: number;
  templateName: string;
  name: string;
  note: Prisma.JsonValue;
  mission: Prisma.JsonValue;
  configId: number | null;
  /** Null when the session has no configuration (likewise milestoneName). */
  configurationName: string | null;
  milestoneId: number | null;
  milestoneName: string | null;
  stateId: number;
  stateName: string;
  stateIcon: string;
  stateColor: string;
  assignedToId: string | null;
  /** An object, not two columns: an assignee without an image is not the same as no assignee. */
  assignedTo: { name: string; image: string | null } | null;
  estimate: number | null;
  forecastManual: number | null;
  forecastAutomated: number | null;
  elapsed: number | null;
  isCompleted: boolean;
  isDeleted: boolean;
  completedAt: string | null;
  createdAt: string;
  createdById: string;
  createdByName: string;
  createdByImage: string | null;
  tags: Array<{ id: number; name: string }>;
}

export const sessionSource: DocumentSource = {
  entity: 'sessions',
  perProject: true,
  count: (db, scope) => db.sessions.count({ where: belongs(scope) }),
  async pageIds(db, scope, afterId, limit) {
    const rows = await db.sessions.findMany({
      where: { ...belongs(scope), ...afterCursor(afterId) },
      select: { id: true },
      orderBy: { id: 'asc' },
      take: limit,
    });
    return rows.map((row) => row.id);
  },
  async belonging(db, ids) {
    const rows = await db.sessions.findMany({ where: { ...belongs({}), id: { in: ids } }, select: { id: true } });
    return rows.map((row) => row.id);
  },
  async build(db, ids) {
    // completedAt is a timestamp without time zone, which Prisma reads as UTC (jsonDate).
    const sessions = await jsonRows<SessionRow>(
      db,
      Prisma.sql`
        SELECT s.id, s."projectId", p.name AS "projectName", p."iconUrl" AS "projectIconUrl", s."templateId",
          t."templateName", s.name, s.note, s.mission, s."configId", c.name AS "configurationName", s."milestoneId",
          m.name AS "milestoneName", s."stateId", w.name AS "stateName", wi.name AS "stateIcon", wc.value AS "stateColor",
          s."assignedToId", CASE WHEN a.id IS NOT NULL THEN json_build_object('name', a.name, 'image', a.image) END AS "assignedTo",
          s.estimate, s."forecastManual", s."forecastAutomated", s.elapsed, s."isCompleted", s."isDeleted",
          s."completedAt" AT TIME ZONE 'UTC' AS "completedAt", s."createdAt", s."createdById", u.name AS "createdByName",
          u.image AS "createdByImage",
          COALESCE((
            SELECT json_agg(json_build_object('id', g.id, 'name', g.name) ORDER BY g.id)
            FROM "_SessionsToTags" st JOIN "Tags" g ON g.id = st."B" WHERE st."A" = s.id), '[]') AS tags
        FROM "Sessions" s
        JOIN "Projects" p ON p.id = s."projectId"
        JOIN "Templates" t ON t.id = s."templateId"
        JOIN "Workflows" w ON w.id = s."stateId"
        JOIN "FieldIcon" wi ON wi.id = w."iconId"
        JOIN "Color" wc ON wc.id = w."colorId"
        JOIN "User" u ON u.id = s."createdById"
        LEFT JOIN "User" a ON a.id = s."assignedToId"
        LEFT JOIN "Configurations" c ON c.id = s."configId"
        LEFT JOIN "Milestones" m ON m.id = s."milestoneId"
        WHERE s.id = ANY(${ids}::int[]) AND NOT p."isDeleted"`,
    );
    return sessions.map((session) => {
      const note = plainText(session.note);
      const mission = plainText(session.mission);
      const tags = session.tags.map((tag) => ({ id: tag.id, name: tag.name }));
      return {
        id: session.id,
        projectId: session.projectId,
        projectName: session.projectName,
        projectIconUrl: session.projectIconUrl,
        templateId: session.templateId,
        templateName: session.templateName,
        name: session.name,
        note,
        mission,
        configId: session.configId,
        // Absent rather than null without a configuration, milestone or assignee, as Prisma's
        // missing relation left them: Elasticsearch is sent no such field.
        configurationName: session.configurationName ?? undefined,
        milestoneId: session.milestoneId,
        milestoneName: session.milestoneName ?? undefined,
        stateId: session.stateId,
        stateName: session.stateName,
        stateIcon: session.stateIcon,
        stateColor: session.stateColor,
        assignedToId: session.assignedToId,
        assignedToName: session.assignedTo?.name,
        assignedToImage: session.assignedTo?.image,
        estimate: session.estimate,
        forecastManual: session.forecastManual,
        forecastAutomated: session.forecastAutomated,
        elapsed: session.elapsed,
        isCompleted: session.isCompleted,
        isDeleted: session.isDeleted,
        completedAt: jsonDate(session.completedAt),
        createdAt: jsonDate(session.createdAt),
        createdById: session.createdById,
        createdByName: session.createdByName,
        createdByImage: session.createdByImage,
        tags,
        searchableContent: joinText(session.name, note, mission, tags.map((tag) => tag.name).join(' ')),
      };
    });
  },
  changeSources: [
    direct('Sessions', 'id'),
    direct('_SessionsToTags', 'A'),
    via('Tags', 'id', `SELECT "A" FROM "_SessionsToTags" WHERE "B" IN $ints`),
    via('Projects', 'id', referencing('Sessions', 'projectId')),
    via('Templates', 'id', referencing('Sessions', 'templateId')),
    via('Configurations', 'id', referencing('Sessions', 'configId')),
    via('Milestones', 'id', referencing('Sessions', 'milestoneId')),
    via('Workflows', 'id', referencing('Sessions', 'stateId')),
    via('FieldIcon', 'id', stateStyle('Sessions', 'iconId')),
    via('Color', 'id', stateStyle('Sessions', 'colorId')),
    via(
      'User',
      'id',
      `${referencing('Sessions', 'createdById', '$texts')} UNION ${referencing('Sessions', 'assignedToId', '$texts')}`,
    ),
  ],
};
