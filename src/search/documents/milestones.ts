/**
 * Milestone documents. Unlike TestPlanIt's (which reads a name off the creator's id and never
 * sets the due date), createdByName and dueDate are filled: a milestone's due date is its
 * `completedAt`.
 */
import type { Prisma } from '@prisma/client';
import { joinText, plainText } from '../text';
import { afterCursor, direct, referencing, via, type DocumentScope, type DocumentSource } from './source';

function belongs(scope: DocumentScope): Prisma.MilestonesWhereInput {
  return { project: { isDeleted: false }, ...(scope.projectId ? { projectId: scope.projectId } : {}) };
}

const include = {
  project: { select: { name: true, iconUrl: true } },
  creator: { select: { name: true, image: true } },
  milestoneType: { select: { name: true, icon: { select: { name: true } } } },
  parent: { select: { name: true } },
} satisfies Prisma.MilestonesInclude;

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
    const milestones = await db.milestones.findMany({
      where: { ...belongs({}), id: { in: ids } },
      include,
      orderBy: { id: 'asc' },
    });
    return milestones.map((milestone) => {
      const note = plainText(milestone.note);
      const docs = plainText(milestone.docs);
      return {
        id: milestone.id,
        projectId: milestone.projectId,
        projectName: milestone.project.name,
        projectIconUrl: milestone.project.iconUrl,
        name: milestone.name,
        note,
        docs,
        milestoneTypeId: milestone.milestoneTypesId,
        milestoneTypeName: milestone.milestoneType.name,
        milestoneTypeIcon: milestone.milestoneType.icon?.name,
        parentId: milestone.parentId,
        parentName: milestone.parent?.name,
        dueDate: milestone.completedAt,
        isCompleted: milestone.isCompleted,
        completedAt: milestone.completedAt,
        isDeleted: milestone.isDeleted,
        createdAt: milestone.createdAt,
        createdById: milestone.createdBy,
        createdByName: milestone.creator.name,
        createdByImage: milestone.creator.image,
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
