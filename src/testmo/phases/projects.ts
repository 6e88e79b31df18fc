/** Projects and what hangs off them directly: milestones, repositories and their folders. */
import type { Prisma } from '@prisma/client';
import { allocateIds, insertRows } from '../idMap';
import { toBool, toDate, toInt, toText, htmlToTipTap } from '../values';
import {
  column,
  importConfigured,
  importCreated,
  linkStagedParents,
  type ImportPhase,
  type PhaseContext,
} from './context';

const json = (html: unknown) => (htmlToTipTap(toText(html)) as Prisma.InputJsonValue | undefined) ?? undefined;

/** The TestPlanIt user for a Testmo user id, or the importer. */
export function userOf(ctx: PhaseContext, testmoUserId: unknown): string {
  return ctx.ids.get('user', toInt(testmoUserId)) ?? ctx.importerId;
}

export const projectsPhase: ImportPhase = {
  entity: 'projects',
  dataset: 'projects',
  requires: [],
  importRows: async (ctx, rows) => {
    await ctx.ids.load('user', column(rows, 'created_by'));
    // A project of the same name is the same project: a second import adds to it.
    return importConfigured(ctx, rows, {
      type: 'project',
      keyOf: (row) => toText(row.name),
      existing: async (names) =>
        new Map(
          (await ctx.tx.projects.findMany({ where: { name: { in: names } }, select: { id: true, name: true } })).map(
            (row) => [row.name, row.id],
          ),
        ),
      create: async (items) => {
        const ids = await allocateIds(ctx.sql, 'Projects', items.length);
        const data = items.map(({ row, key }, index) => ({
          id: ids[index]!,
          name: key,
          note: toText(row.note) ?? null,
          docs: toText(row.docs) ?? null,
          isCompleted: toBool(row.is_completed) ?? false,
          completedAt: toDate(row.completed_at) ?? null,
          createdAt: toDate(row.created_at) ?? new Date(),
          createdBy: userOf(ctx, row.created_by),
        }));
        await insertRows(ctx.sql, 'Projects', data);
        return ids;
      },
    });
  },
};

export const milestonesPhase: ImportPhase = {
  entity: 'milestones',
  dataset: 'milestones',
  requires: ['projects'],
  importRows: async (ctx, rows) => {
    await ctx.ids.load('project', column(rows, 'project_id'));
    await ctx.ids.load('milestoneType', column(rows, 'type_id'));
    await ctx.ids.load('user', column(rows, 'created_by'));
    await ctx.ids.load('milestone', [...column(rows, 'parent_id'), ...column(rows, 'root_id')]);
    return importCreated<Prisma.MilestonesCreateManyInput & { id: number }>(ctx, rows, {
      type: 'milestone',
      build: async (row, id) => {
        const projectId = ctx.ids.int('project', toInt(row.project_id));
        if (projectId === undefined) return undefined;
        return {
          id,
          projectId,
          milestoneTypesId: ctx.ids.int('milestoneType', toInt(row.type_id)) ?? (await ctx.defaults.milestoneType()),
          name: toText(row.name) ?? `Milestone ${toInt(row.id)}`,
          note: json(row.note),
          docs: json(row.docs),
          parentId: ctx.ids.int('milestone', toInt(row.parent_id)) ?? null,
          rootId: ctx.ids.int('milestone', toInt(row.root_id)) ?? null,
          isStarted: toBool(row.is_started) ?? false,
          isCompleted: toBool(row.is_completed) ?? false,
          startedAt: toDate(row.started_at) ?? null,
          completedAt: toDate(row.completed_at) ?? null,
          createdAt: toDate(row.created_at) ?? new Date(),
          createdBy: userOf(ctx, row.created_by),
        };
      },
    });
  },
  readsBack: ['Milestones'],
  finishStep: 'linking parents',
  // A milestone listed before its parent got no parent; now every milestone is mapped.
  finish: async ({ tx, jobId }) => {
    for (const [column, field] of [
      ['parentId', 'parent_id'],
      ['rootId', 'root_id'],
    ] as const) {
      await linkStagedParents(tx, jobId, {
        dataset: 'milestones',
        type: 'milestone',
        table: 'Milestones',
        column,
        field,
        onlyUnset: false,
      });
    }
  },
};

/**
 * Testmo keeps snapshots of a repository beside the live one; only live repositories are imported
 * (as TestPlanIt does), each with the root folder TestPlanIt gives every repository.
 */
export const repositoriesPhase: ImportPhase = {
  entity: 'repositories',
  dataset: 'repositories',
  requires: ['projects'],
  importRows: async (ctx, rows) => {
    await ctx.ids.load('project', column(rows, 'project_id'));
    const outcome = await importCreated<Prisma.RepositoriesCreateManyInput & { id: number }>(ctx, rows, {
      type: 'repository',
      build: (row, id) => {
        const projectId = ctx.ids.int('project', toInt(row.project_id));
        if (projectId === undefined || toBool(row.is_snapshot) === true) return undefined;
        return { id, projectId };
      },
    });
    const roots: Array<Prisma.RepositoryFoldersCreateManyInput & { sourceId: number }> = [];
    await ctx.ids.load('repositoryRoot', column(rows, 'id'));
    for (const { row } of rows) {
      const sourceId = toInt(row.id);
      const repositoryId = ctx.ids.int('repository', sourceId);
      const projectId = ctx.ids.int('project', toInt(row.project_id));
      if (sourceId === undefined || repositoryId === undefined || projectId === undefined) continue;
      if (ctx.ids.get('repositoryRoot', sourceId) !== undefined) continue;
      roots.push({ sourceId, projectId, repositoryId, name: 'Root', creatorId: ctx.importerId });
    }
    const rootIds = await allocateIds(ctx.sql, 'RepositoryFolders', roots.length);
    await insertRows(
      ctx.sql,
      'RepositoryFolders',
      roots.map(({ sourceId: _, ...root }, index) => ({ ...root, id: rootIds[index]! })),
    );
    roots.forEach((root, index) => ctx.ids.set('repositoryRoot', root.sourceId, rootIds[index]!, 'created'));
    return outcome;
  },
};

export const foldersPhase: ImportPhase = {
  entity: 'repositoryFolders',
  dataset: 'repository_folders',
  requires: ['projects', 'repositories'],
  importRows: async (ctx, rows) => {
    await ctx.ids.load('project', column(rows, 'project_id'));
    await ctx.ids.load('repository', column(rows, 'repo_id'));
    await ctx.ids.load('repositoryRoot', column(rows, 'repo_id'));
    await ctx.ids.load('folder', column(rows, 'parent_id'));
    await ctx.ids.load('user', column(rows, 'created_by'));
    return importCreated<Prisma.RepositoryFoldersCreateManyInput & { id: number }>(ctx, rows, {
      type: 'folder',
      build: (row, id) => {
        const projectId = ctx.ids.int('project', toInt(row.project_id));
        const repositoryId = ctx.ids.int('repository', toInt(row.repo_id));
        if (projectId === undefined || repositoryId === undefined) return undefined;
        const parentSource = toInt(row.parent_id);
        // Under the root when Testmo has no parent; unparented (NULL) until `finish` when the
        // parent comes later in the export, so same-named folders of different parents never clash.
        const parentId =
          parentSource === undefined
            ? ctx.ids.int('repositoryRoot', toInt(row.repo_id))
            : ctx.ids.int('folder', parentSource);
        return {
          id,
          projectId,
          repositoryId,
          parentId: parentId ?? null,
          name: toText(row.name) ?? `Folder ${toInt(row.id)}`,
          docs: json(row.docs),
          order: toInt(row.display_order) ?? 0,
          createdAt: toDate(row.created_at) ?? new Date(),
          creatorId: userOf(ctx, row.created_by),
        };
      },
    });
  },
  readsBack: ['RepositoryFolders'],
  finishStep: 'linking parents',
  finish: async ({ tx, jobId }) => {
    await linkStagedParents(tx, jobId, {
      dataset: 'repository_folders',
      type: 'folder',
      table: 'RepositoryFolders',
      column: 'parentId',
      field: 'parent_id',
      onlyUnset: true,
    });
  },
};
