/**
 * Repository case documents. Archived cases are not searchable; deleted ones are (TestPlanIt
 * filters them by permission at search time). Cases of deleted projects are left out, as
 * TestPlanIt's reindex only walks live projects.
 */
import { Prisma } from '@prisma/client';
import type { DatabaseClient } from '../../tenancy/prismaPool';
import { joinText, plainText } from '../text';
import { customFieldDocuments, customFieldText, type CustomFieldRow } from './customFields';
import {
  afterCursor,
  direct,
  jsonDate,
  referencing,
  serialized,
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

/** A case's step as the statement below returns it; a shared step names its group. */
interface StepRow {
  id: number;
  order: number;
  step: unknown;
  expectedResult: unknown;
  sharedStepGroupId: number | null;
}

interface SharedStepGroupRow {
  name: string;
  items: Array<{ step: unknown; expectedResult: unknown }>;
}

/**
 * The custom fields and shared step groups the chunk's cases use, keyed by id: on the first row
 * only, so each is sent once a chunk rather than once per case (a field's options alone are most
 * of a small case's bytes).
 */
interface ChunkLookups {
  fields: Record<string, CustomFieldRow['field']>;
  groups: Record<string, SharedStepGroupRow>;
}

/** A case with everything its document names, as the statement below returns it. */
interface CaseRow {
  id: number;
  projectId: number;
  projectName: string;
  projectIconUrl: string | null;
  repositoryId: number;
  folderId: number;
  folderPath: string;
  templateId: number;
  templateName: string;
  name: string;
  className: string | null;
  source: string;
  stateId: number;
  stateName: string;
  stateIcon: string;
  stateColor: string;
  estimate: number | null;
  forecastManual: number | null;
  forecastAutomated: number | null;
  automated: boolean;
  isArchived: boolean;
  isDeleted: boolean;
  /** ISO 8601 with microseconds, as JSON renders timestamptz. */
  createdAt: string;
  creatorId: string;
  creatorName: string;
  creatorImage: string | null;
  tags: Array<{ id: number; name: string }>;
  steps: StepRow[];
  /** [fieldId, value] in value id order. */
  fieldValues: Array<[number, unknown]>;
  lookups: ChunkLookups | null;
}

/**
 * Every case of `$1` (an int[]) that belongs in the index, with its project, template, state,
 * creator, folder path, tags, steps and custom field values, and the chunk's lookups
 * (ChunkLookups), in ONE statement: a chunk costs one round trip instead of a query per relation.
 * Each case comes as one row of JSON text, parsed, built and serialized before the next is parsed
 * (SerializedDocument): the driver parses nothing, and no chunk-sized object graph is ever alive.
 * Rich text stays JSON, made plain text in JS (src/search/text.ts). Orders are those of the
 * Prisma builder this replaced, with the id as the tie-break it left to the database.
 */
const CASE_ROWS_SQL = `
    WITH RECURSIVE cases AS (
      SELECT c.* FROM "RepositoryCases" c JOIN "Projects" p ON p.id = c."projectId"
      WHERE c.id = ANY($1::int[]) AND NOT c."isArchived" AND NOT p."isDeleted"
    ),
    chain AS (
      SELECT f.id AS leaf, f."parentId", f.name, 0 AS depth FROM "RepositoryFolders" f
      WHERE f.id IN (SELECT "folderId" FROM cases)
      UNION ALL
      SELECT c.leaf, p."parentId", p.name, c.depth + 1 FROM chain c JOIN "RepositoryFolders" p ON p.id = c."parentId"
      WHERE c.depth < 100
    ),
    paths AS MATERIALIZED (SELECT leaf, '/' || string_agg(name, '/' ORDER BY depth DESC) AS path FROM chain GROUP BY leaf),
    tags AS (
      SELECT ct."A" AS "caseId", json_agg(json_build_object('id', t.id, 'name', t.name) ORDER BY t.id) AS tags
      FROM "_RepositoryCasesToTags" ct JOIN "Tags" t ON t.id = ct."B"
      WHERE ct."A" = ANY($1::int[]) GROUP BY ct."A"
    ),
    live_steps AS MATERIALIZED (
      SELECT s.* FROM "Steps" s WHERE s."testCaseId" = ANY($1::int[]) AND NOT s."isDeleted"
    ),
    steps AS (
      SELECT s."testCaseId" AS "caseId", json_agg(json_build_object(
        'id', s.id, 'order', s."order", 'step', s.step, 'expectedResult', s."expectedResult",
        'sharedStepGroupId', s."sharedStepGroupId") ORDER BY s."order", s.id) AS steps
      FROM live_steps s GROUP BY s."testCaseId"
    ),
    groups AS (
      SELECT json_object_agg(g.id, json_build_object('name', g.name, 'items', COALESCE(
        (SELECT json_agg(json_build_object('step', i.step, 'expectedResult', i."expectedResult") ORDER BY i."order", i.id)
         FROM "SharedStepItem" i WHERE i."sharedStepGroupId" = g.id), '[]'))) AS groups
      FROM "SharedStepGroup" g WHERE g.id IN (SELECT "sharedStepGroupId" FROM live_steps)
    ),
    field_values AS MATERIALIZED (
      SELECT v.id, v."testCaseId", v."fieldId", v.value FROM "CaseFieldValues" v WHERE v."testCaseId" = ANY($1::int[])
    ),
    case_values AS (
      SELECT "testCaseId" AS "caseId", json_agg(json_build_array("fieldId", value) ORDER BY id) AS "values"
      FROM field_values GROUP BY "testCaseId"
    ),
    fields AS (
      SELECT json_object_agg(f.id, json_build_object(
        'displayName', f."displayName", 'systemName', f."systemName",
        'type', CASE WHEN ft.id IS NOT NULL THEN json_build_object('type', ft.type) END,
        'fieldOptions', COALESCE((
          SELECT json_agg(json_build_object('fieldOption', json_build_object(
            'id', o.id, 'name', o.name,
            'icon', CASE WHEN oi.id IS NOT NULL THEN json_build_object('name', oi.name) END,
            'iconColor', CASE WHEN oc.id IS NOT NULL THEN json_build_object('value', oc.value) END)) ORDER BY o.id)
          FROM "CaseFieldAssignment" a JOIN "FieldOptions" o ON o.id = a."fieldOptionId"
          LEFT JOIN "FieldIcon" oi ON oi.id = o."iconId" LEFT JOIN "Color" oc ON oc.id = o."iconColorId"
          WHERE a."caseFieldId" = f.id), '[]'))) AS fields
      FROM "CaseFields" f LEFT JOIN "CaseFieldTypes" ft ON ft.id = f."typeId"
      WHERE f.id IN (SELECT "fieldId" FROM field_values)
    ),
    documents AS (
      SELECT c.id, c."projectId", p.name AS "projectName", p."iconUrl" AS "projectIconUrl", c."repositoryId",
        c."folderId", COALESCE(paths.path, '/') AS "folderPath", c."templateId", t."templateName", c.name,
        c."className", c.source::text AS source, c."stateId", w.name AS "stateName", wi.name AS "stateIcon",
        wc.value AS "stateColor", c.estimate, c."forecastManual", c."forecastAutomated", c.automated,
        c."isArchived", c."isDeleted", c."createdAt", c."creatorId", u.name AS "creatorName", u.image AS "creatorImage",
        COALESCE(tags.tags, '[]') AS tags, COALESCE(steps.steps, '[]') AS steps,
        COALESCE(case_values."values", '[]') AS "fieldValues",
        CASE WHEN row_number() OVER (ORDER BY c.id) = 1 THEN json_build_object(
          'fields', COALESCE((SELECT fields FROM fields), '{}'),
          'groups', COALESCE((SELECT groups FROM groups), '{}')) END AS lookups
      FROM cases c
      JOIN "Projects" p ON p.id = c."projectId"
      JOIN "Templates" t ON t.id = c."templateId"
      JOIN "Workflows" w ON w.id = c."stateId"
      JOIN "FieldIcon" wi ON wi.id = w."iconId"
      JOIN "Color" wc ON wc.id = w."colorId"
      JOIN "User" u ON u.id = c."creatorId"
      LEFT JOIN paths ON paths.leaf = c."folderId"
      LEFT JOIN tags ON tags."caseId" = c.id
      LEFT JOIN steps ON steps."caseId" = c.id
      LEFT JOIN case_values ON case_values."caseId" = c.id
    )
    SELECT row_to_json(d)::text AS row FROM documents d ORDER BY d.id`;

/** The documents of the statement's rows, in order; the lookups come with the first. */
function* caseDocuments(rows: Array<{ row: string }>): Generator<SearchDocument> {
  let lookups: ChunkLookups = { fields: {}, groups: {} };
  for (const [index, { row }] of rows.entries()) {
    const parsed = JSON.parse(row) as CaseRow;
    if (index === 0 && parsed.lookups) lookups = parsed.lookups;
    yield caseDocument(parsed, lookups);
  }
}

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
function stepDocuments(steps: StepRow[], groups: ChunkLookups['groups']): StepDocument[] {
  return steps.flatMap((step): StepDocument[] => {
    const group = step.sharedStepGroupId !== null ? groups[step.sharedStepGroupId] : undefined;
    if (step.sharedStepGroupId !== null && group) {
      const groupId = step.sharedStepGroupId;
      const groupName = group.name;
      return group.items.map((item, index) => ({
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

function caseDocument(row: CaseRow, lookups: ChunkLookups): SearchDocument {
  const customFields = customFieldDocuments(
    row.fieldValues.map(([fieldId, value]) => ({ fieldId, value, field: lookups.fields[fieldId]! })),
  );
  const steps = stepDocuments(row.steps, lookups.groups);
  const tags = row.tags.map((tag) => ({ id: tag.id, name: tag.name }));
  return {
    id: row.id,
    projectId: row.projectId,
    projectName: row.projectName,
    projectIconUrl: row.projectIconUrl,
    repositoryId: row.repositoryId,
    folderId: row.folderId,
    folderPath: row.folderPath,
    templateId: row.templateId,
    templateName: row.templateName,
    name: row.name,
    className: row.className,
    source: row.source,
    stateId: row.stateId,
    stateName: row.stateName,
    stateIcon: row.stateIcon,
    stateColor: row.stateColor,
    estimate: row.estimate,
    forecastManual: row.forecastManual,
    forecastAutomated: row.forecastAutomated,
    automated: row.automated,
    isArchived: row.isArchived,
    isDeleted: row.isDeleted,
    createdAt: jsonDate(row.createdAt),
    creatorId: row.creatorId,
    creatorName: row.creatorName,
    creatorImage: row.creatorImage,
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
    // One array parameter: a prune page is thousands of ids, which Prisma would bind one by one.
    const rows = await db.$queryRaw<Array<{ id: number }>>`
      SELECT c.id FROM "RepositoryCases" c JOIN "Projects" p ON p.id = c."projectId"
      WHERE c.id = ANY(${ids}::int[]) AND NOT c."isArchived" AND NOT p."isDeleted"`;
    return rows.map((row) => row.id);
  },
  async build(db, ids) {
    return [...caseDocuments(await db.$queryRawUnsafe<Array<{ row: string }>>(CASE_ROWS_SQL, ids))];
  },
  async serialize(_db, pg, ids) {
    return Array.from(caseDocuments((await pg.query<{ row: string }>(CASE_ROWS_SQL, [ids])).rows), serialized);
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
