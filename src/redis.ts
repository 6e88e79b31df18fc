import { Redis } from 'ioredis';

/** One ioredis connection as BullMQ needs it (maxRetriesPerRequest null for blocking commands). */
export function createRedisConnection(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: false });
}
