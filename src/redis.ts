import type { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';
import type { Logger } from './logging';

/** One warning per connection and this long, however often a down Redis refuses reconnects. */
const ERROR_LOG_INTERVAL_MS = 10_000;

/**
 * Logs an emitter's 'error' events instead of letting an unheard one end the process: ioredis
 * connections, BullMQ's RedisConnection and every QueueBase re-emit connection errors while
 * Redis is down, and reconnect by themselves once it is back.
 */
export function logConnectionErrors(emitter: EventEmitter, name: string, logger: Logger): void {
  let lastLogged = 0;
  emitter.on('error', (error: Error) => {
    const now = Date.now();
    if (now - lastLogged < ERROR_LOG_INTERVAL_MS) return;
    lastLogged = now;
    logger.warn(`Redis connection (${name}): ${error.message}; reconnecting`);
  });
}

/**
 * One ioredis connection as BullMQ needs it (maxRetriesPerRequest null for blocking commands),
 * whose errors are logged, never fatal. `autoPipelining`: commands issued in the same event-loop
 * turn leave in one write, for the bridge's busy non-blocking connections (hundreds of fetches,
 * locks and settlements per turn).
 */
export function createRedisConnection(
  url: string,
  options: { name: string; logger: Logger; autoPipelining?: boolean },
): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: null,
    enableReadyCheck: false,
    enableAutoPipelining: options.autoPipelining ?? false,
  });
  logConnectionErrors(redis, options.name, options.logger);
  return redis;
}
