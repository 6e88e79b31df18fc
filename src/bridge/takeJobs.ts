/**
 * Several jobs per script call: BullMQ's own `moveToActive` run up to N times in one Lua call.
 *
 * Reading a backlog out of one list is bound by the bridge's CPU per job, and a third of that was
 * the client's work per call (packing the options, ioredis command objects, one reply each), not
 * Redis's. Taking N jobs per call keeps every effect of BullMQ's script for every job (the lock
 * with this token, `processedOn`, the attempt counter, the "active" event, promotion of due delayed
 * jobs, priorities, pause) because it is that script, unchanged, called N times inside one atomic
 * Lua call. The script's text comes from the installed BullMQ, so an upgrade brings its own version
 * (test/takeJobs.e2e.test.ts compares the two job by job).
 */
import type { RedisClient } from 'bullmq';
import { moveToActive } from 'bullmq/dist/cjs/scripts/moveToActive-11';

/** Keeps one call short: Redis serves nothing else while a script runs. */
export const MAX_JOBS_PER_TAKE = 64;

const COMMAND = 'tpwTakeJobs';

/**
 * KEYS are moveToActive's eleven; ARGV[1] the key prefix, ARGV[2] the timestamp, ARGV[3] the lock
 * token, ARGV[4] the lock duration, ARGV[5] how many jobs at most. The options BullMQ packs on the
 * client are packed here once per call, in Redis.
 *
 * Each pass returns BullMQ's own reply ({job fields, id, 0, 0} for a job; {0, 0, rate-limit ttl,
 * next delayed timestamp} for none), and the loop stops at the first pass without a job.
 */
const LUA = `
local count = tonumber(ARGV[5])
ARGV[3] = cmsgpack.pack({token = ARGV[3], lockDuration = tonumber(ARGV[4])})
local function moveOneToActive()
${moveToActive.content}
end
local taken = {}
for i = 1, count do
  local reply = moveOneToActive()
  taken[i] = reply
  if reply[2] == 0 then break end
end
return taken
`;

if (moveToActive.keys !== 11)
  throw new Error(`BullMQ's moveToActive takes ${moveToActive.keys} keys; takeJobs.ts was written for 11`);

/** One pass of the script: a job's fields (flat) and id, or none and when the next delayed job is due. */
export type TakeReply = [fields: string[] | 0, jobId: string | 0, rateLimitTtl: number, nextDelayedAt: number];

type TakingClient = RedisClient & {
  [COMMAND](...args: Array<string | number>): Promise<TakeReply[]>;
};

const defined = new WeakSet<object>();

/**
 * Takes up to `count` jobs from the queue whose keys are given (in moveToActive's order), each
 * locked with `token` for `lockDurationMs`. The last reply is a job's only if `count` jobs were taken.
 */
export function takeJobs(
  client: RedisClient,
  keys: string[],
  keyPrefix: string,
  token: string,
  lockDurationMs: number,
  count: number,
): Promise<TakeReply[]> {
  if (!defined.has(client)) {
    // ioredis sends EVALSHA and loads the script itself on NOSCRIPT (a restarted Redis).
    client.defineCommand(COMMAND, { numberOfKeys: 11, lua: LUA });
    defined.add(client);
  }
  return (client as TakingClient)[COMMAND](...keys, keyPrefix, Date.now(), token, lockDurationMs, count);
}
