/**
 * Search indexing activities (contract section 8): the steps of a reindex, each a short,
 * idempotent unit the workflow can checkpoint between, and the by-id indexing other workflows
 * use to keep a live index in step with rows they changed.
 *
 * Idempotency: documents are keyed by their row id, so a chunk run twice writes the same
 * documents; index creation and alias moves check what is already there.
 */
import type { Client } from '@elastic/elasticsearch';
import type { Pool } from 'pg';
import { failure } from '../failures/types';
import type { JobOrigin } from '../jobs/jobInput';
import { describeRejections, writeDocuments } from '../search/bulkWriter';
import { beginChangeTracking, changedDocumentIds, endChangeTracking, transactionHorizon } from '../search/changes';
import { ChunkPrefetch } from '../search/chunkPrefetch';
import {
  DOCUMENT_SOURCES,
  serializedDocuments,
  type DocumentScope,
  type SerializedDocument,
} from '../search/documents';
import { entitiesFor, INDEX_BASE, type SearchEntity } from '../search/entities';
import {
  abandonedBuilds,
  createBuildIndex,
  deleteIndices,
  ensureLiveIndex,
  finishBuildIndex,
  liveIndexState,
  swapAlias,
  versionedIndexName,
} from '../search/indexLifecycle';
import { entityIndexName } from '../tenancy/elasticsearch';
import type { DatabaseClient } from '../tenancy/prismaPool';
import type { ResolvedTenant } from '../tenancy/registry';
import { logForJob, withTenantDatabase, type ActivityDeps } from './deps';
import { heartbeat } from './heartbeat';

export interface EntityPlan {
  entity: SearchEntity;
  /** Synced project by project (the job log names each project), or tenant-wide. */
  perProject: boolean;
  /** Documents to write, for progress. */
  total: number;
}

export interface ReindexPlan {
  /** Live projects in scope, in id order: per-project entities are synced project by project. */
  projects: Array<{ id: number; name: string }>;
  entities: EntityPlan[];
}

export interface ChunkInput {
  origin: JobOrigin;
  entity: SearchEntity;
  /** The index written: a rebuild's versioned index, or the live alias. */
  index: string;
  scope: DocumentScope;
  afterId: number;
}

export interface ChunkResult {
  /** Cursor for the next chunk; null when this one found nothing left. */
  lastId: number | null;
  indexed: number;
  deleted: number;
}

interface TenantSearch {
  db: DatabaseClient;
  pg: Pool;
  client: Client;
  tenant: ResolvedTenant;
}

/** A chunk read: its ids, the documents of those that belong in the index, and the others. */
interface ChunkRead {
  ids: number[];
  documents: SerializedDocument[];
  gone: number[];
}

/**
 * How long a read-ahead chunk waits for its activity (src/search/chunkPrefetch.ts): the next
 * chunk activity normally claims it within milliseconds; a minute covers a worker busy with other
 * tasks. At most one read-ahead per rebuild is held; the cap bounds a worker running many.
 */
const READ_AHEAD_TTL_MS = 60_000;
const READ_AHEAD_MAX = 8;

/** TestPlanIt's wording for a tenant without Elasticsearch; retrying cannot fix it. */
const NOT_CONFIGURED = 'Elasticsearch is not configured or unavailable';

export function createSearchActivities(deps: ActivityDeps) {
  const { chunkSize, bulkFlushBytes, bulkConcurrency } = deps.reindex;
  const readAhead = new ChunkPrefetch<ChunkRead>({ ttlMs: READ_AHEAD_TTL_MS, maxEntries: READ_AHEAD_MAX });

  function withTenantSearch<T>(origin: JobOrigin, work: (search: TenantSearch) => Promise<T>): Promise<T> {
    return withTenantDatabase(deps, origin, (db, tenant, pg) => {
      const client = deps.search.forTenant(tenant);
      if (!client) throw failure('SearchNotConfigured', NOT_CONFIGURED);
      return work({ db, pg, client, tenant });
    });
  }

  const aliasOf = (tenant: ResolvedTenant, entity: SearchEntity) =>
    entityIndexName(INDEX_BASE[entity], tenant.tenantId);

  async function replicas(db: DatabaseClient): Promise<number> {
    const row = await db.appConfig.findUnique({ where: { key: 'elasticsearch_replicas' } });
    const value = Number(row?.value ?? 0);
    return Number.isInteger(value) && value >= 0 ? value : 0;
  }

  /** Writes, and fails loudly on any rejected item: a mapping error is final, the rest retried. */
  async function write(
    client: Client,
    index: string,
    documents: Parameters<typeof writeDocuments>[2],
    deleteIds: number[],
    refresh = false,
  ) {
    const result = await writeDocuments(client, index, documents, deleteIds, {
      flushBytes: bulkFlushBytes,
      concurrency: bulkConcurrency,
      refresh,
      // A chunk's bulk write can outlast the heartbeat timeout on a busy cluster.
      onProgress: () => heartbeat(),
    });
    if (result.rejected.length > 0) {
      const message = describeRejections(index, documents.length + deleteIds.length, result.rejected);
      const final = result.rejected.every((item) => item.status >= 400 && item.status < 500 && item.status !== 408);
      throw final ? failure('DocumentRejected', message) : failure('SearchWriteFailed', message);
    }
    return result;
  }

  /** The documents of `ids`; those that no longer qualify are `gone` (to be deleted). */
  async function readDocuments(db: DatabaseClient, pg: Pool, entity: SearchEntity, ids: number[]): Promise<ChunkRead> {
    const documents = await serializedDocuments(DOCUMENT_SOURCES[entity], db, pg, ids);
    const built = new Set(documents.map((document) => document.id));
    return { ids, documents, gone: ids.filter((id) => !built.has(id)) };
  }

  /** The next page of the load after `afterId`, with its documents. */
  async function readPage(db: DatabaseClient, pg: Pool, input: ChunkInput, afterId: number): Promise<ChunkRead> {
    const ids = await DOCUMENT_SOURCES[input.entity].pageIds(db, input.scope, afterId, chunkSize);
    return ids.length === 0 ? { ids, documents: [], gone: [] } : readDocuments(db, pg, input.entity, ids);
  }

  /** A read-ahead belongs to one job's load of one index and scope, at one cursor. */
  const readAheadKey = (input: ChunkInput, afterId: number) =>
    [
      input.origin.tenantId ?? '',
      input.origin.idempotencyKey,
      input.entity,
      input.index,
      input.scope.projectId ?? '',
      afterId,
    ].join('\u0000');

  /**
   * A short page ends its project's load: a rebuild that loads project by project goes on with the
   * next live project in id order (the plan's order), whose first page is read ahead. A project's
   * in-place reindex (written to the alias itself) has no next project.
   */
  async function readAheadNextProject(
    search: TenantSearch,
    input: ChunkInput,
    readAheadFrom: (next: ChunkInput, afterId: number) => void,
  ): Promise<void> {
    const projectId = input.scope.projectId;
    if (projectId === undefined || input.index === aliasOf(search.tenant, input.entity)) return;
    const next = await search.db.projects.findFirst({
      where: { isDeleted: false, id: { gt: projectId } },
      select: { id: true },
      orderBy: { id: 'asc' },
    });
    if (next) readAheadFrom({ ...input, scope: { projectId: next.id } }, 0);
  }

  async function writeRead(search: TenantSearch, index: string, read: ChunkRead, refresh = false) {
    // A chunk lost with a killed worker is retried after the heartbeat timeout, not the whole
    // start-to-close timeout.
    heartbeat();
    return write(search.client, index, read.documents, read.gone, refresh);
  }

  /** Builds and writes the documents of `ids`; ids that no longer qualify are deleted. */
  async function writeByIds(search: TenantSearch, entity: SearchEntity, index: string, ids: number[], refresh = false) {
    heartbeat();
    return writeRead(search, index, await readDocuments(search.db, search.pg, entity, ids), refresh);
  }

  return {
    /** Live projects in scope and the document count of each entity, for progress. */
    async planReindex(input: {
      origin: JobOrigin;
      entityType: 'all' | SearchEntity;
      projectId?: number;
    }): Promise<ReindexPlan> {
      return withTenantSearch(input.origin, async ({ db, client }) => {
        // Cluster health, not ping: a core-only node does not serve its root endpoint.
        await client.cluster.health({ timeout: '5s' }).catch((error: Error) => {
          throw failure('SearchWriteFailed', `${NOT_CONFIGURED}: ${error.message}`);
        });
        const projects = await db.projects.findMany({
          where: { isDeleted: false, ...(input.projectId ? { id: input.projectId } : {}) },
          select: { id: true, name: true },
          orderBy: { id: 'asc' },
        });
        const scope: DocumentScope = input.projectId ? { projectId: input.projectId } : {};
        const entities: EntityPlan[] = [];
        for (const entity of entitiesFor(input.entityType)) {
          const source = DOCUMENT_SOURCES[entity];
          entities.push({
            entity,
            perProject: source.perProject,
            total: input.projectId && projects.length === 0 ? 0 : await source.count(db, scope),
          });
        }
        return { projects, entities };
      });
    },

    /** Document count of one entity in one scope: the number a "Syncing N …" line names. */
    async countDocuments(input: { origin: JobOrigin; entity: SearchEntity; scope: DocumentScope }): Promise<number> {
      return withTenantDatabase(deps, input.origin, (db) => DOCUMENT_SOURCES[input.entity].count(db, input.scope));
    },

    /**
     * Creates the rebuild's index (dropping indices earlier stopped rebuilds left behind) and
     * returns the transaction horizon writes are caught up from. Change tracking (the triggers
     * logging updated and deleted rows, src/search/changes.ts) is in place before the horizon is
     * taken, so catch-up sees every change the load may have missed; a retry re-installs it
     * harmlessly and takes a later horizon.
     */
    async prepareRebuild(input: {
      origin: JobOrigin;
      entity: SearchEntity;
      startedAt: string;
      token: string;
    }): Promise<{ index: string; alias: string; horizon: string }> {
      return withTenantSearch(input.origin, async ({ db, client, tenant }) => {
        const alias = aliasOf(tenant, input.entity);
        const index = versionedIndexName(alias, new Date(input.startedAt), input.token);
        const abandoned = await abandonedBuilds(client, alias, index);
        if (abandoned.length > 0) {
          logForJob(
            deps,
            input.origin,
            `Deleting ${abandoned.length} index(es) of stopped rebuilds of ${alias}: ${abandoned.join(', ')}`,
          );
          await deleteIndices(client, abandoned);
        }
        await beginChangeTracking(db, alias, index);
        const horizon = await transactionHorizon(db);
        await createBuildIndex(client, index, alias, input.entity);
        logForJob(deps, input.origin, `Rebuilding ${alias} into ${index}`);
        return { index, alias, horizon };
      });
    },

    /**
     * The next chunk of documents in id order after the cursor, written to `index`. While it is
     * written, the chunk after it is read ahead (src/search/chunkPrefetch.ts) for the next call.
     */
    async indexChunk(input: ChunkInput): Promise<ChunkResult> {
      return withTenantSearch(input.origin, async (search) => {
        heartbeat();
        const ahead = readAhead.take(readAheadKey(input, input.afterId));
        // A read-ahead that failed is read again here: its error is this attempt's only if it recurs.
        const read =
          (ahead && (await ahead.catch(() => undefined))) ||
          (await readPage(search.db, search.pg, input, input.afterId));
        // The read-ahead holds its own lease on the tenant's client.
        const readAheadFrom = (next: ChunkInput, afterId: number) =>
          readAhead.start(readAheadKey(next, afterId), () =>
            deps.databases.use(search.tenant, (db, pg) => readPage(db, pg, next, afterId)),
          );
        if (read.ids.length === chunkSize) readAheadFrom(input, read.ids[read.ids.length - 1]!);
        else await readAheadNextProject(search, input, readAheadFrom);
        if (read.ids.length === 0) return { lastId: null, indexed: 0, deleted: 0 };
        const lastId = read.ids[read.ids.length - 1]!;
        const result = await writeRead(search, input.index, read);
        return { lastId, indexed: result.indexed, deleted: result.deleted };
      });
    },

    /** The current transaction horizon: catch-up after this point starts from it. */
    async currentHorizon(input: { origin: JobOrigin }): Promise<string> {
      return withTenantDatabase(deps, input.origin, (db) => transactionHorizon(db));
    },

    /** Rebuilds the documents of rows written since `since`, a chunk of ids at a time. */
    async catchUpChunk(input: {
      origin: JobOrigin;
      entity: SearchEntity;
      index: string;
      since: string;
      afterId: number;
    }): Promise<ChunkResult> {
      return withTenantSearch(input.origin, async (search) => {
        const ids = await changedDocumentIds(
          search.db,
          DOCUMENT_SOURCES[input.entity],
          input.since,
          input.afterId,
          chunkSize,
        );
        if (ids.length === 0) return { lastId: null, indexed: 0, deleted: 0 };
        const result = await writeByIds(search, input.entity, input.index, ids);
        return { lastId: ids[ids.length - 1]!, indexed: result.indexed, deleted: result.deleted };
      });
    },

    /** Deletes documents of `index` (in the scope) whose rows are gone or no longer qualify. */
    async pruneChunk(input: ChunkInput): Promise<ChunkResult> {
      return withTenantSearch(input.origin, async ({ db, client }) => {
        const response = await client.search<unknown>({
          index: input.index,
          size: chunkSize,
          _source: false,
          sort: [{ id: 'asc' }],
          search_after: [input.afterId],
          query: input.scope.projectId ? { term: { projectId: input.scope.projectId } } : { match_all: {} },
        });
        const ids = response.hits.hits.map((hit) => Number(hit._id)).filter((id) => Number.isInteger(id));
        if (ids.length === 0) return { lastId: null, indexed: 0, deleted: 0 };
        const keep = new Set(await DOCUMENT_SOURCES[input.entity].belonging(db, ids));
        const result = await write(
          client,
          input.index,
          [],
          ids.filter((id) => !keep.has(id)),
        );
        return { lastId: Math.max(...ids), indexed: 0, deleted: result.deleted };
      });
    },

    /** Normal refresh and replicas on the rebuilt index, all of it searchable. */
    async finishRebuild(input: { origin: JobOrigin; index: string }): Promise<void> {
      return withTenantSearch(input.origin, async ({ db, client }) =>
        finishBuildIndex(client, input.index, await replicas(db)),
      );
    },

    /**
     * Moves the live alias to the rebuilt index in one atomic call, then drops what it left. The
     * index is refreshed first: the catch-up's writes since finishRebuild's refresh would otherwise
     * show only at the next periodic refresh, up to a second after searches moved to the index.
     */
    async swapLiveIndex(input: {
      origin: JobOrigin;
      entity: SearchEntity;
      index: string;
    }): Promise<{ alias: string; replaced: string[] }> {
      return withTenantSearch(input.origin, async ({ client, tenant }) => {
        const alias = aliasOf(tenant, input.entity);
        await client.indices.refresh({ index: input.index });
        const { previous, replacedConcrete } = await swapAlias(client, alias, input.index);
        await deleteIndices(client, previous);
        const migrated = replacedConcrete ? ` (replacing the index TestPlanIt created under that name)` : '';
        logForJob(deps, input.origin, `${alias} now serves ${input.index}${migrated}`);
        return { alias, replaced: replacedConcrete ? [alias] : previous };
      });
    },

    /**
     * Drops a rebuild's index after a cancel or failure (the live alias never pointed at it) and
     * ends its change tracking.
     */
    async discardRebuild(input: { origin: JobOrigin; entity: SearchEntity; index: string }): Promise<void> {
      return withTenantSearch(input.origin, async ({ db, client, tenant }) => {
        const alias = aliasOf(tenant, input.entity);
        await endChangeTracking(db, alias, input.index);
        const state = await liveIndexState(client, alias);
        if (state.kind === 'alias' && state.indices.includes(input.index)) return;
        await deleteIndices(client, [input.index]);
        logForJob(deps, input.origin, `Discarded unfinished rebuild ${input.index}; ${alias} unchanged`);
      });
    },

    /**
     * Ends a rebuild's change tracking once its last catch-up ran (after the swap): the last
     * rebuild of the tenant to end drops the triggers and their tables.
     */
    async endRebuildTracking(input: { origin: JobOrigin; entity: SearchEntity; index: string }): Promise<void> {
      return withTenantDatabase(deps, input.origin, async (db, tenant) =>
        endChangeTracking(db, aliasOf(tenant, input.entity), input.index),
      );
    },

    /** The live index name for in-place writes, created (and aliased) if the tenant has none yet. */
    async liveIndex(input: {
      origin: JobOrigin;
      entity: SearchEntity;
      startedAt: string;
      token: string;
    }): Promise<string> {
      return withTenantSearch(input.origin, async ({ db, client, tenant }) => {
        const alias = aliasOf(tenant, input.entity);
        return ensureLiveIndex(
          client,
          alias,
          input.entity,
          await replicas(db),
          versionedIndexName(alias, new Date(input.startedAt), input.token),
        );
      });
    },

    /**
     * Brings the live index in step with these rows now: documents rebuilt, and deleted for rows
     * that are gone or no longer searchable. For workflows that changed rows (issue sync, imports).
     */
    async indexDocumentsById(input: {
      origin: JobOrigin;
      entity: SearchEntity;
      ids: number[];
    }): Promise<{ indexed: number; deleted: number }> {
      return withTenantSearch(input.origin, async (search) => {
        const alias = aliasOf(search.tenant, input.entity);
        const now = new Date();
        await ensureLiveIndex(
          search.client,
          alias,
          input.entity,
          await replicas(search.db),
          versionedIndexName(alias, now, input.origin.idempotencyKey),
        );
        let indexed = 0;
        let deleted = 0;
        for (let start = 0; start < input.ids.length; start += chunkSize) {
          const result = await writeByIds(search, input.entity, alias, input.ids.slice(start, start + chunkSize), true);
          indexed += result.indexed;
          deleted += result.deleted;
        }
        return { indexed, deleted };
      });
    },
  };
}

export type SearchActivities = ReturnType<typeof createSearchActivities>;
