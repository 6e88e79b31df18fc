/**
 * Milestone documents. Unlike TestPlanIt's (which reads a name off the creator's id and never
 * sets the due date), createdByName and dueDate are filled: a milestone's due date is its
 * `completedAt`. A chunk is one SQL statement (jsonRows); the Prisma builder it replaced is
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

function belongs(scope: DocumentScope): Prisma.MilestonesWhereInput {
  return { project: { isDeleted: false }, ...(scope.projectId ? { projectId: scope.projectId } : {}) };
}

/** A milestone with everything its document names, as the statement in `build` returns it. */
interface MilestoneRow {
  id: number;
  projectId: number;
  projectName: string;
  projectIconUrl: string | null;
  name: string;
  note: Prisma.JsonValue;
  docs: Prisma.JsonValue;
  milestoneTypesId: number;
  milestoneTypeName: string;
  /** Null when the type has no icon (likewise parentName without a parent). */
  milestoneTypeIcon: string | null;
  parentId: number | null;
  parentName: string | null;
  isCompleted: boolean;
  completedAt: string | null;
  isDeleted: boolean;
  createdAt: string;
  createdBy: string;
  creatorName: string;
  creatorImage: string | null;
}

export const milestoneSource: DocumentSource = {
  entity: 'milestones',
  perProject: true,
  count: (db, scope) => db.milestones.count({ where: belongs(scope) }),
  async pageIds(db, scope, afterId, limit) {
    const rows = await db.milestones.findMany({
      where: { ...belongs(scope), ...afterCursor(afterId) },
      select: { id: true },
      orderBy: { id: 'asc' },
      take: limit,
    });
    return rows.map((row) => row.id);
  },
  async belonging(db, ids) {
    const rows = await db.milestones.findMany({ where: { ...belongs({}), id: { in: ids } }, select: { id: true } });
    return rows.map((row) => row.id);
  },
  async build(db, ids) {
    // The parent is named whatever its own state (deleted or not), as the Prisma relation was.
    const milestones = await jsonRows<MilestoneRow>(
      db,
      Prisma.sql`
        SELECT m.id, m."projectId", p.name AS "projectName", p."iconUrl" AS "projectIconUrl", m.name, m.note, m.docs,
          m."milestoneTypesId", t.name AS "milestoneTypeName", ti.name AS "milestoneTypeIcon", m."parentId",
          parent.name AS "parentName", m."isCompleted", m."completedAt", m."isDeleted", m."createdAt", m."createdBy",
          u.name AS "creatorName", u.image AS "creatorImage"
        FROM "Milestones" m
        JOIN "Projects" p ON p.id = m."projectId"
        JOIN "MilestoneTypes" t ON t.id = m."milestoneTypesId"
        JOIN "User" u ON u.id = m."createdBy"
        LEFT JOIN "FieldIcon" ti ON ti.id = t."iconId"
        LEFT JOIN "Milestones" parent ON parent.id = m."parentId"
        WHERE m.id = ANY(${ids}::int[]) AND NOT p."isDeleted"`,
    );
    return milestones.map((milestone) => {
      const note = plainText(milestone.note);
      const docs = plainText(milestone.docs);
      return {
        id: milestone.id,
        projectId: milestone.projectId,
        projectName: milestone.projectName,
        projectIconUrl: milestone.projectIconUrl,
        name: milestone.name,
        note,
        docs,
        milestoneTypeId: milestone.milestoneTypesId,
        milestoneTypeName: milestone.milestoneTypeName,
        // Absent rather than null without an icon or a parent, as Prisma's missing relation left
        // them: Elasticsearch is sent no such field.
        milestoneTypeIcon: milestone.milestoneTypeIcon ?? undefined,
        parentId: milestone.parentId,
        parentName: milestone.parentName ?? undefined,
        dueDate: jsonDate(milestone.completedAt),
        isCompleted: milestone.isCompleted,
        completedAt: jsonDate(milestone.completedAt),
        isDeleted: milestone.isDeleted,
        createdAt: jsonDate(milestone.createdAt),
        createdById: milestone.createdBy,
        createdByName: milestone.creatorName,
        createdByImage: milestone.creatorImage,
        searchableContent: joinText(milestone.name, note, docs),
      };
    });
  },
  changeSources: [
    direct('Milestones', 'id'),
    // A milestone's document carries its parent's name.
    via('Milestones', 'id', referencing('Milestones', 'parentId')),
    via('Projects', 'id', referencing('Milestones', 'projectId')),
    via('User', 'id', referencing('Milestones', 'createdBy', '$texts')),
    via('MilestoneTypes', 'id', referencing('Milestones', 'milestoneTypesId')),
    via(
      'FieldIcon',
      'id',
      `SELECT m.id FROM "Milestones" m JOIN "MilestoneTypes" t ON t.id = m."milestoneTypesId" WHERE t."iconId" IN $ints`,
    ),
  ],
};
