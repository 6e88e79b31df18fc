/**
 * Each bridge and worker process keeps a small record in Valkey (role, host, pid, start time,
 * memory), refreshed every 10 s with a 30 s expiry, so `npm run status` lists the processes that
 * are alive now, wherever they run, as `pm2 status` lists its own.
 */
import * as os from 'node:os';
import type { Redis } from 'ioredis';
import { PROCESS_INDEX_KEY, processKey } from '../jobs/ids';
import type { Logger } from '../logging';

export interface ProcessRecord {
  role: string;
  host: string;
  pid: number;
  startedAt: string;
  rssBytes: number;
  queues: string[];
}

const REFRESH_MS = 10_000;
const TTL_SECONDS = 30;

export function announceProcess(
  redis: Redis,
  role: string,
  queues: string[],
  logger: Logger,
): { stop(): Promise<void> } {
  const host = os.hostname();
  const key = processKey(host, process.pid);
  const startedAt = new Date().toISOString();
  const write = () => {
    const record: ProcessRecord = {
      role,
      host,
      pid: process.pid,
      startedAt,
      rssBytes: process.memoryUsage().rss,
      queues,
    };
    redis
      .multi()
      .set(key, JSON.stringify(record), 'EX', TTL_SECONDS)
      .zadd(PROCESS_INDEX_KEY, Date.now() + TTL_SECONDS * 1000, key)
      .zremrangebyscore(PROCESS_INDEX_KEY, '-inf', Date.now())
      .exec()
      .catch((error: unknown) => logger.debug(`Announcing this process failed: ${(error as Error).message}`));
  };
  write();
  const timer = setInterval(write, REFRESH_MS);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await redis
        .multi()
        .del(key)
        .zrem(PROCESS_INDEX_KEY, key)
        .exec()
        .catch(() => undefined);
    },
  };
}

/** The processes alive now: records not expired, oldest first. */
export async function liveProcesses(redis: Redis): Promise<ProcessRecord[]> {
  const keys = await redis.zrangebyscore(PROCESS_INDEX_KEY, Date.now(), '+inf');
  if (keys.length === 0) return [];
  const values = await redis.mget(...keys);
  return values
    .flatMap((value) => (value ? [JSON.parse(value) as ProcessRecord] : []))
    .sort((a, b) => a.startedAt.localeCompare(b.startedAt));
}
