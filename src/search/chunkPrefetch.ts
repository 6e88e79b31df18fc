/**
 * Read-ahead for a rebuild's chunks: while chunk N is bulk-written, the worker already reads chunk
 * N+1 (its ids and documents), so Elasticsearch and PostgreSQL work at the same time instead of
 * taking turns. The next chunk activity takes the read it finds under its own cursor; one that
 * finds none (another worker ran it, or the read expired) reads for itself, so a read-ahead only
 * ever saves time.
 *
 * A read-ahead is a read taken a little earlier than the chunk's activity would take it: a
 * rebuild's catch-up rebuilds every document changed after its horizon, which precedes every read
 * of the load, so an earlier read is as good as a later one. Reads are keyed by job and target
 * index, so no other job or rebuild can be handed one, and are dropped unclaimed after `ttlMs`
 * (a cancelled rebuild's last read-ahead must not pin its documents in memory), at most
 * `maxEntries` held at once.
 */
export interface ChunkPrefetchOptions {
  ttlMs: number;
  maxEntries: number;
}

interface Entry<T> {
  read: Promise<T>;
  timer: NodeJS.Timeout;
}

export class ChunkPrefetch<T> {
  private readonly entries = new Map<string, Entry<T>>();

  constructor(private readonly options: ChunkPrefetchOptions) {}

  /**
   * Starts `read` now and keeps it for the chunk activity that will ask for `key`; a read already
   * held for `key` (started by an earlier attempt, or the same cursor reached twice) is kept instead.
   */
  start(key: string, read: () => Promise<T>): void {
    if (this.entries.has(key)) return;
    while (this.entries.size >= this.options.maxEntries) this.drop(this.entries.keys().next().value!);
    const promise = read();
    // Unclaimed, a failed read is nobody's error: the activity that would have claimed it reads again.
    promise.catch(() => undefined);
    const timer = setTimeout(() => this.drop(key), this.options.ttlMs);
    timer.unref();
    this.entries.set(key, { read: promise, timer });
  }

  /** The read started for `key`, handed over once; undefined when there is none. */
  take(key: string): Promise<T> | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    clearTimeout(entry.timer);
    this.entries.delete(key);
    return entry.read;
  }

  get size(): number {
    return this.entries.size;
  }

  private drop(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.entries.delete(key);
  }
}
