/** The reindex's read-ahead: handed over once, bounded in count and in time, failures left to the taker. */
import { ChunkPrefetch } from '../src/search/chunkPrefetch';

test('a read-ahead is handed to the first taker of its key only', async () => {
  const prefetch = new ChunkPrefetch<string>({ ttlMs: 60_000, maxEntries: 4 });
  let reads = 0;
  prefetch.start('job/index/1000', async () => `chunk ${++reads}`);
  expect(prefetch.take('job/index/2000')).toBeUndefined();
  // Started again for the same cursor, the read already held is kept: the key is read once.
  prefetch.start('job/index/1000', async () => `chunk ${++reads}`);
  await expect(prefetch.take('job/index/1000')).resolves.toBe('chunk 1');
  expect(reads).toBe(1);
  expect(prefetch.take('job/index/1000')).toBeUndefined();
  expect(prefetch.size).toBe(0);
});

test('at most maxEntries are held: the oldest is dropped first', async () => {
  const prefetch = new ChunkPrefetch<number>({ ttlMs: 60_000, maxEntries: 2 });
  prefetch.start('a', async () => 1);
  prefetch.start('b', async () => 2);
  prefetch.start('c', async () => 3);
  expect(prefetch.size).toBe(2);
  expect(prefetch.take('a')).toBeUndefined();
  await expect(prefetch.take('c')).resolves.toBe(3);
});

test('an unclaimed read-ahead is dropped after ttlMs', async () => {
  const prefetch = new ChunkPrefetch<number>({ ttlMs: 20, maxEntries: 2 });
  prefetch.start('a', async () => 1);
  await new Promise((resolve) => setTimeout(resolve, 60));
  expect(prefetch.size).toBe(0);
  expect(prefetch.take('a')).toBeUndefined();
});

test('a failed read-ahead raises no unhandled rejection and fails its taker alone', async () => {
  const prefetch = new ChunkPrefetch<number>({ ttlMs: 60_000, maxEntries: 2 });
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    prefetch.start('evicted', async () => {
      throw new Error('database gone');
    });
    prefetch.start('taken', async () => {
      throw new Error('database gone');
    });
    prefetch.start('newest', async () => 7);
    expect(prefetch.take('evicted')).toBeUndefined();
    await expect(prefetch.take('taken')).rejects.toThrow('database gone');
    await expect(prefetch.take('newest')).resolves.toBe(7);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(unhandled).toEqual([]);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});
