/**
 * The configuration entities: workflow states, statuses, tags, milestone types, configurations,
 * templates, custom fields with their options and template assignments, users and issue targets.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Access, IntegrationProvider, WorkflowScope, WorkflowType } from '@prisma/client';
import { allocateIds, insertRows } from '../idMap';
import { toBool, toInt, toText } from '../values';
import { column, importConfigured, nothing, type ImportPhase, type PhaseContext } from './context';

const slug = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '') || 'status';

const nameOf = (row: Record<string, unknown>, entry: Record<string, unknown> | undefined) =>
  toText(entry?.name) ?? toText(row.name);

async function byName<Id extends number | string>(rows: Array<{ id: Id; name: string }>): Promise<Map<string, Id>> {
  return new Map(rows.map((row) => [row.name, row.id]));
}

/** Inserts rows with ids taken from the table's sequence first, so each id is known before commit. */
async function insertNumbered<T>(
  ctx: PhaseContext,
  table: string,
  items: T[],
  build: (item: T, id: number) => Promise<Record<string, unknown>> | Record<string, unknown>,
): Promise<number[]> {
  const ids = await allocateIds(ctx.sql, table, items.length);
  await insertRows(ctx.sql, table, await Promise.all(items.map((item, index) => build(item, ids[index]!))));
  return ids;
}

const WORKFLOW_TYPES: WorkflowType[] = ['NOT_STARTED', 'IN_PROGRESS', 'DONE'];
const SCOPES: WorkflowScope[] = ['CASES', 'RUNS', 'SESSIONS'];

function guessWorkflowType(name: string): WorkflowType {
  if (/done|complete|closed|approved|final|retired/i.test(name)) return 'DONE';
  if (/progress|review|active|rework/i.test(name)) return 'IN_PROGRESS';
  return 'NOT_STARTED';
}

export const workflowsPhase: ImportPhase = {
  entity: 'workflows',
  dataset: 'states',
  requires: [],
  importRows: (ctx, rows) =>
    importConfigured(ctx, rows, {
      type: 'workflow',
      section: 'workflows',
      keyOf: nameOf,
      existing: async (names) =>
        byName(
          await ctx.tx.workflows.findMany({
            where: { name: { in: names }, scope: 'CASES', isDeleted: false },
            select: { id: true, name: true },
          }),
        ),
      create: async (items) => {
        const [icon, color] = [await ctx.defaults.icon(), await ctx.defaults.color()];
        return insertNumbered(ctx, 'Workflows', items, ({ entry, key }, id) => ({
          id,
          name: key,
          iconId: toInt(entry?.iconId) ?? icon,
          colorId: toInt(entry?.colorId) ?? color,
          scope: SCOPES.find((scope) => scope === entry?.scope) ?? 'CASES',
          workflowType: WORKFLOW_TYPES.find((type) => type === entry?.workflowType) ?? guessWorkflowType(key),
        }));
      },
    }),
};

export const statusesPhase: ImportPhase = {
  entity: 'statuses',
  dataset: 'statuses',
  requires: [],
  importRows: (ctx, rows) =>
    importConfigured(ctx, rows, {
      type: 'status',
      section: 'statuses',
      keyOf: (row, entry) => {
        const name = nameOf(row, entry);
        return toText(entry?.systemName) ?? toText(row.system_name) ?? (name ? slug(name) : undefined);
      },
      existing: async (systemNames) =>
        new Map(
          (
            await ctx.tx.status.findMany({
              where: { systemName: { in: systemNames } },
              select: { id: true, systemName: true },
            })
          ).map((row) => [row.systemName, row.id]),
        ),
      create: async (items) => {
        const color = await ctx.defaults.color();
        return insertNumbered(ctx, 'Status', items, ({ row, entry, key }, id) => {
          const name = nameOf(row, entry) ?? key;
          return {
            id,
            name,
            systemName: key,
            aliases: toText(entry?.aliases) ?? null,
            colorId: toInt(entry?.colorId) ?? color,
            isEnabled: toBool(entry?.isEnabled) ?? true,
            isSuccess: toBool(entry?.isSuccess) ?? toBool(row.is_success) ?? /pass|success/i.test(name),
            isFailure: toBool(entry?.isFailure) ?? toBool(row.is_failure) ?? /fail|block/i.test(name),
            isCompleted:
              toBool(entry?.isCompleted) ?? toBool(row.is_completed) ?? !/untested|retest|progress/i.test(name),
          };
        });
      },
    }),
};

export const tagsPhase: ImportPhase = {
  entity: 'tags',
  dataset: 'tags',
  requires: [],
  importRows: (ctx, rows) =>
    importConfigured(ctx, rows, {
      type: 'tag',
      section: 'tags',
      keyOf: nameOf,
      existing: async (names) =>
        byName(await ctx.tx.tags.findMany({ where: { name: { in: names } }, select: { id: true, name: true } })),
      create: (items) => insertNumbered(ctx, 'Tags', items, ({ key }, id) => ({ id, name: key })),
    }),
};

export const milestoneTypesPhase: ImportPhase = {
  entity: 'milestoneTypes',
  dataset: 'milestone_types',
  requires: [],
  importRows: (ctx, rows) =>
    importConfigured(ctx, rows, {
      type: 'milestoneType',
      section: 'milestoneTypes',
      keyOf: nameOf,
      existing: async (names) =>
        byName(
          await ctx.tx.milestoneTypes.findMany({ where: { name: { in: names } }, select: { id: true, name: true } }),
        ),
      create: (items) =>
        insertNumbered(ctx, 'MilestoneTypes', items, ({ entry, key }, id) => ({
          id,
          name: key,
          iconId: toInt(entry?.iconId) ?? null,
        })),
    }),
};

export const configurationsPhase: ImportPhase = {
  entity: 'configurations',
  dataset: 'configs',
  requires: [],
  importRows: (ctx, rows) =>
    importConfigured(ctx, rows, {
      type: 'configuration',
      section: 'configurations',
      keyOf: nameOf,
      existing: async (names) =>
        byName(
          await ctx.tx.configurations.findMany({
            where: { name: { in: names }, isDeleted: false },
            select: { id: true, name: true },
          }),
        ),
      create: (items) => insertNumbered(ctx, 'Configurations', items, ({ key }, id) => ({ id, name: key })),
    }),
};

export const templatesPhase: ImportPhase = {
  entity: 'templates',
  dataset: 'templates',
  requires: [],
  importRows: (ctx, rows) =>
    importConfigured(ctx, rows, {
      type: 'template',
      section: 'templates',
      keyOf: nameOf,
      existing: async (names) =>
        new Map(
          (
            await ctx.tx.templates.findMany({
              where: { templateName: { in: names } },
              select: { id: true, templateName: true },
            })
          ).map((row) => [row.templateName, row.id]),
        ),
      create: (items) =>
        insertNumbered(ctx, 'Templates', items, ({ key }, id) => ({
          id,
          templateName: key,
          isEnabled: true,
          isDefault: false,
        })),
    }),
};

/** Testmo's field type names as TestPlanIt's `CaseFieldTypes.type`. */
function fieldTypeName(testmoType: string | undefined): string {
  const type = (testmoType ?? '').toLowerCase().replace(/[\s_-]+/g, '');
  if (type.includes('multi')) return 'Multi-Select';
  if (type.includes('dropdown') || type === 'select') return 'Dropdown';
  if (type.includes('check') || type === 'bool' || type === 'boolean') return 'Checkbox';
  if (type.includes('date')) return 'Date';
  if (type.includes('int')) return 'Integer';
  if (type.includes('number') || type.includes('float') || type.includes('decimal')) return 'Number';
  if (type.includes('url') || type.includes('link')) return 'Link';
  if (type.includes('text') || type.includes('html')) return 'Text Long';
  return 'String';
}

async function fieldTypeIds(ctx: PhaseContext, names: string[]): Promise<Map<string, number>> {
  const wanted = [...new Set(names)];
  await ctx.tx.caseFieldTypes.createMany({ data: wanted.map((type) => ({ type })), skipDuplicates: true });
  const rows = await ctx.tx.caseFieldTypes.findMany({
    where: { type: { in: wanted } },
    select: { id: true, type: true },
  });
  return new Map(rows.map((row) => [row.type, row.id]));
}

export const fieldsPhase: ImportPhase = {
  entity: 'customFields',
  dataset: 'fields',
  requires: [],
  importRows: (ctx, rows) =>
    importConfigured(ctx, rows, {
      type: 'field',
      section: 'templateFields',
      keyOf: (row, entry) => {
        const display = toText(entry?.displayName) ?? toText(row.display_name) ?? toText(row.name);
        return toText(entry?.systemName) ?? toText(row.system_name) ?? (display ? slug(display) : undefined);
      },
      existing: async (systemNames) =>
        new Map(
          (
            await ctx.tx.caseFields.findMany({
              where: { systemName: { in: systemNames } },
              select: { id: true, systemName: true },
            })
          ).map((row) => [row.systemName, row.id]),
        ),
      create: async (items) => {
        const types = await fieldTypeIds(
          ctx,
          items.map(({ row, entry }) =>
            fieldTypeName(toText(entry?.typeName) ?? toText(row.type_name) ?? toText(row.type)),
          ),
        );
        return insertNumbered(ctx, 'CaseFields', items, ({ row, entry, key }, id) => ({
          id,
          systemName: key,
          displayName: toText(entry?.displayName) ?? toText(row.display_name) ?? toText(row.name) ?? key,
          typeId: types.get(fieldTypeName(toText(entry?.typeName) ?? toText(row.type_name) ?? toText(row.type)))!,
          isRequired: toBool(entry?.isRequired) ?? toBool(row.is_required) ?? false,
          isRestricted: toBool(row.is_restricted) ?? false,
          hint: toText(row.hint) ?? null,
        }));
      },
    }),
};

/** Dropdown and multi-select options (`field_values`), assigned to their field. */
export const fieldOptionsPhase: ImportPhase = {
  entity: 'fieldOptions',
  dataset: 'field_values',
  requires: ['fields'],
  importRows: async (ctx, rows) => {
    await ctx.ids.load('field', column(rows, 'field_id'));
    const keyOf = (row: Record<string, unknown>) => {
      const fieldId = ctx.ids.int('field', toInt(row.field_id));
      const name = toText(row.name);
      return fieldId === undefined || name === undefined ? undefined : `${fieldId}\u0000${name}`;
    };
    return importConfigured(ctx, rows, {
      type: 'fieldOption',
      keyOf,
      existing: async (keys) => {
        const fieldIds = [...new Set(keys.map((key) => Number(key.split('\u0000')[0])))];
        const assigned = await ctx.tx.caseFieldAssignment.findMany({
          where: { caseFieldId: { in: fieldIds } },
          select: { caseFieldId: true, fieldOption: { select: { id: true, name: true } } },
        });
        return new Map(assigned.map((row) => [`${row.caseFieldId}\u0000${row.fieldOption.name}`, row.fieldOption.id]));
      },
      create: async (items) => {
        const ids = await insertNumbered(ctx, 'FieldOptions', items, ({ row, key }, id) => ({
          id,
          name: key.split('\u0000')[1]!,
          order: toInt(row.display_order) ?? toInt(row.order) ?? 0,
          isEnabled: true,
          isDeleted: false,
          isDefault: false,
        }));
        await ctx.tx.caseFieldAssignment.createMany({
          data: items.map(({ key }, index) => ({
            fieldOptionId: ids[index]!,
            caseFieldId: Number(key.split('\u0000')[0]),
          })),
        });
        return ids;
      },
    });
  },
};

/** Which case fields each template shows (`template_fields`); result fields are not imported. */
export const templateFieldsPhase: ImportPhase = {
  entity: 'templateFields',
  dataset: 'template_fields',
  requires: ['fields'],
  importRows: async (ctx, rows) => {
    const outcome = nothing();
    await ctx.ids.load('field', column(rows, 'field_id'));
    await ctx.ids.load('template', column(rows, 'template_id'));
    const names = [...new Set(rows.flatMap(({ row }) => toText(row.template_name) ?? []))];
    const templatesByName = new Map(
      (
        await ctx.tx.templates.findMany({
          where: { templateName: { in: names } },
          select: { id: true, templateName: true },
        })
      ).map((row) => [row.templateName, row.id]),
    );
    const assignments: Array<{ caseFieldId: number; templateId: number; order: number }> = [];
    for (const { row } of rows) {
      const caseFieldId = ctx.ids.int('field', toInt(row.field_id));
      const templateId =
        ctx.ids.int('template', toInt(row.template_id)) ?? templatesByName.get(toText(row.template_name) ?? '');
      const target = (toText(row.target_type) ?? 'case').toLowerCase();
      if (caseFieldId === undefined || templateId === undefined || target !== 'case') {
        outcome.skipped += 1;
        continue;
      }
      assignments.push({ caseFieldId, templateId, order: toInt(row.display_order) ?? toInt(row.order) ?? 0 });
    }
    const { count } = await ctx.tx.templateCaseAssignment.createMany({ data: assignments, skipDuplicates: true });
    outcome.created += count;
    outcome.mapped += assignments.length - count;
    return outcome;
  },
};

const ACCESS: Access[] = ['NONE', 'USER', 'PROJECTADMIN', 'ADMIN'];

export const usersPhase: ImportPhase = {
  entity: 'users',
  dataset: 'users',
  requires: [],
  importRows: (ctx, rows) =>
    importConfigured(ctx, rows, {
      type: 'user',
      section: 'users',
      keyOf: (row, entry) =>
        (toText(entry?.email) ?? toText(row.email) ?? `testmo-user-${toInt(row.id)}@import.invalid`).toLowerCase(),
      existing: async (emails) =>
        new Map(
          (
            await ctx.tx.user.findMany({
              where: { email: { in: emails, mode: 'insensitive' } },
              select: { id: true, email: true },
            })
          ).map((row) => [row.email.toLowerCase(), row.id]),
        ),
      create: async (items) => {
        const role = await ctx.defaults.role();
        const data = items.map(({ row, entry, key }) => ({
          id: randomUUID(),
          email: key,
          name: nameOf(row, entry) ?? toText(row.full_name) ?? key,
          // No password is carried over from Testmo: this marker never verifies, so imported
          // users sign in through SSO or after a password reset.
          password: `!testmo-import:${randomBytes(16).toString('hex')}`,
          access: ACCESS.find((access) => access === entry?.access) ?? 'USER',
          roleId: toInt(entry?.roleId) ?? role,
          isActive: toBool(entry?.isActive) ?? toBool(row.is_active) ?? toBool(row.active) ?? true,
          isApi: toBool(entry?.isApi) ?? toBool(row.is_api) ?? false,
          createdById: ctx.importerId,
          updatedAt: new Date(),
        }));
        await insertRows(ctx.sql, 'User', data);
        return data.map((user) => user.id);
      },
    }),
};

const PROVIDERS: IntegrationProvider[] = ['JIRA', 'GITHUB', 'AZURE_DEVOPS', 'SIMPLE_URL'];

/** Testmo's issue targets become TestPlanIt integrations (inactive until someone connects them). */
export const issueTargetsPhase: ImportPhase = {
  entity: 'issueTargets',
  dataset: 'issue_targets',
  requires: [],
  importRows: (ctx, rows) =>
    importConfigured(ctx, rows, {
      type: 'issueTarget',
      section: 'issueTargets',
      keyOf: nameOf,
      existing: async (names) =>
        byName(await ctx.tx.integration.findMany({ where: { name: { in: names } }, select: { id: true, name: true } })),
      create: (items) =>
        insertNumbered(ctx, 'Integration', items, ({ row, entry, key }, id) => ({
          id,
          name: key,
          provider: PROVIDERS.find((provider) => provider === toText(entry?.provider)?.toUpperCase()) ?? 'SIMPLE_URL',
          authType: 'NONE',
          status: 'INACTIVE',
          credentials: {},
          updatedAt: new Date(),
          settings: {
            importedFromTestmo: true,
            testmoType: toInt(row.type) ?? null,
            ...(toText(row.url) ? { baseUrl: toText(row.url) } : {}),
          },
        })),
    }),
};
