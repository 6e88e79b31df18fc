import { Redis } from 'ioredis';

/**
 * One ioredis connection as BullMQ needs it (maxRetriesPerRequest null for blocking commands).
 * `autoPipelining`: commands issued in the same event-loop turn leave in one write, for the
 * bridge's busy non-blocking connections (hundreds of fetches, locks and settlements per turn).
 */
export function createRedisConnection(url: string, options: { autoPipelining?: boolean } = {}): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: null,
    enableReadyCheck: false,
    enableAutoPipelining: options.autoPipelining ?? false,
  });
}
