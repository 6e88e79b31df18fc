/** Exploratory session documents, deleted sessions included. */
import type { Prisma } from '@prisma/client';
import { joinText, plainText } from '../text';
import { afterCursor, direct, referencing, stateStyle, via, type DocumentScope, type DocumentSource } from './source';

function belongs(scope: DocumentScope): Prisma.SessionsWhereInput {
  return { project: { isDeleted: false }, ...(scope.projectId ? { projectId: scope.projectId } : {}) };
}

const include = {
  project: { select: { name: true, iconUrl: true } },
  createdBy: { select: { name: true, image: true } },
  assignedTo: { select: { name: true, image: true } },
  state: { select: { name: true, icon: { select: { name: true } }, color: { select: { value: true } } } },
  template: { select: { templateName: true } },
  configuration: { select: { name: true } },
  milestone: { select: { name: true } },
  tags: { select: { id: true, name: true }, orderBy: { id: 'asc' } },
} satisfies Prisma.SessionsInclude;

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
    const sessions = await db.sessions.findMany({
      where: { ...belongs({}), id: { in: ids } },
      include,
      orderBy: { id: 'asc' },
    });
    return sessions.map((session) => {
      const note = plainText(session.note);
      const mission = plainText(session.mission);
      const tags = session.tags.map((tag) => ({ id: tag.id, name: tag.name }));
      return {
        id: session.id,
        projectId: session.projectId,
        projectName: session.project.name,
        projectIconUrl: session.project.iconUrl,
        templateId: session.templateId,
        templateName: session.template.templateName,
        name: session.name,
        note,
        mission,
        configId: session.configId,
        configurationName: session.configuration?.name,
        milestoneId: session.milestoneId,
        milestoneName: session.milestone?.name,
        stateId: session.stateId,
        stateName: session.state.name,
        stateIcon: session.state.icon.name,
        stateColor: session.state.color.value,
        assignedToId: session.assignedToId,
        assignedToName: session.assignedTo?.name,
        assignedToImage: session.assignedTo?.image,
        estimate: session.estimate,
        forecastManual: session.forecastManual,
        forecastAutomated: session.forecastAutomated,
        elapsed: session.elapsed,
        isCompleted: session.isCompleted,
        isDeleted: session.isDeleted,
        completedAt: session.completedAt,
        createdAt: session.createdAt,
        createdById: session.createdById,
        createdByName: session.createdBy.name,
        createdByImage: session.createdBy.image,
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
