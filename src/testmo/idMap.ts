/**
 * The Testmo-id -> TestPlanIt-id map of one import, persisted in `TestmoImportMapping`. A chunk
 * loads only the ids its rows reference and writes its new pairs in its own transaction, so the
 * map survives a killed worker and is never held whole in memory.
 */
import { randomUUID } from 'node:crypto';
import type { Prisma } from '@prisma/client';
import type { ClientBase, Pool } from 'pg';

export type Tx = Prisma.TransactionClient;

/**
 * Where the statements that carry a chunk's rows run: the chunk transaction's own pg connection
 * (src/tenancy/transactionConnection.ts), or the tenant's pg pool outside a transaction (the
 * analysis's staging). pg sends a parameter as it is; Prisma's query compiler escapes a text
 * parameter into its request and parses it back, about 25 ms for a chunk's 1.4 MB of JSON.
 */
export type Sql = Pool | ClientBase;

/** Mapping `entityType`s; the target table is named beside each. */
export const ENTITY_TARGETS = {
  workflow: 'Workflows',
  status: 'Status',
  tag: 'Tags',
  milestoneType: 'MilestoneTypes',
  configuration: 'Configurations',
  template: 'Templates',
  field: 'CaseFields',
  fieldOption: 'FieldOptions',
  user: 'User',
  project: 'Projects',
  milestone: 'Milestones',
  repository: 'Repositories',
  repositoryRoot: 'RepositoryFolders',
  folder: 'RepositoryFolders',
  case: 'RepositoryCases',
  session: 'Sessions',
  sessionResult: 'SessionResults',
  run: 'TestRuns',
  runCase: 'TestRunCases',
  runResult: 'TestRunResults',
  issueTarget: 'Integration',
  issue: 'Issue',
  // Testmo's automation datasets: several automation cases may share one JUnit case, and each
  // automation run is a JUnit run with one suite (keyed by the run's Testmo id) and its tests'
  // results.
  automationCase: 'RepositoryCases',
  automationRun: 'TestRuns',
  automationSuite: 'JUnitTestSuite',
  automationTest: 'JUnitTestResult',
} as const;

export type EntityType = keyof typeof ENTITY_TARGETS;

const keyOf = (type: EntityType, sourceId: number) => `${type}:${sourceId}`;

/** `sourceId` is a PostgreSQL int. */
const INT_MIN = -2_147_483_648;
const INT_MAX = 2_147_483_647;

export class IdMap {
  private readonly known = new Map<string, string>();
  private readonly pending: Prisma.TestmoImportMappingCreateManyInput[] = [];

  constructor(
    private readonly sql: Sql,
    private readonly jobId: string,
  ) {}

  /** Loads the targets of these Testmo ids (already-loaded and absent ones cost nothing). */
  async load(type: EntityType, sourceIds: Iterable<number | undefined>): Promise<void> {
    const wanted = [
      ...new Set(
        [...sourceIds].filter(
          // An id beyond the int column's range is mapped to nothing (it could not have been stored).
          (id): id is number => id !== undefined && id >= INT_MIN && id <= INT_MAX && !this.known.has(keyOf(type, id)),
        ),
      ),
    ];
    if (wanted.length === 0) return;
    // One array parameter, not `IN ($3, ..., $2002)`: PostgreSQL takes about as long either way,
    // but a client building and binding thousands of parameters for each of a chunk's few loads
    // took ~12% of a 100 MB import (13.6 s of 111 s through Prisma; 4.3 s this way).
    const { rows } = await this.sql.query<{ sourceId: number; targetId: string | null }>(
      `SELECT "sourceId", "targetId" FROM "TestmoImportMapping"
        WHERE "jobId" = $1 AND "entityType" = $2 AND "sourceId" = ANY($3::int[])`,
      [this.jobId, type, wanted],
    );
    for (const row of rows) if (row.targetId !== null) this.known.set(keyOf(type, row.sourceId), row.targetId);
  }

  get(type: EntityType, sourceId: number | undefined): string | undefined {
    return sourceId === undefined ? undefined : this.known.get(keyOf(type, sourceId));
  }

  int(type: EntityType, sourceId: number | undefined): number | undefined {
    const target = this.get(type, sourceId);
    return target === undefined ? undefined : Number(target);
  }

  set(type: EntityType, sourceId: number, targetId: string | number, how: 'created' | 'mapped'): void {
    this.known.set(keyOf(type, sourceId), String(targetId));
    this.pending.push({
      jobId: this.jobId,
      entityType: type,
      sourceId,
      targetId: String(targetId),
      targetType: ENTITY_TARGETS[type],
      metadata: { how },
    });
  }

  /** Writes the pairs set since the last flush, in the caller's transaction. */
  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    await insertRows(
      this.sql,
      'TestmoImportMapping',
      this.pending.splice(0).map((pair) => ({ id: randomUUID(), ...pair })),
      { ignoreConflicts: true },
    );
  }
}

/**
 * Inserts rows given as column -> value objects in one statement, the table's own row type
 * parsing the values (timestamps, enums, jsonb). Several times faster than Prisma's createMany
 * for the thousand-row chunks of an import; columns a row leaves out get NULL, not the default,
 * so every row of a call names the same columns.
 *
 * The rows' JSON is one text parameter, sent by pg as it is (see Sql).
 */
export async function insertRows(
  sql: Sql,
  table: string,
  rows: Array<Record<string, unknown>>,
  options: { ignoreConflicts?: boolean } = {},
): Promise<number> {
  if (rows.length === 0) return 0;
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))].map((column) => `"${column}"`).join(', ');
  const insert = `INSERT INTO "${table}" (${columns}) SELECT ${columns} FROM jsonb_populate_recordset(NULL::"${table}", $1::jsonb)${options.ignoreConflicts ? ' ON CONFLICT DO NOTHING' : ''}`;
  return (await sql.query(insert, [JSON.stringify(rows)])).rowCount ?? 0;
}

/** `n` fresh ids from a table's own sequence, so rows and their map entries are written together. */
export async function allocateIds(sql: Sql, table: string, n: number): Promise<number[]> {
  if (n === 0) return [];
  // int8, which pg hands over as a string.
  const { rows } = await sql.query<{ id: string }>(
    `SELECT nextval(pg_get_serial_sequence('"${table}"', 'id')) AS id FROM generate_series(1, $1::int)`,
    [n],
  );
  return rows.map((row) => Number(row.id));
}
