/** Project documents: every project, deleted ones included, as TestPlanIt indexes them. */
import type { Prisma } from '@prisma/client';
import { joinText, plainText } from '../text';
import { afterCursor, direct, referencing, via, type DocumentScope, type DocumentSource } from './source';

function belongs(scope: DocumentScope): Prisma.ProjectsWhereInput {
  return scope.projectId ? { id: scope.projectId } : {};
}

export const projectSource: DocumentSource = {
  entity: 'projects',
  perProject: false,
  count: (db, scope) => db.projects.count({ where: belongs(scope) }),
  async pageIds(db, scope, afterId, limit) {
    const rows = await db.projects.findMany({
      where: { ...belongs(scope), ...afterCursor(afterId) },
      select: { id: true },
      orderBy: { id: 'asc' },
      take: limit,
    });
    return rows.map((row) => row.id);
  },
  async belonging(db, ids) {
    const rows = await db.projects.findMany({ where: { ...belongs({}), id: { in: ids } }, select: { id: true } });
    return rows.map((row) => row.id);
  },
  async build(db, ids) {
    const projects = await db.projects.findMany({
      where: { id: { in: ids } },
      include: { creator: { select: { name: true, image: true } } },
      orderBy: { id: 'asc' },
    });
    return projects.map((project) => ({
      id: project.id,
      name: project.name,
      iconUrl: project.iconUrl,
      note: project.note,
      docs: project.docs,
      isDeleted: project.isDeleted,
      createdAt: project.createdAt,
      createdById: project.createdBy,
      createdByName: project.creator.name,
      createdByImage: project.creator.image,
      searchableContent: joinText(project.name, plainText(project.note), plainText(project.docs)),
    }));
  },
  changeSources: [direct('Projects', 'id'), via('User', 'id', referencing('Projects', 'createdBy', '$texts'))],
};
