/**
 * Project documents: every project, deleted ones included, as TestPlanIt indexes them. A chunk is
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
  via,
  type DocumentScope,
  type DocumentSource,
} from './source';

/** A project with its creator, as the statement in `build` returns it. */
interface ProjectRow {
  id: number;
  name: string;
  iconUrl: string | null;
  note: string | null;
  docs: string | null;
  isDeleted: boolean;
  createdAt: string;
  createdBy: string;
  creatorName: string;
  creatorImage: string | null;
}

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
    // Every project, deleted or not (belongs): only the ids.
    const rows = await jsonRows<ProjectRow>(
      db,
      Prisma.sql`
        SELECT p.id, p.name, p."iconUrl", p.note, p.docs, p."isDeleted", p."createdAt", p."createdBy",
          u.name AS "creatorName", u.image AS "creatorImage"
        FROM "Projects" p JOIN "User" u ON u.id = p."createdBy"
        WHERE p.id = ANY(${ids}::int[])`,
    );
    return rows.map((project) => ({
      id: project.id,
      name: project.name,
      iconUrl: project.iconUrl,
      note: project.note,
      docs: project.docs,
      isDeleted: project.isDeleted,
      createdAt: jsonDate(project.createdAt),
      createdById: project.createdBy,
      createdByName: project.creatorName,
      createdByImage: project.creatorImage,
      // A project's note and docs are text columns holding TipTap JSON (or plain words): the
      // document keeps them as stored, its searchable words are their plain text.
      searchableContent: joinText(project.name, plainText(project.note), plainText(project.docs)),
    }));
  },
  changeSources: [direct('Projects', 'id'), via('User', 'id', referencing('Projects', 'createdBy', '$texts'))],
};
