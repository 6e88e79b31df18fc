/**
 * Analysis of an export: every row is staged in `TestmoImportStaging` (so the import reads the
 * database, never the file, and never holds a dataset in memory), and each dataset is summarised
 * for the web app's configurator: row count, schema, a few sample rows and, for the small
 * configuration datasets the mapping screens list in full, all rows up to a cap.
 */
import type { Prisma } from '@prisma/client';

/** TestPlanIt shows five sample rows per dataset. */
export const SAMPLE_ROWS = 5;

/**
 * Datasets whose rows the configurator lists in full. TestPlanIt also keeps every row of cases,
 * folders, milestones and sessions in memory and on the dataset row; those can have millions of
 * rows and the configurator needs only their counts, so here they keep samples only.
 */
const LISTED_DATASETS = new Set([
  'users',
  'roles',
  'groups',
  'user_groups',
  'states',
  'statuses',
  'templates',
  'template_fields',
  'fields',
  'field_values',
  'configs',
  'tags',
  'projects',
  'issue_targets',
  'milestone_types',
]);
const MAX_LISTED_ROWS = 10_000;

const SAMPLE_LIMITS = { stringLength: 1000, arrayItems: 10, objectKeys: 20, depth: 3 };

export interface DatasetSummary {
  name: string;
  rowCount: number;
  schema: unknown;
  sampleRows: unknown[];
  allRows?: unknown[];
  truncated: boolean;
}

/** A sample value cut to a size the job page can show. */
export function sampleOf(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') {
    return value.length > SAMPLE_LIMITS.stringLength
      ? `${value.slice(0, SAMPLE_LIMITS.stringLength)}… [${value.length - SAMPLE_LIMITS.stringLength} more characters]`
      : value;
  }
  if (value === null || typeof value !== 'object') return value;
  if (depth >= SAMPLE_LIMITS.depth) return '[nested value]';
  if (Array.isArray(value)) {
    const items = value.slice(0, SAMPLE_LIMITS.arrayItems).map((item) => sampleOf(item, depth + 1));
    return value.length > SAMPLE_LIMITS.arrayItems
      ? [...items, `[${value.length - SAMPLE_LIMITS.arrayItems} more items]`]
      : items;
  }
  const entries = Object.entries(value).slice(0, SAMPLE_LIMITS.objectKeys);
  return Object.fromEntries(entries.map(([key, item]) => [key, sampleOf(item, depth + 1)]));
}

/** Collects the per-dataset summaries while rows stream past. */
export class DatasetSummaries {
  private readonly datasets = new Map<string, DatasetSummary>();

  private summary(name: string): DatasetSummary {
    let summary = this.datasets.get(name);
    if (!summary) {
      summary = {
        name,
        rowCount: 0,
        schema: null,
        sampleRows: [],
        truncated: false,
        ...(LISTED_DATASETS.has(name) ? { allRows: [] } : {}),
      };
      this.datasets.set(name, summary);
    }
    return summary;
  }

  addSchema(dataset: string, schema: unknown): void {
    this.summary(dataset).schema = schema;
  }

  addRow(dataset: string, row: unknown): void {
    const summary = this.summary(dataset);
    summary.rowCount += 1;
    if (summary.sampleRows.length < SAMPLE_ROWS) summary.sampleRows.push(sampleOf(row));
    else if (!summary.allRows) summary.truncated = true;
    if (summary.allRows) {
      if (summary.allRows.length < MAX_LISTED_ROWS) summary.allRows.push(row);
      else summary.truncated = true;
    }
  }

  get size(): number {
    return this.datasets.size;
  }

  get totalRows(): number {
    let total = 0;
    for (const summary of this.datasets.values()) total += summary.rowCount;
    return total;
  }

  list(): DatasetSummary[] {
    return [...this.datasets.values()];
  }
}

type TextColumn = 'text1' | 'text2' | 'text3' | 'text4';
const TEXT_COLUMNS: TextColumn[] = ['text1', 'text2', 'text3', 'text4'];

const asText = (value: unknown): string | null =>
  value === undefined || value === null ? null : typeof value === 'string' ? value : JSON.stringify(value);

/**
 * A staging row as TestPlanIt's staging service writes it: step texts of `run_result_steps` and
 * the value of `automation_run_test_fields` go to text columns instead of the JSON. Case steps'
 * texts go there too: they are the longest HTML in an export and are only ever read whole.
 */
export function stagingRow(
  jobId: string,
  datasetName: string,
  rowIndex: number,
  row: unknown,
): Prisma.TestmoImportStagingCreateManyInput {
  const staged: Prisma.TestmoImportStagingCreateManyInput = {
    jobId,
    datasetName,
    rowIndex,
    rowData: (row ?? {}) as Prisma.InputJsonValue,
  };
  if (!row || typeof row !== 'object' || Array.isArray(row)) return staged;
  const record = { ...(row as Record<string, unknown>) };
  if (datasetName === 'run_result_steps' || datasetName === 'repository_case_steps') {
    for (const column of TEXT_COLUMNS) {
      if (column in record) {
        staged[column] = asText(record[column]);
        delete record[column];
      }
    }
  } else if (datasetName === 'automation_run_test_fields') {
    if ('value' in record) {
      staged.fieldValue = asText(record.value);
      delete record.value;
    }
    if (typeof record.name === 'string') staged.fieldName = record.name;
  }
  staged.rowData = record as Prisma.InputJsonValue;
  return staged;
}

/** The row as the export had it, with its text columns and test field name and value put back. */
export function rowOf(staged: {
  rowData: unknown;
  text1?: string | null;
  text2?: string | null;
  text3?: string | null;
  text4?: string | null;
  fieldName?: string | null;
  fieldValue?: string | null;
}): Record<string, unknown> {
  const row = { ...((staged.rowData ?? {}) as Record<string, unknown>) };
  for (const column of TEXT_COLUMNS) {
    const value = staged[column];
    if (value !== undefined && value !== null && row[column] === undefined) row[column] = value;
  }
  if (staged.fieldName != null && row.name === undefined) row.name = staged.fieldName;
  if (staged.fieldValue != null && row.value === undefined) row.value = staged.fieldValue;
  return row;
}
