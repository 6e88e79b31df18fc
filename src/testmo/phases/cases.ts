/** Test cases with their steps, custom field values and tags. */
import type { Prisma } from '@prisma/client';
import { insertRows } from '../idMap';
import { htmlToTipTap, toBool, toDate, toInt, toText } from '../values';
import { column, importCreated, importLinks, nothing, type ImportPhase } from './context';
import { userOf } from './projects';

export const casesPhase: ImportPhase = {
  entity: 'repositoryCases',
  dataset: 'repository_cases',
  requires: ['projects', 'repositories'],
  importRows: async (ctx, rows) => {
    await ctx.ids.load('project', column(rows, 'project_id'));
    await ctx.ids.load('repository', column(rows, 'repo_id'));
    await ctx.ids.load('repositoryRoot', column(rows, 'repo_id'));
    await ctx.ids.load('folder', column(rows, 'folder_id'));
    await ctx.ids.load('template', column(rows, 'template_id'));
    await ctx.ids.load('workflow', column(rows, 'state_id'));
    await ctx.ids.load('user', column(rows, 'created_by'));
    return importCreated<Prisma.RepositoryCasesCreateManyInput & { id: number }>(ctx, rows, {
      type: 'case',
      build: async (row, id) => {
        const projectId = ctx.ids.int('project', toInt(row.project_id));
        const repositoryId = ctx.ids.int('repository', toInt(row.repo_id));
        const folderId =
          ctx.ids.int('folder', toInt(row.folder_id)) ?? ctx.ids.int('repositoryRoot', toInt(row.repo_id));
        if (projectId === undefined || repositoryId === undefined || folderId === undefined) return undefined;
        const automated = toBool(row.automated) ?? toBool(row.is_automated) ?? false;
        return {
          id,
          projectId,
          repositoryId,
          folderId,
          name: toText(row.name) ?? `Case ${toInt(row.id)}`,
          // Only automated cases carry a class name; manual ones are told apart by id, as in Testmo.
          className: automated ? (toText(row.key) ?? null) : null,
          templateId: ctx.ids.int('template', toInt(row.template_id)) ?? (await ctx.defaults.template()),
          stateId: ctx.ids.int('workflow', toInt(row.state_id)) ?? (await ctx.defaults.workflowState('CASES')),
          estimate: toInt(row.estimate) ?? null,
          order: toInt(row.display_order) ?? 0,
          automated,
          createdAt: toDate(row.created_at) ?? new Date(),
          creatorId: userOf(ctx, row.created_by),
        };
      },
    });
  },
};

/** Testmo's step text with its test data, the way TestPlanIt joins them: data in a <data> tag. */
function stepText(text: string | undefined, data: string | undefined): Prisma.InputJsonValue | undefined {
  if (!text && !data) return undefined;
  const joined = [text, data ? `<data>${data}</data>` : undefined].filter(Boolean).join('\n');
  return htmlToTipTap(joined) as Prisma.InputJsonValue | undefined;
}

/** Steps have no Testmo id of their own: a chunk commits them with its checkpoint, once. */
export const caseStepsPhase: ImportPhase = {
  entity: 'repositoryCaseSteps',
  dataset: 'repository_case_steps',
  requires: ['repository_cases'],
  importRows: async (ctx, rows) => {
    const outcome = nothing();
    await ctx.ids.load('case', column(rows, 'case_id'));
    const steps: Prisma.StepsCreateManyInput[] = [];
    for (const { row } of rows) {
      const testCaseId = ctx.ids.int('case', toInt(row.case_id));
      const step = stepText(toText(row.text1), toText(row.text2));
      const expectedResult = stepText(toText(row.text3), toText(row.text4));
      if (testCaseId === undefined || (!step && !expectedResult)) {
        outcome.skipped += 1;
        continue;
      }
      steps.push({ testCaseId, order: toInt(row.display_order) ?? 0, step, expectedResult });
    }
    outcome.created += await insertRows(ctx.sql, 'Steps', steps);
    return outcome;
  },
};

/**
 * Custom field values (`repository_case_values`: case, field, option). A dropdown keeps one
 * option id, a multi-select the list of them, as TestPlanIt stores them.
 */
export const caseValuesPhase: ImportPhase = {
  entity: 'repositoryCaseValues',
  dataset: 'repository_case_values',
  requires: ['repository_cases', 'fields'],
  // Each chunk reads back the values earlier chunks wrote, by case.
  readsBack: ['CaseFieldValues'],
  importRows: async (ctx, rows) => {
    const outcome = nothing();
    await ctx.ids.load('case', column(rows, 'case_id'));
    await ctx.ids.load('field', column(rows, 'field_id'));
    await ctx.ids.load('fieldOption', column(rows, 'value_id'));
    const wanted = rows.flatMap(({ row }) => {
      const testCaseId = ctx.ids.int('case', toInt(row.case_id));
      const fieldId = ctx.ids.int('field', toInt(row.field_id));
      const optionId = ctx.ids.int('fieldOption', toInt(row.value_id));
      const value = optionId ?? (row.value === undefined ? undefined : row.value);
      if (testCaseId === undefined || fieldId === undefined || value === undefined) {
        outcome.skipped += 1;
        return [];
      }
      return [{ testCaseId, fieldId, value, isOption: optionId !== undefined }];
    });
    if (wanted.length === 0) return outcome;
    const fields = await ctx.tx.caseFields.findMany({
      where: { id: { in: [...new Set(wanted.map((item) => item.fieldId))] } },
      select: { id: true, type: { select: { type: true } } },
    });
    const multi = new Set(fields.filter((field) => field.type.type === 'Multi-Select').map((field) => field.id));
    const existing = await ctx.tx.caseFieldValues.findMany({
      where: {
        testCaseId: { in: [...new Set(wanted.map((item) => item.testCaseId))] },
        fieldId: { in: [...new Set(wanted.map((item) => item.fieldId))] },
      },
      select: { id: true, testCaseId: true, fieldId: true, value: true },
    });
    const current = new Map(existing.map((row) => [`${row.testCaseId}:${row.fieldId}`, row]));
    const values = new Map<
      string,
      { id?: number; testCaseId: number; fieldId: number; value: Prisma.InputJsonValue }
    >();
    for (const item of wanted) {
      const key = `${item.testCaseId}:${item.fieldId}`;
      const known =
        values.get(key) ??
        (current.has(key)
          ? { ...current.get(key)!, value: current.get(key)!.value as Prisma.InputJsonValue }
          : undefined);
      let value = item.value as Prisma.InputJsonValue;
      if (multi.has(item.fieldId)) {
        const list = Array.isArray(known?.value) ? (known!.value as number[]) : [];
        value = list.includes(item.value as number) ? list : [...list, item.value as number];
      }
      values.set(key, { id: known?.id, testCaseId: item.testCaseId, fieldId: item.fieldId, value });
    }
    const inserts = [...values.values()].filter((item) => item.id === undefined);
    const updates = [...values.values()].filter((item) => item.id !== undefined);
    outcome.created += await insertRows(
      ctx.sql,
      'CaseFieldValues',
      inserts.map(({ testCaseId, fieldId, value }) => ({ testCaseId, fieldId, value })),
    );
    for (const update of updates)
      await ctx.tx.caseFieldValues.update({ where: { id: update.id }, data: { value: update.value } });
    outcome.mapped += wanted.length - inserts.length;
    return outcome;
  },
};

export const caseTagsPhase: ImportPhase = {
  entity: 'repositoryCaseTags',
  dataset: 'repository_case_tags',
  requires: ['repository_cases', 'tags'],
  importRows: (ctx, rows) =>
    importLinks(ctx, rows, {
      table: '_RepositoryCasesToTags',
      a: { type: 'case', column: 'case_id' },
      b: { type: 'tag', column: 'tag_id' },
    }),
};
