/** Test run documents, deleted runs included (TestPlanIt filters them at search time). */
import type { Prisma } from '@prisma/client';
import { joinText, plainText } from '../text';
import { afterCursor, direct, referencing, stateStyle, via, type DocumentScope, type DocumentSource } from './source';

function belongs(scope: DocumentScope): Prisma.TestRunsWhereInput {
  return { project: { isDeleted: false }, ...(scope.projectId ? { projectId: scope.projectId } : {}) };
}

const include = {
  project: { select: { name: true, iconUrl: true } },
  createdBy: { select: { name: true, image: true } },
  state: { select: { name: true, icon: { select: { name: true } }, color: { select: { value: true } } } },
  configuration: { select: { name: true } },
  milestone: { select: { name: true } },
  tags: { select: { id: true, name: true }, orderBy: { id: 'asc' } },
} satisfies Prisma.TestRunsInclude;

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
    const runs = await db.testRuns.findMany({
      where: { ...belongs({}), id: { in: ids } },
      include,
      orderBy: { id: 'asc' },
    });
    return runs.map((run) => {
      const note = plainText(run.note);
      const docs = plainText(run.docs);
      const tags = run.tags.map((tag) => ({ id: tag.id, name: tag.name }));
      return {
        id: run.id,
        projectId: run.projectId,
        projectName: run.project.name,
        projectIconUrl: run.project.iconUrl,
        name: run.name,
        note,
        docs,
        configId: run.configId,
        configurationName: run.configuration?.name,
        milestoneId: run.milestoneId,
        milestoneName: run.milestone?.name,
        stateId: run.stateId,
        stateName: run.state.name,
        stateIcon: run.state.icon.name,
        stateColor: run.state.color.value,
        forecastManual: run.forecastManual,
        forecastAutomated: run.forecastAutomated,
        elapsed: run.elapsed,
        isCompleted: run.isCompleted,
        isDeleted: run.isDeleted,
        completedAt: run.completedAt,
        testRunType: run.testRunType,
        createdAt: run.createdAt,
        createdById: run.createdById,
        createdByName: run.createdBy.name,
        createdByImage: run.createdBy.image,
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
