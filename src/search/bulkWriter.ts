/**
 * Writes documents through the client's bulk helper (bounded flush size, 429s retried by the
 * helper) and refuses to lose any: every item Elasticsearch still rejects is reported back, and
 * the caller fails the chunk with them. A delete of a document that is not there is not an error.
 */
import type { Client } from '@elastic/elasticsearch';
import type { SearchDocument } from './documents';

export interface BulkWriteOptions {
  /** Bytes per bulk request before the helper sends it. */
  flushBytes: number;
  /** Bulk requests in flight at once. */
  concurrency: number;
  /** Refresh the index when done, so the writes are searchable at once (live index writes). */
  refresh?: boolean;
  /** Called as items are acknowledged (every PROGRESS_EVERY of them), so a long write can show it is alive. */
  onProgress?: () => void;
}

const PROGRESS_EVERY = 500;

export interface RejectedItem {
  id: string;
  status: number;
  type: string;
  reason: string;
}

export interface BulkWriteResult {
  indexed: number;
  deleted: number;
  rejected: RejectedItem[];
}

type Operation = { kind: 'index'; document: SearchDocument } | { kind: 'delete'; id: number };

export async function writeDocuments(
  client: Client,
  index: string,
  documents: SearchDocument[],
  deleteIds: number[],
  options: BulkWriteOptions,
): Promise<BulkWriteResult> {
  const operations: Operation[] = [
    ...documents.map((document): Operation => ({ kind: 'index', document })),
    ...deleteIds.map((id): Operation => ({ kind: 'delete', id })),
  ];
  const result: BulkWriteResult = { indexed: 0, deleted: 0, rejected: [] };
  if (operations.length === 0) return result;
  await client.helpers.bulk<Operation>({
    datasource: operations,
    flushBytes: options.flushBytes,
    concurrency: options.concurrency,
    retries: 3,
    wait: 1_000,
    refreshOnCompletion: options.refresh ? index : false,
    onDocument: (operation) =>
      operation.kind === 'index'
        ? [{ index: { _index: index, _id: String(operation.document.id) } }, operation.document]
        : { delete: { _index: index, _id: String(operation.id) } },
    onSuccess: ({ result: item }) => {
      if (item.index) result.indexed += 1;
      else if (item.delete) result.deleted += 1;
      if ((result.indexed + result.deleted) % PROGRESS_EVERY === 0) options.onProgress?.();
    },
    onDrop: (dropped) => {
      const action = dropped.operation as { index?: { _id?: string }; delete?: { _id?: string } };
      if (action.delete && dropped.status === 404) {
        result.deleted += 1;
        return;
      }
      result.rejected.push({
        id: String(action.index?._id ?? action.delete?._id ?? '?'),
        status: dropped.status,
        type: dropped.error?.type ?? 'unknown',
        reason: dropped.error?.reason ?? 'no reason given',
      });
    },
  });
  return result;
}

/** "3 of 500 documents rejected by testplanit-acme-repository-cases-…: id 17: mapper_parsing_exception: …" */
export function describeRejections(index: string, attempted: number, rejected: RejectedItem[]): string {
  const shown = rejected
    .slice(0, 5)
    .map((item) => `id ${item.id}: ${item.type}: ${item.reason}`)
    .join('; ');
  const more = rejected.length > 5 ? `; and ${rejected.length - 5} more` : '';
  return `${rejected.length} of ${attempted} documents rejected by ${index}: ${shown}${more}`;
}
