/**
 * The repository-case documents as the Prisma builder made them before they were built by one SQL
 * statement (src/search/documents/repositoryCases.ts): nested includes, about a dozen queries a
 * chunk. Kept as the reference the SQL-built documents are compared with
 * (test/searchDocumentsSql.test.ts), so the faster build cannot drift from what TestPlanIt's
 * search reads.
 */
import { Prisma } from '@prisma/client';
import { customFieldDocuments, customFieldText } from '../../src/search/documents/customFields';
import type { SearchDocument } from '../../src/search/documents';
import { joinText, plainText } from '../../src/search/text';
import type { DatabaseClient } from '../../src/tenancy/prismaPool';

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

/** Documents for those of `ids` that belong in the index, in id order. */
export async function prismaCaseDocuments(db: DatabaseClient, ids: number[]): Promise<SearchDocument[]> {
  const rows = await db.repositoryCases.findMany({
    where: { isArchived: false, project: { isDeleted: false }, id: { in: ids } },
    include,
    orderBy: { id: 'asc' },
  });
  const paths = await folderPaths(db, [...new Set(rows.map((row) => row.folderId))]);
  return rows.map((row) => caseDocument(row, paths.get(row.folderId) ?? '/'));
}
