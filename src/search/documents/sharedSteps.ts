/** Shared step group documents; items keep their rich text as JSON strings, as TestPlanIt's do. */
import type { Prisma } from '@prisma/client';
import { joinText, plainText } from '../text';
import { afterCursor, direct, referencing, via, type DocumentScope, type DocumentSource } from './source';

function belongs(scope: DocumentScope): Prisma.SharedStepGroupWhereInput {
  return { project: { isDeleted: false }, ...(scope.projectId ? { projectId: scope.projectId } : {}) };
}

const include = {
  project: { select: { name: true, iconUrl: true } },
  createdBy: { select: { name: true, image: true } },
  items: { orderBy: [{ order: 'asc' }, { id: 'asc' }] },
} satisfies Prisma.SharedStepGroupInclude;

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
    const groups = await db.sharedStepGroup.findMany({
      where: { ...belongs({}), id: { in: ids } },
      include,
      orderBy: { id: 'asc' },
    });
    return groups.map((group) => ({
      id: group.id,
      name: group.name,
      projectId: group.projectId,
      projectName: group.project.name,
      projectIconUrl: group.project.iconUrl,
      createdAt: group.createdAt,
      createdById: group.createdById,
      createdByName: group.createdBy.name,
      createdByImage: group.createdBy.image,
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
