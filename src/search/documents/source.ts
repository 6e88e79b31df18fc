/**
 * What the reindex needs to know about one entity type: which rows belong in its index (the
 * same rule for counting, paging and building, so the three always agree), how to turn rows
 * into TestPlanIt's documents, and which tables' writes change its documents.
 */
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
   * `(table, column)` pairs whose rows carry a document id; a row written after a rebuild began
   * means that document must be rebuilt before the new index goes live.
   */
  changeSources: ReadonlyArray<readonly [table: string, idColumn: string]>;
}

/** Keyset paging shared by every source: ids after the cursor, in order. */
export function afterCursor(afterId: number): { id: { gt: number } } {
  return { id: { gt: afterId } };
}
