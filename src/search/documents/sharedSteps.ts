/**
 * Shared step group documents; items keep their rich text as JSON strings, as TestPlanIt's do. A
 * chunk is one SQL statement (jsonRows); the Prisma builder it replaced is
 * test/support/prismaDocuments.ts.
 */
import { Prisma } from '@prisma/client';
import { joinText, plainText } from '../text';
import {
  afterCursor,
  direct,
  jsonDate,
  jsonRows,
  referencing,
  via,
  type DocumentScope,
  type DocumentSource,
} from './source';

function belongs(scope: DocumentScope): Prisma.SharedStepGroupWhereInput {
  return { project: { isDeleted: false }, ...(scope.projectId ? { projectId: scope.projectId } : {}) };
}

/** A group with its project, creator and items, as the statement in `build` returns it. */
interface GroupRow {
  id: number;
  name: string;
  projectId: number;
  projectName: string;
  projectIconUrl: string | null;
  createdAt: string;
  createdById: string;
  createdByName: string;
  createdByImage: string | null;
  isDeleted: boolean;
  /** step and expectedResult as parsed JSON, as Prisma gave them. */
  items: Array<{ id: number; order: number; step: Prisma.JsonValue; expectedResult: Prisma.JsonValue }>;
}

/**
 * Rich text as the JSON string the document carries. Made in JS, not with jsonb::text: PostgreSQL
 * writes spaces after colons and commas and keeps numbers as written (1.50), JSON.stringify of
 * the parsed value does not, and the documents must stay those TestPlanIt's Prisma reads made.
 */
function richTextSource(value: Prisma.JsonValue): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export const sharedStepSource: DocumentSource = {
  entity: 'sharedSteps',
  perProject: true,
  count: (db, scope) => db.sharedStepGroup.count({ where: belongs(scope) }),
  async pageIds(db, scope, afterId, limit) {
    const rows = await db.sharedStepGroup.findMany({
      where: { ...belongs(scope), ...afterCursor(afterId) },
      select: { id: true },
      orderBy: { id: 'asc' },
      take: limit,
    });
    return rows.map((row) => row.id);
  },
  async belonging(db, ids) {
    const rows = await db.sharedStepGroup.findMany({
      where: { ...belongs({}), id: { in: ids } },
      select: { id: true },
    });
    return rows.map((row) => row.id);
  },
  async build(db, ids) {
    // Items in order, the id breaking ties as the Prisma builder's orderBy did.
    const groups = await jsonRows<GroupRow>(
      db,
      Prisma.sql`
        SELECT g.id, g.name, g."projectId", p.name AS "projectName", p."iconUrl" AS "projectIconUrl", g."createdAt",
          g."createdById", u.name AS "createdByName", u.image AS "createdByImage", g."isDeleted",
          COALESCE((
            SELECT json_agg(json_build_object('id', i.id, 'order', i."order", 'step', i.step,
              'expectedResult', i."expectedResult") ORDER BY i."order", i.id)
            FROM "SharedStepItem" i WHERE i."sharedStepGroupId" = g.id), '[]') AS items
        FROM "SharedStepGroup" g
        JOIN "Projects" p ON p.id = g."projectId"
        JOIN "User" u ON u.id = g."createdById"
        WHERE g.id = ANY(${ids}::int[]) AND NOT p."isDeleted"`,
    );
    return groups.map((group) => ({
      id: group.id,
      name: group.name,
      projectId: group.projectId,
      projectName: group.projectName,
      projectIconUrl: group.projectIconUrl,
      createdAt: jsonDate(group.createdAt),
      createdById: group.createdById,
      createdByName: group.createdByName,
      createdByImage: group.createdByImage,
      isDeleted: group.isDeleted,
      items: group.items.map((item) => ({
        id: item.id,
        order: item.order,
        step: richTextSource(item.step),
        expectedResult: richTextSource(item.expectedResult),
      })),
      searchableContent: joinText(
        group.name,
        ...group.items.map((item) => `${plainText(item.step)} ${plainText(item.expectedResult)}`),
      ),
    }));
  },
  changeSources: [
    direct('SharedStepGroup', 'id'),
    direct('SharedStepItem', 'sharedStepGroupId'),
    via('Projects', 'id', referencing('SharedStepGroup', 'projectId')),
    via('User', 'id', referencing('SharedStepGroup', 'createdById', '$texts')),
  ],
};
