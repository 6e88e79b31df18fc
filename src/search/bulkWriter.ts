/**
 * Writes documents through the client's bulk helper (bounded flush size, 429s retried by the
 * helper) and refuses to lose any: every item Elasticsearch still rejects is reported back, and
 * the caller fails the chunk with them. A delete of a document that is not there is not an error.
 *
 * Two costs of the helper are avoided, both measured on a 100,000-document rebuild (about 1.5 s
 * of the worker's CPU each, on the thread that also builds the documents): an `onSuccess` callback
 * makes the helper parse every acknowledged document back from the JSON it sent (it hands the
 * document to the callback), so successes are counted from what was sent minus what was dropped;
 * and the response names only each item's status and error (`filter_path`), which is all the
 * helper reads, instead of its index, id, version, sequence number and shard counts.
 */
import type { Client } from '@elastic/elasticsearch';
import type { SerializedDocument } from './documents';

export interface BulkWriteOptions {
  /** Bytes per bulk request before the helper sends it. */
  flushBytes: number;
  /** Bulk requests in flight at once. */
  concurrency: number;
  /** Refresh the index when done, so the writes are searchable at once (live index writes). */
  refresh?: boolean;
  /** Called as operations are handed to the helper (every PROGRESS_EVERY of them), so a long write can show it is alive. */
  onProgress?: () => void;
}

const PROGRESS_EVERY = 500;

/** What the helper reads of a bulk response: the error flag and each item's status and error. */
export const BULK_RESPONSE_FILTER = 'errors,items.*.status,items.*.error';

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

type Operation = { kind: 'index'; document: SerializedDocument } | { kind: 'delete'; id: number };

export async function writeDocuments(
  client: Client,
  index: string,
  documents: SerializedDocument[],
  deleteIds: number[],
  options: BulkWriteOptions,
): Promise<BulkWriteResult> {
  const rejected: RejectedItem[] = [];
  if (documents.length + deleteIds.length === 0) return { indexed: 0, deleted: 0, rejected };
  let droppedIndexes = 0;
  let droppedDeletes = 0;
  async function* operations(): AsyncGenerator<Operation> {
    let handed = 0;
    for (const document of documents) {
      yield { kind: 'index', document };
      if (++handed % PROGRESS_EVERY === 0) options.onProgress?.();
    }
    for (const id of deleteIds) {
      yield { kind: 'delete', id };
      if (++handed % PROGRESS_EVERY === 0) options.onProgress?.();
    }
  }
  await client.helpers.bulk<Operation>({
    datasource: operations(),
    flushBytes: options.flushBytes,
    concurrency: options.concurrency,
    retries: 3,
    wait: 1_000,
    refreshOnCompletion: options.refresh ? index : false,
    filter_path: BULK_RESPONSE_FILTER,
    onDocument: (operation) =>
      operation.kind === 'index'
        ? // The helper sends a string payload as it is.
          [{ index: { _index: index, _id: String(operation.document.id) } }, operation.document.json]
        : { delete: { _index: index, _id: String(operation.id) } },
    onDrop: (dropped) => {
      const action = dropped.operation as { index?: { _id?: string }; delete?: { _id?: string } };
      if (action.delete) {
        // Deleting a document that is not there leaves the index as wanted.
        if (dropped.status === 404) return;
        droppedDeletes += 1;
      } else {
        droppedIndexes += 1;
      }
      rejected.push({
        id: String(action.index?._id ?? action.delete?._id ?? '?'),
        status: dropped.status,
        type: dropped.error?.type ?? 'unknown',
        reason: dropped.error?.reason ?? 'no reason given',
      });
    },
  });
  return { indexed: documents.length - droppedIndexes, deleted: deleteIds.length - droppedDeletes, rejected };
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
