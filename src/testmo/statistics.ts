/**
 * Planner statistics for the tables an import fills while it reads them back.
 *
 * The import loads `TestmoImportStaging`, `TestmoImportMapping` and its target tables far faster
 * than autovacuum analyses them: a table that held 50 rows at its last ANALYZE (or was never
 * analysed) may hold a million by the time a phase joins it. PostgreSQL scales a table's row
 * count with its current size, but selectivities come from the old sample: an `entityType` or a
 * `datasetName` missing from it is estimated at one row, and one row outside a nested loop costs
 * nothing, so the planner loops over a join whose other side is every row of the phase (a
 * 37,240-folder export spent more than 8 minutes in one such UPDATE; after ANALYZE, under 1 s).
 *
 * So the import analyses what it has just loaded itself, when the data changed by a large factor:
 * the staged rows once after the analysis, the id map and a phase's own tables after the phase
 * and whenever the phase has doubled what it wrote since (1, 2, 4, 8 ... chunks), which is at most
 * ~20 ANALYZEs in a million-row phase. ANALYZE reads a fixed sample (300 x the statistics target
 * rows), so each costs about the same at any table size: well under a second next to a phase of
 * minutes. The set-based statements that join staged rows are also shaped so no estimate can make
 * them quadratic (see linkStagedParents in phases/projects.ts); the statistics keep the per-chunk
 * id-map and read-back lookups on their full indexes.
 */
import type { Tx } from './idMap';

type Queryable = Pick<Tx, '$executeRawUnsafe'>;

/** The columns of the import's own tables that its statements filter and join on. */
const KEY_COLUMNS: Record<string, string[]> = {
  // Only the key columns: the rowData and text columns are large and nothing filters on them.
  TestmoImportStaging: ['jobId', 'datasetName', 'rowIndex'],
  TestmoImportMapping: ['jobId', 'entityType', 'sourceId'],
};

/**
 * ANALYZE these tables, each in its own statement. Outside a transaction the lock ANALYZE takes
 * (which only excludes another ANALYZE or VACUUM of the table) is held for that statement only.
 * Run by a role that does not own a table, PostgreSQL skips it with a warning: the import goes
 * on with the statistics it has, as before.
 */
export async function analyzeTables(db: Queryable, tables: Iterable<string>): Promise<void> {
  for (const table of new Set(tables)) {
    const columns = KEY_COLUMNS[table];
    await db.$executeRawUnsafe(
      `ANALYZE "${table}"${columns ? ` (${columns.map((column) => `"${column}"`).join(', ')})` : ''}`,
    );
  }
}

/**
 * Whether a phase that had written `before` rows and now has written `after` passed a doubling
 * point (one chunk, two, four ...), the moments its tables are worth analysing again.
 */
export function grewByDoubling(before: number, after: number, chunkSize: number): boolean {
  if (after <= before) return false;
  for (let mark = Math.max(1, chunkSize); mark <= after; mark *= 2) if (mark > before) return true;
  return false;
}
