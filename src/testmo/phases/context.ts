/** What every import phase works with, and the shared ways of writing a chunk of rows. */
import type { MappingConfiguration, MappingSection } from '../configuration';
import { entryFor } from '../configuration';
import { allocateIds, ENTITY_TARGETS, insertRows, type EntityType, type IdMap, type Sql, type Tx } from '../idMap';
import { toInt } from '../values';

export interface StagedRow {
  rowIndex: number;
  row: Record<string, unknown>;
}

export interface ChunkOutcome {
  created: number;
  mapped: number;
  skipped: number;
}

export interface PhaseContext {
  tx: Tx;
  /** The same transaction's own pg connection, for the statements that carry the chunk's rows (../idMap.ts, Sql). */
  sql: Sql;
  jobId: string;
  config: MappingConfiguration;
  ids: IdMap;
  /** The user who started the import: creator of rows whose Testmo creator is unknown. */
  importerId: string;
  defaults: Defaults;
}

/** One step of the import: a staged dataset, imported chunk by chunk in rowIndex order. */
export interface ImportPhase {
  /** `currentEntity` and the `entityProgress` key the web app shows. */
  entity: string;
  dataset: string;
  /** Datasets that must be in the export when this one has rows. */
  requires: string[];
  /**
   * Tables besides the id map that the phase reads back while it fills them (existing rows it
   * matches or updates): analysed with the id map as the phase grows (see ../statistics.ts).
   */
  readsBack?: string[];
  /**
   * At most this many staged rows per chunk, below TESTMO_IMPORT_CHUNK_SIZE: TestPlanIt's sizes for
   * datasets whose rows cost more than one insert each (automation cases find or create their
   * folders, automation runs write a suite as well, test fields carry whole logs).
   */
  maxChunkRows?: number;
  importRows(ctx: PhaseContext, rows: StagedRow[]): Promise<ChunkOutcome>;
  /** What `finish` does, for the status shown while it runs. */
  finishStep?: string;
  /** Set-based fix-ups once every row is in (parents that came after their children); idempotent. */
  finish?(ctx: Omit<PhaseContext, 'ids' | 'config' | 'defaults'>): Promise<void>;
}

/** A setting the import cannot do without is missing in TestPlanIt; retrying will not add it. */
export class ImportPrerequisiteError extends Error {
  override readonly name = 'ImportPrerequisiteError';
}

/**
 * A staged row cannot be imported as it is (a reference that is not an id, rows that contradict
 * each other): the same rows fail the same way on every retry, so the job fails at once, and the
 * message names the dataset, the row and what is wrong with it.
 */
export class ImportDataError extends Error {
  override readonly name = 'ImportDataError';
}

/** TestPlanIt's default rows, looked up once per chunk and only when a row needs one. */
export class Defaults {
  private readonly cache = new Map<string, Promise<number>>();

  constructor(private readonly tx: Tx) {}

  private lookup(key: string, what: string, find: () => Promise<{ id: number } | null>): Promise<number> {
    let found = this.cache.get(key);
    if (!found) {
      found = find().then((row) => {
        if (!row) throw new ImportPrerequisiteError(`TestPlanIt has no ${what}; create one before importing`);
        return row.id;
      });
      this.cache.set(key, found);
    }
    return found;
  }

  template(): Promise<number> {
    return this.lookup('template', 'enabled template', () =>
      this.tx.templates.findFirst({
        where: { isDeleted: false, isEnabled: true },
        orderBy: [{ isDefault: 'desc' }, { id: 'asc' }],
        select: { id: true },
      }),
    );
  }

  workflowState(scope: 'CASES' | 'RUNS' | 'SESSIONS'): Promise<number> {
    return this.lookup(`state:${scope}`, `workflow state for ${scope.toLowerCase()}`, () =>
      this.tx.workflows.findFirst({
        where: { scope, isDeleted: false, isEnabled: true },
        orderBy: [{ isDefault: 'desc' }, { order: 'asc' }],
        select: { id: true },
      }),
    );
  }

  milestoneType(): Promise<number> {
    return this.lookup('milestoneType', 'milestone type', () =>
      this.tx.milestoneTypes.findFirst({
        where: { isDeleted: false },
        orderBy: [{ isDefault: 'desc' }, { id: 'asc' }],
        select: { id: true },
      }),
    );
  }

  /** The status of a result whose Testmo status is unknown: TestPlanIt's `untested`, else the first. */
  status(): Promise<number> {
    return this.lookup(
      'status',
      'status',
      async () =>
        (await this.tx.status.findFirst({ where: { systemName: 'untested' }, select: { id: true } })) ??
        this.tx.status.findFirst({ where: { isDeleted: false }, orderBy: { order: 'asc' }, select: { id: true } }),
    );
  }

  color(): Promise<number> {
    return this.lookup('color', 'colour', () =>
      this.tx.color.findFirst({ orderBy: { id: 'asc' }, select: { id: true } }),
    );
  }

  icon(): Promise<number> {
    return this.lookup('icon', 'field icon', () =>
      this.tx.fieldIcon.findFirst({ orderBy: { id: 'asc' }, select: { id: true } }),
    );
  }

  role(): Promise<number> {
    return this.lookup('role', 'role', () =>
      this.tx.roles.findFirst({
        where: { isDeleted: false },
        orderBy: [{ isDefault: 'desc' }, { id: 'asc' }],
        select: { id: true },
      }),
    );
  }
}

export const nothing = (): ChunkOutcome => ({ created: 0, mapped: 0, skipped: 0 });

/** Ids among `ids` that exist in the entity's table. */
export async function existingTargets(tx: Tx, type: EntityType, ids: Array<string | number>): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const table = ENTITY_TARGETS[type];
  const textIds = ids.map(String);
  const rows = await tx.$queryRawUnsafe<Array<{ id: string }>>(
    `SELECT id::text AS id FROM "${table}" WHERE id::text = ANY($1::text[])`,
    textIds,
  );
  return new Set(rows.map((row) => row.id));
}

export interface ConfiguredEntity<Key, Id extends string | number> {
  type: EntityType;
  /** The configuration section its entries are in; none for entities the configurator does not list. */
  section?: MappingSection;
  /** The natural key a TestPlanIt row is matched on (name, email, system name). */
  keyOf(row: Record<string, unknown>, entry: Record<string, unknown> | undefined): Key | undefined;
  /** Existing TestPlanIt ids for these keys. */
  existing(keys: Key[]): Promise<Map<Key, Id>>;
  /** Creates one row per item, returning their ids in order. */
  create(
    items: Array<{ row: Record<string, unknown>; entry: Record<string, unknown> | undefined; key: Key }>,
  ): Promise<Id[]>;
}

/**
 * Configuration entities (statuses, tags, users, ...): `map` entries point at an existing row,
 * `create` entries and unconfigured ids are matched on their natural key first, so a re-run or
 * a second export never creates a second "Passed" status, then created.
 */
export async function importConfigured<Key, Id extends string | number>(
  ctx: PhaseContext,
  rows: StagedRow[],
  entity: ConfiguredEntity<Key, Id>,
): Promise<ChunkOutcome> {
  const outcome = nothing();
  const todo: Array<{ sourceId: number; row: Record<string, unknown>; entry: Record<string, unknown> | undefined }> =
    [];
  for (const { row } of rows) {
    const sourceId = toInt(row.id);
    if (sourceId === undefined) {
      outcome.skipped += 1;
      continue;
    }
    todo.push({ sourceId, row, entry: entity.section ? entryFor(ctx.config, entity.section, sourceId) : undefined });
  }

  const mappedTo = todo.filter((item) => item.entry?.action === 'map' && item.entry.mappedTo != null);
  const present = await existingTargets(
    ctx.tx,
    entity.type,
    mappedTo.map((item) => item.entry!.mappedTo as string | number),
  );
  const toMatch: typeof todo = [];
  for (const item of todo) {
    const target = item.entry?.action === 'map' ? item.entry.mappedTo : undefined;
    if (target != null) {
      if (!present.has(String(target))) {
        throw new ImportPrerequisiteError(
          `The configuration maps Testmo ${entity.section ?? entity.type} ${item.sourceId} to ${ENTITY_TARGETS[entity.type]} ${target}, which does not exist`,
        );
      }
      ctx.ids.set(entity.type, item.sourceId, target as string | number, 'mapped');
      outcome.mapped += 1;
    } else {
      toMatch.push(item);
    }
  }

  const keyed = toMatch.map((item) => ({ ...item, key: entity.keyOf(item.row, item.entry) }));
  const keys = keyed.flatMap((item) => (item.key === undefined ? [] : [item.key]));
  const existing = await entity.existing([...new Set(keys)]);
  const creating = new Map<Key, Array<(typeof keyed)[number]>>();
  for (const item of keyed) {
    if (item.key === undefined) {
      outcome.skipped += 1;
      continue;
    }
    const found = existing.get(item.key);
    if (found !== undefined) {
      ctx.ids.set(entity.type, item.sourceId, found, 'mapped');
      outcome.mapped += 1;
    } else {
      // Two Testmo rows with one natural key become one TestPlanIt row.
      const group = creating.get(item.key) ?? [];
      group.push(item);
      creating.set(item.key, group);
    }
  }
  const groups = [...creating.entries()];
  const created = await entity.create(groups.map(([key, [first]]) => ({ row: first!.row, entry: first!.entry, key })));
  groups.forEach(([, group], index) => {
    group.forEach((item, position) => {
      ctx.ids.set(entity.type, item.sourceId, created[index]!, position === 0 ? 'created' : 'mapped');
      if (position === 0) outcome.created += 1;
      else outcome.mapped += 1;
    });
  });
  return outcome;
}

/** The Testmo ids a column of these rows references. */
export function column(rows: StagedRow[], name: string): Array<number | undefined> {
  return rows.map(({ row }) => toInt(row[name]));
}

/**
 * Rows that become new TestPlanIt rows (projects' contents, runs, results, ...): each row builds
 * its data from already-mapped references, or is skipped when one it cannot do without is missing.
 */
export async function importCreated<Data extends { id: number }>(
  ctx: PhaseContext,
  rows: StagedRow[],
  entity: {
    type: EntityType;
    build(row: Record<string, unknown>, id: number): Promise<Data | undefined> | Data | undefined;
  },
): Promise<ChunkOutcome> {
  const outcome = nothing();
  const fresh = rows.filter(({ row }) => {
    const sourceId = toInt(row.id);
    // A repeated Testmo id (the same row twice in an export) is imported once.
    if (sourceId === undefined || ctx.ids.get(entity.type, sourceId) !== undefined) {
      outcome.skipped += 1;
      return false;
    }
    return true;
  });
  await ctx.ids.load(entity.type, column(fresh, 'id'));
  const ids = await allocateIds(ctx.sql, ENTITY_TARGETS[entity.type], fresh.length);
  const data: Data[] = [];
  for (const [index, { row }] of fresh.entries()) {
    const sourceId = toInt(row.id)!;
    if (ctx.ids.get(entity.type, sourceId) !== undefined) {
      outcome.skipped += 1;
      continue;
    }
    const built = await entity.build(row, ids[index]!);
    if (!built) {
      outcome.skipped += 1;
      continue;
    }
    data.push(built);
    ctx.ids.set(entity.type, sourceId, built.id, 'created');
    outcome.created += 1;
  }
  await insertRows(ctx.sql, ENTITY_TARGETS[entity.type], data);
  return outcome;
}

/** Link rows (`*_tags`, `*_issues`): pairs of mapped ids written to a many-to-many table. */
export async function importLinks(
  ctx: PhaseContext,
  rows: StagedRow[],
  link: { table: string; a: { type: EntityType; column: string }; b: { type: EntityType; column: string } },
): Promise<ChunkOutcome> {
  const outcome = nothing();
  await ctx.ids.load(link.a.type, column(rows, link.a.column));
  await ctx.ids.load(link.b.type, column(rows, link.b.column));
  const pairs: Array<[number, number]> = [];
  for (const { row } of rows) {
    const a = ctx.ids.int(link.a.type, toInt(row[link.a.column]));
    const b = ctx.ids.int(link.b.type, toInt(row[link.b.column]));
    if (a === undefined || b === undefined) outcome.skipped += 1;
    else pairs.push([a, b]);
  }
  if (pairs.length > 0) {
    const inserted = await ctx.tx.$executeRawUnsafe(
      `INSERT INTO "${link.table}" ("A", "B") SELECT * FROM unnest($1::int[], $2::int[]) ON CONFLICT DO NOTHING`,
      pairs.map(([a]) => a),
      pairs.map(([, b]) => b),
    );
    outcome.created += inserted;
    outcome.mapped += pairs.length - inserted;
  }
  return outcome;
}

/**
 * Sets `column` of the rows a phase created to the target of the Testmo id in the staged rows'
 * `field` (a parent listed after its child), for every staged row of `dataset`.
 *
 * Joining the staged JSON to the id map in one statement is what stalled a 37,240-folder import:
 * with the statistics of nearly empty tables the planner looped over every staged row for each
 * mapped one. Here the staged ids are extracted once, and the id map's entries of the type copied
 * once, into temporary tables with integer columns, indexes on every join column and fresh
 * statistics; every statement then reads one table once or joins on an indexed integer column,
 * so whatever plan the planner picks, it is linear (a hash join, or a loop of index lookups).
 */
export async function linkStagedParents(
  tx: Tx,
  jobId: string,
  link: {
    dataset: string;
    type: EntityType;
    table: string;
    column: string;
    field: string;
    /** Leave rows that already have a value (set when their parent was imported first). */
    onlyUnset: boolean;
  },
): Promise<number> {
  const run = (sql: string, ...params: unknown[]) => tx.$executeRawUnsafe(sql, ...params);
  await run(`DROP TABLE IF EXISTS pg_temp.tmo_staged_links, pg_temp.tmo_targets, pg_temp.tmo_links`);
  await run(
    `CREATE TEMPORARY TABLE tmo_staged_links ON COMMIT DROP AS
       SELECT ("rowData"->>'id')::int AS child, ("rowData"->>'${link.field}')::int AS parent
         FROM "TestmoImportStaging"
        WHERE "jobId" = $1 AND "datasetName" = $2
          AND ("rowData"->>'id') ~ '^[0-9]+$' AND ("rowData"->>'${link.field}') ~ '^[0-9]+$'`,
    jobId,
    link.dataset,
  );
  await run(
    `CREATE TEMPORARY TABLE tmo_targets ON COMMIT DROP AS
       SELECT "sourceId" AS source, "targetId"::int AS target
         FROM "TestmoImportMapping" WHERE "jobId" = $1 AND "entityType" = $2 AND "targetId" IS NOT NULL`,
    jobId,
    link.type,
  );
  await run(`CREATE INDEX ON tmo_staged_links (child)`);
  await run(`CREATE INDEX ON tmo_staged_links (parent)`);
  await run(`CREATE UNIQUE INDEX ON tmo_targets (source)`);
  // Temporary tables are never analysed by autovacuum: without this the planner guesses their size.
  await run(`ANALYZE tmo_staged_links`);
  await run(`ANALYZE tmo_targets`);
  await run(
    `CREATE TEMPORARY TABLE tmo_links ON COMMIT DROP AS
       SELECT DISTINCT ON (c.target) c.target AS child, p.target AS parent
         FROM tmo_staged_links s
         JOIN tmo_targets c ON c.source = s.child
         JOIN tmo_targets p ON p.source = s.parent
        ORDER BY c.target`,
  );
  await run(`CREATE UNIQUE INDEX ON tmo_links (child)`);
  await run(`ANALYZE tmo_links`);
  const updated = await run(
    `UPDATE "${link.table}" t SET "${link.column}" = l.parent
       FROM tmo_links l
      WHERE t.id = l.child AND ${link.onlyUnset ? `t."${link.column}" IS NULL` : `t."${link.column}" IS DISTINCT FROM l.parent`}`,
  );
  await run(`DROP TABLE pg_temp.tmo_staged_links, pg_temp.tmo_targets, pg_temp.tmo_links`);
  return updated;
}
