/**
 * Repository case documents. Archived cases are not searchable; deleted ones are (TestPlanIt
 * filters them by permission at search time). Cases of deleted projects are left out, as
 * TestPlanIt's reindex only walks live projects.
 */
import { Prisma } from '@prisma/client';
import type { DatabaseClient } from '../../tenancy/prismaPool';
import { joinText, plainText } from '../text';
import { customFieldDocuments, customFieldText } from './customFields';
import {
  afterCursor,
  direct,
  referencing,
  stateStyle,
  via,
  type DocumentScope,
  type DocumentSource,
  type SearchDocument,
} from './source';

/** Cases with a value of a field offering a changed option (`column` of `"FieldOptions" o` or its assignment `a`). */
function fieldOptionCases(column: string): string {
  return `SELECT v."testCaseId" FROM "CaseFieldValues" v JOIN "CaseFieldAssignment" a ON a."caseFieldId" = v."fieldId"
    JOIN "FieldOptions" o ON o.id = a."fieldOptionId" WHERE ${column} IN $ints`;
}

function belongs(scope: DocumentScope): Prisma.RepositoryCasesWhereInput {
  return {
    isArchived: false,
    project: { isDeleted: false },
    ...(scope.projectId ? { projectId: scope.projectId } : {}),
  };
}

const include = {
  project: { select: { name: true, iconUrl: true } },
  template: { select: { templateName: true } },
  state: { select: { name: true, icon: { select: { name: true } }, color: { select: { value: true } } } },
  creator: { select: { name: true, image: true } },
  tags: { select: { id: true, name: true }, orderBy: { id: 'asc' } },
  steps: {
    where: { isDeleted: false },
    orderBy: [{ order: 'asc' }, { id: 'asc' }],
    include: { sharedStepGroup: { select: { name: true, items: { orderBy: { order: 'asc' } } } } },
  },
  caseFieldValues: {
    orderBy: { id: 'asc' },
    include: {
      field: {
        select: {
          displayName: true,
          systemName: true,
          type: { select: { type: true } },
          fieldOptions: {
            select: {
              fieldOption: {
                select: {
                  id: true,
                  name: true,
                  icon: { select: { name: true } },
                  iconColor: { select: { value: true } },
                },
              },
            },
          },
        },
      },
    },
  },
} satisfies Prisma.RepositoryCasesInclude;

type CaseRow = Prisma.RepositoryCasesGetPayload<{ include: typeof include }>;

interface StepDocument {
  id: number;
  order: number;
  step: string;
  expectedResult: string;
  isSharedStep: boolean;
  sharedStepGroupId?: number;
  sharedStepGroupName?: string;
}

/** Shared steps are expanded into their items, with ids TestPlanIt derives: step id * 1000 + i. */
function stepDocuments(steps: CaseRow['steps']): StepDocument[] {
  return steps.flatMap((step): StepDocument[] => {
    if (step.sharedStepGroupId !== null && step.sharedStepGroup) {
      const groupId = step.sharedStepGroupId;
      const groupName = step.sharedStepGroup.name;
      return step.sharedStepGroup.items.map((item, index) => ({
        id: step.id * 1000 + index,
        order: step.order,
        step: plainText(item.step),
        expectedResult: plainText(item.expectedResult),
        isSharedStep: true,
        sharedStepGroupId: groupId,
        sharedStepGroupName: groupName,
      }));
    }
    return [
      {
        id: step.id,
        order: step.order,
        step: plainText(step.step),
        expectedResult: plainText(step.expectedResult),
        isSharedStep: false,
      },
    ];
  });
}

/** "/Root/Sub/Leaf" for each folder id, walking parents in one recursive query. */
async function folderPaths(db: DatabaseClient, folderIds: number[]): Promise<Map<number, string>> {
  if (folderIds.length === 0) return new Map();
  const rows = await db.$queryRaw<Array<{ leaf: number; path: string }>>`
    WITH RECURSIVE chain AS (
      SELECT f.id AS leaf, f."parentId", f.name, 0 AS depth FROM "RepositoryFolders" f WHERE f.id = ANY(${folderIds}::int[])
      UNION ALL
      SELECT c.leaf, p."parentId", p.name, c.depth + 1 FROM chain c JOIN "RepositoryFolders" p ON p.id = c."parentId"
      WHERE c.depth < 100
    )
    SELECT leaf, '/' || string_agg(name, '/' ORDER BY depth DESC) AS path FROM chain GROUP BY leaf`;
  return new Map(rows.map((row) => [row.leaf, row.path]));
}

function caseDocument(row: CaseRow, folderPath: string): SearchDocument {
  const customFields = customFieldDocuments(row.caseFieldValues);
  const steps = stepDocuments(row.steps);
  const tags = row.tags.map((tag) => ({ id: tag.id, name: tag.name }));
  return {
    id: row.id,
    projectId: row.projectId,
    projectName: row.project.name,
    projectIconUrl: row.project.iconUrl,
    repositoryId: row.repositoryId,
    folderId: row.folderId,
    folderPath,
    templateId: row.templateId,
    templateName: row.template.templateName,
    name: row.name,
    className: row.className,
    source: row.source,
    stateId: row.stateId,
    stateName: row.state.name,
    stateIcon: row.state.icon.name,
    stateColor: row.state.color.value,
    estimate: row.estimate,
    forecastManual: row.forecastManual,
    forecastAutomated: row.forecastAutomated,
    automated: row.automated,
    isArchived: row.isArchived,
    isDeleted: row.isDeleted,
    createdAt: row.createdAt,
    creatorId: row.creatorId,
    creatorName: row.creator.name,
    creatorImage: row.creator.image,
    tags,
    customFields,
    steps,
    searchableContent: joinText(
      row.name,
      row.className,
      tags.map((tag) => tag.name).join(' '),
      customFieldText(customFields),
      steps
        .map((step) => joinText(step.step, step.expectedResult, step.sharedStepGroupName))
        .filter(Boolean)
        .join(' '),
    ),
  };
}

export const repositoryCaseSource: DocumentSource = {
  entity: 'repositoryCases',
  perProject: true,
  count: (db, scope) => db.repositoryCases.count({ where: belongs(scope) }),
  async pageIds(db, scope, afterId, limit) {
    const rows = await db.repositoryCases.findMany({
      where: { ...belongs(scope), ...afterCursor(afterId) },
      select: { id: true },
      orderBy: { id: 'asc' },
      take: limit,
    });
    return rows.map((row) => row.id);
  },
  async belonging(db, ids) {
    const rows = await db.repositoryCases.findMany({
      where: { ...belongs({}), id: { in: ids } },
      select: { id: true },
    });
    return rows.map((row) => row.id);
  },
  async build(db, ids) {
    const rows = await db.repositoryCases.findMany({
      where: { ...belongs({}), id: { in: ids } },
      include,
      orderBy: { id: 'asc' },
    });
    const paths = await folderPaths(db, [...new Set(rows.map((row) => row.folderId))]);
    return rows.map((row) => caseDocument(row, paths.get(row.folderId) ?? '/'));
  },
  changeSources: [
    direct('RepositoryCases', 'id'),
    direct('Steps', 'testCaseId'),
    direct('CaseFieldValues', 'testCaseId'),
    direct('_RepositoryCasesToTags', 'A'),
    via('Tags', 'id', `SELECT "A" FROM "_RepositoryCasesToTags" WHERE "B" IN $ints`),
    via('Projects', 'id', referencing('RepositoryCases', 'projectId')),
    via('Templates', 'id', referencing('RepositoryCases', 'templateId')),
    via('Workflows', 'id', referencing('RepositoryCases', 'stateId')),
    via('User', 'id', referencing('RepositoryCases', 'creatorId', '$texts')),
    // folderPath names every ancestor: a renamed or moved folder changes the cases of all folders below it.
    via(
      'RepositoryFolders',
      'id',
      `WITH RECURSIVE below AS (SELECT id FROM "RepositoryFolders" WHERE id IN $ints
         UNION SELECT f.id FROM "RepositoryFolders" f JOIN below b ON f."parentId" = b.id)
       SELECT c.id FROM "RepositoryCases" c JOIN below b ON c."folderId" = b.id`,
    ),
    // A step that expands a shared step group carries the group's name and items.
    via('SharedStepGroup', 'id', `SELECT "testCaseId" FROM "Steps" WHERE "sharedStepGroupId" IN $ints`),
    via('SharedStepItem', 'sharedStepGroupId', `SELECT "testCaseId" FROM "Steps" WHERE "sharedStepGroupId" IN $ints`),
    // Custom field values carry their field's names and type and its options.
    via('CaseFields', 'id', `SELECT "testCaseId" FROM "CaseFieldValues" WHERE "fieldId" IN $ints`),
    via('CaseFieldAssignment', 'caseFieldId', `SELECT "testCaseId" FROM "CaseFieldValues" WHERE "fieldId" IN $ints`),
    via(
      'CaseFieldTypes',
      'id',
      `SELECT v."testCaseId" FROM "CaseFieldValues" v JOIN "CaseFields" f ON f.id = v."fieldId" WHERE f."typeId" IN $ints`,
    ),
    via('FieldOptions', 'id', fieldOptionCases('a."fieldOptionId"')),
    via('FieldIcon', 'id', `${stateStyle('RepositoryCases', 'iconId')} UNION ${fieldOptionCases('o."iconId"')}`),
    via('Color', 'id', `${stateStyle('RepositoryCases', 'colorId')} UNION ${fieldOptionCases('o."iconColorId"')}`),
  ],
};
