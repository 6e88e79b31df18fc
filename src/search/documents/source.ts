/**
 * What the reindex needs to know about one entity type: which rows belong in its index (the
 * same rule for counting, paging and building, so the three always agree), how to turn rows
 * into TestPlanIt's documents, and which tables' writes change its documents.
 */
import type { Prisma } from '@prisma/client';
import type { Pool } from 'pg';
import type { DatabaseClient } from '../../tenancy/prismaPool';
import type { SearchEntity } from '../entities';

export interface DocumentScope {
  /** Only this project's documents; all of the tenant's when absent. */
  projectId?: number;
}

export interface SearchDocument {
  id: number;
  [field: string]: unknown;
}

/**
 * A document as the bulk request carries it: serialized once, right after it is built. A chunk's
 * documents wait as text (its read-ahead for most of a chunk's write): as objects, the 5,000 of a
 * case chunk outlived V8's young generation and were promoted, and collecting them took the worker
 * about as much CPU on its GC threads as building them took on the main one.
 */
export interface SerializedDocument {
  id: number;
  json: string;
}

export interface DocumentSource {
  entity: SearchEntity;
  /** Synced project by project, as TestPlanIt does, so the job log names each project. */
  perProject: boolean;
  count(db: DatabaseClient, scope: DocumentScope): Promise<number>;
  /** The next `limit` ids that belong in the index, in id order after `afterId`. */
  pageIds(db: DatabaseClient, scope: DocumentScope, afterId: number, limit: number): Promise<number[]>;
  /** Those of `ids` that belong in the index (cheap: ids only). */
  belonging(db: DatabaseClient, ids: number[]): Promise<number[]>;
  /** Documents for those of `ids` that belong in the index; the others must not be in it. */
  build(db: DatabaseClient, ids: number[]): Promise<SearchDocument[]>;
  /**
   * The same documents as `build`, in the same order, each serialized as it is built (see
   * SerializedDocument). Sources whose chunks are large read their rows through the tenant's pg
   * pool one row at a time; the others serialize what `build` returns (serializedDocuments).
   */
  serialize?(db: DatabaseClient, pg: Pool, ids: number[]): Promise<SerializedDocument[]>;
  /**
   * Every table whose rows feed this source's documents (src/search/changes.ts): a row written,
   * updated or deleted after a rebuild began means the documents it feeds must be rebuilt before
   * the new index goes live. Keep in step with `build`: a field read from a table missing here is
   * a change catch-up cannot see.
   */
  changeSources: readonly ChangeSource[];
}

/**
 * One feeding table: the column of its rows that leads to the documents they feed, and how.
 * Catch-up collects that column's values from rows written since the horizon (their `xmin`) and
 * from rows updated or deleted since then (their old versions, which the rebuild's triggers log),
 * then maps the values to document ids.
 */
export interface ChangeSource {
  table: string;
  column: string;
  /**
   * SQL selecting the ids of the documents fed by rows whose `column` value is among the changed
   * ones, in its first output column: `$ints` stands for a subquery of those values as integers,
   * `$texts` as text. Absent when `column` holds the document id itself.
   */
  documents?: string;
}

/** `ids`' documents of `source`, serialized (DocumentSource.serialize). */
export async function serializedDocuments(
  source: DocumentSource,
  db: DatabaseClient,
  pg: Pool,
  ids: number[],
): Promise<SerializedDocument[]> {
  if (source.serialize) return source.serialize(db, pg, ids);
  return (await source.build(db, ids)).map(serialized);
}

export function serialized(document: SearchDocument): SerializedDocument {
  return { id: document.id, json: JSON.stringify(document) };
}

/** A table whose `column` holds the document id. */
export function direct(table: string, column: string): ChangeSource {
  return { table, column };
}

/** A table whose `column` leads to documents through `documents` (see ChangeSource). */
export function via(table: string, column: string, documents: string): ChangeSource {
  return { table, column, documents };
}

/** Keyset paging shared by every source: ids after the cursor, in order. */
export function afterCursor(afterId: number): { id: { gt: number } } {
  return { id: { gt: afterId } };
}

/** Documents of `table` whose `column` (an integer or text foreign key) is among the changed values. */
export function referencing(documentTable: string, column: string, keys: '$ints' | '$texts' = '$ints'): string {
  return `SELECT id FROM "${documentTable}" WHERE "${column}" IN ${keys}`;
}

/** Documents of `table` whose workflow state uses a changed icon or color (the state's icon and color are in them). */
export function stateStyle(documentTable: string, styleColumn: 'iconId' | 'colorId'): string {
  return `SELECT d.id FROM "${documentTable}" d JOIN "Workflows" w ON w.id = d."stateId" WHERE w."${styleColumn}" IN $ints`;
}

/**
 * The rows of `documents` (a SELECT with an `id` column, one row per document) as ONE JSON value
 * in id order: a chunk costs one round trip, and Node parses the whole chunk at once instead of
 * row by row and column by column. Columns come back as JSON renders them: timestamps as strings
 * (jsonDate), json/jsonb as the parsed value Prisma would have given.
 */
export async function jsonRows<Row>(db: DatabaseClient, documents: Prisma.Sql): Promise<Row[]> {
  const [result] = await db.$queryRaw<Array<{ rows: Row[] | null }>>`
    SELECT json_agg(d ORDER BY d.id) AS rows FROM (${documents}) d`;
  return result?.rows ?? [];
}

/**
 * A timestamp as JSON renders it (ISO 8601 with microseconds and an offset) as the Date Prisma
 * made: milliseconds, JavaScript drops the digits beyond them. A `timestamp` column (no time
 * zone) must be selected `AT TIME ZONE 'UTC'`, as Prisma reads it as UTC: rendered bare,
 * JavaScript would take it as local time, a shift only a worker outside UTC would show. So a
 * value without an offset is refused here, whatever the zone the tests run in.
 */
export function jsonDate(value: string): Date;
export function jsonDate(value: string | null): Date | null;
export function jsonDate(value: string | null): Date | null {
  if (value === null) return null;
  if (!ZONED.test(value))
    throw new Error(`timestamp without time zone from SQL: ${value} (select it AT TIME ZONE 'UTC')`);
  return new Date(value);
}

const ZONED = /(Z|[+-]\d\d(:\d\d)?)$/;
