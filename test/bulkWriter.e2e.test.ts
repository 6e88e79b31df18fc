/**
 * The bulk writer against a real Elasticsearch: successes are counted from what was sent minus
 * what was dropped (no per-document callback), and every item Elasticsearch rejects comes back
 * with its id, status and reason, while a delete of a missing document counts as done.
 */
import { Client } from '@elastic/elasticsearch';
import { BULK_RESPONSE_FILTER, describeRejections, writeDocuments } from '../src/search/bulkWriter';
import { serialized } from '../src/search/documents/source';
import { services, uniqueSuffix } from './support/services';

const es = new Client({ node: services.elasticsearchNode });
const index = `tpw-bulk-writer-${uniqueSuffix()}`;
const options = { flushBytes: 2_000, concurrency: 2 };

beforeAll(async () => {
  await es.indices.create({
    index,
    settings: { number_of_shards: 1, number_of_replicas: 0 },
    mappings: { dynamic: 'strict', properties: { id: { type: 'integer' }, name: { type: 'keyword' } } },
  });
});

afterAll(async () => {
  await es.indices.delete({ index }, { ignore: [404] });
  await es.close();
});

test('counts what was written and deleted across many small requests, and a missing delete as done', async () => {
  const documents = Array.from({ length: 120 }, (_, i) => serialized({ id: i + 1, name: `case ${i + 1}` }));
  const written = await writeDocuments(es, index, documents, [], { ...options, refresh: true });
  expect(written).toEqual({ indexed: 120, deleted: 0, rejected: [] });
  expect((await es.count({ index })).count).toBe(120);

  // 2 and 3 exist, 9999 never did: all three deletes leave the index as wanted.
  const deleted = await writeDocuments(es, index, [serialized({ id: 1, name: 'renamed' })], [2, 3, 9_999], {
    ...options,
    refresh: true,
  });
  expect(deleted).toEqual({ indexed: 1, deleted: 3, rejected: [] });
  expect((await es.count({ index })).count).toBe(118);
  expect((await es.get<{ name: string }>({ index, id: '1' }))._source).toEqual({ id: 1, name: 'renamed' });
});

test('reports each rejected document with its id, status and reason, and counts the others', async () => {
  const documents = [
    { id: 201, name: 'fine' },
    { id: 202, name: 'also fine', unmapped: 'a field the strict mapping refuses' },
    { id: 203, name: 'fine too' },
    { id: 204, name: 'refused as well', other: 1 },
  ].map(serialized);
  const result = await writeDocuments(es, index, documents, [], options);
  expect(result.indexed).toBe(2);
  expect(result.deleted).toBe(0);
  expect(result.rejected.map(({ id, status, type }) => ({ id, status, type }))).toEqual([
    { id: '202', status: 400, type: 'strict_dynamic_mapping_exception' },
    { id: '204', status: 400, type: 'strict_dynamic_mapping_exception' },
  ]);
  expect(result.rejected[0]!.reason).toContain('unmapped');
  expect(describeRejections(index, documents.length, result.rejected)).toMatch(
    new RegExp(`^2 of 4 documents rejected by ${index}: id 202: strict_dynamic_mapping_exception: .*unmapped`),
  );
});

test('the filtered response still carries what the helper reads: the error flag, statuses and errors', async () => {
  const response = await es.bulk({
    filter_path: BULK_RESPONSE_FILTER,
    operations: [
      { index: { _index: index, _id: '301' } },
      { id: 301, bad: true },
      { delete: { _index: index, _id: '1' } },
    ],
  });
  expect(response).toEqual({
    errors: true,
    items: [
      { index: { status: 400, error: expect.objectContaining({ type: 'strict_dynamic_mapping_exception' }) } },
      { delete: { status: 200 } },
    ],
  });
});
