/**
 * Least-privilege Valkey/Redis ACL users for multi-tenant BullMQ: each tenant web app gets a user that
 * sees only its own BullMQ prefix, and one bridge user consumes every tenant's prefix.
 *
 * Redis 7 checks each command a Lua script calls, and each key it touches, against the calling user,
 * so the command lists below are what BullMQ 5.81's scripts call, not just what the client sends.
 * They were found by running the producer, admin and worker paths under MONITOR with a permissive
 * user; dropping any one of the commands that run used (one at a time) makes it fail. The rest are
 * called by the same scripts in branches that run did not take: LIFO jobs (RPUSH), deduplication
 * (SET, SADD/SREM/SCARD), keepLogs (LTRIM), rate limits and priorities (INCR, PEXPIRE), removeOnFail
 * by age (ZREMRANGEBYSCORE), parent jobs (ZSCORE). test/valkeyAcl.e2e.test.ts
 * checks that the rules work and that the server logs no ACL denial while they do.
 */
import { createHash } from 'node:crypto';

export interface AclTenant {
  tenantId: string;
  bullmqPrefix: string;
  username: string;
  password: string;
}

export interface AclPlan {
  tenants: AclTenant[];
  /** `namespaces`: the project's own keys beside the BullMQ prefixes (e.g. the email ledger's). */
  bridge: { username: string; password: string; prefixes: string[]; namespaces?: string[] };
}

/**
 * TestPlanIt's BULLMQ_PREFIX rule. It also keeps key patterns literal and disjoint: with no `:` in a
 * prefix, `~a:*` can never match the keys of another prefix `b` (whose keys all start with `b:`),
 * and with no `*?[]\` the prefix has no glob meaning in `~<prefix>:*`.
 */
const PREFIX_PATTERN = /^[a-zA-Z0-9_-]+$/;
/** Usernames become one ACL SETUSER argument; no spaces, no rule syntax. */
const USERNAME_PATTERN = /^[a-zA-Z0-9_.@-]+$/;

/** Read by the client at connect: ioredis' ready check and BullMQ's version/eviction-policy check. */
const CONNECT = ['info'];

/** BullMQ runs nearly everything as Lua: EVALSHA, and EVAL when the server answers NOSCRIPT. */
const SCRIPTS = ['evalsha', 'eval'];

/**
 * Called by the scripts behind Queue.add/addBulk (standard, delayed and prioritized jobs),
 * getJobCounts, getJobs, getJobState (LPOS, ZSCORE), job.retry and job.remove.
 */
const PRODUCER_SCRIPT_COMMANDS = [
  'exists',
  'get',
  'set',
  'del',
  'incr',
  'hget',
  'hgetall',
  'hmget',
  'hmset',
  'hset',
  'hdel',
  'llen',
  'lindex',
  'lrange',
  'lpos',
  'lpush',
  'rpush',
  'rpop',
  'lrem',
  'sadd',
  'srem',
  'scard',
  'smembers',
  'zadd',
  'zrem',
  'zcard',
  'zscore',
  'zrange',
  'zrevrange',
  'zrevrangebyscore',
  'persist',
  'xadd',
];

/**
 * Sent by the client outside scripts: Queue.getJob reads the job hash (HGETALL), the queue's meta hash
 * is written at start-up (HSET), and getJobLogs reads the log list in a MULTI (LRANGE + LLEN).
 */
const PRODUCER_CLIENT_COMMANDS = ['hgetall', 'hset', 'lrange', 'llen', 'multi', 'exec'];

/**
 * Called by the scripts a Worker runs: moveToActive, extendLocks, moveStalledJobsToWait, moveToFinished
 * (with removeOnComplete/removeOnFail by age and count), moveToDelayed (retry with backoff),
 * moveJobFromActiveToWait (job.moveToWait), addLog and updateProgress. XTRIM keeps `<queue>:events` short.
 */
const WORKER_SCRIPT_COMMANDS = [
  'exists',
  'get',
  'set',
  'del',
  'incr',
  'pexpire',
  'pttl',
  'hget',
  'hgetall',
  'hmget',
  'hmset',
  'hset',
  'hdel',
  'hincrby',
  'llen',
  'lrange',
  'lpush',
  'rpush',
  'lrem',
  'ltrim',
  'rpoplpush',
  'sadd',
  'srem',
  'scard',
  'smembers',
  'zadd',
  'zrem',
  'zcard',
  'zscore',
  'zrange',
  'zrevrange',
  'zrangebyscore',
  'zrevrangebyscore',
  'zpopmin',
  'zremrangebyrank',
  'zremrangebyscore',
  'xadd',
  'xtrim',
];

/** Sent by the Worker outside scripts: it names its connection and blocks on the queue's marker key. */
const WORKER_CLIENT_COMMANDS = ['client|setname', 'bzpopmin'];

/**
 * The bridge's own keys next to the jobs: plain GET/SET/DEL, and JobStatusMirror's hash
 * (HGET, then HSET + EXPIRE in a MULTI).
 */
const BRIDGE_APP_COMMANDS = ['get', 'set', 'del', 'hget', 'hset', 'expire', 'multi', 'exec'];

/**
 * Denied again after the allow list, as a safety net should a command of these classes ever be added
 * above (FLUSHALL, KEYS, CONFIG, DEBUG, MONITOR, SHUTDOWN, ACL, ...). `reset` already starts from no
 * commands at all; CONNECT is re-allowed after this because INFO counts as dangerous.
 */
const DENIED_CATEGORIES = ['-@dangerous', '-@admin'];

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

function passwordHash(password: string): string {
  return `#${createHash('sha256').update(password, 'utf8').digest('hex')}`;
}

function setUserArgs(username: string, password: string, prefixes: string[], commands: string[]): string[] {
  return [
    username,
    'reset',
    'on',
    passwordHash(password),
    ...prefixes.map((prefix) => `~${prefix}:*`),
    'resetchannels',
    '-@all',
    ...unique(commands).map((command) => `+${command}`),
    ...DENIED_CATEGORIES,
    ...CONNECT.map((command) => `+${command}`),
  ];
}

function checkPrefix(prefix: string, owner: string): void {
  if (!PREFIX_PATTERN.test(prefix)) {
    throw new Error(`${owner}: BullMQ prefix ${JSON.stringify(prefix)} must match ${PREFIX_PATTERN.source}`);
  }
}

function checkUser(username: string, password: string, owner: string): void {
  if (!USERNAME_PATTERN.test(username)) {
    throw new Error(`${owner}: username ${JSON.stringify(username)} must match ${USERNAME_PATTERN.source}`);
  }
  if (username === 'default')
    throw new Error(`${owner}: username "default" is the server's built-in user and may not be redefined`);
  if (password.length === 0) throw new Error(`${owner}: password must not be empty`);
}

function validate(plan: AclPlan): void {
  const prefixOwner = new Map<string, string>();
  const userOwner = new Map<string, string>();
  for (const tenant of plan.tenants) {
    const owner = `tenant ${JSON.stringify(tenant.tenantId)}`;
    checkPrefix(tenant.bullmqPrefix, owner);
    checkUser(tenant.username, tenant.password, owner);
    const samePrefix = prefixOwner.get(tenant.bullmqPrefix);
    if (samePrefix)
      throw new Error(
        `${owner}: BullMQ prefix ${JSON.stringify(tenant.bullmqPrefix)} is already used by ${samePrefix}`,
      );
    prefixOwner.set(tenant.bullmqPrefix, owner);
    const sameUser = userOwner.get(tenant.username);
    if (sameUser)
      throw new Error(`${owner}: username ${JSON.stringify(tenant.username)} is already used by ${sameUser}`);
    userOwner.set(tenant.username, owner);
  }
  const bridge = plan.bridge;
  checkUser(bridge.username, bridge.password, 'bridge');
  const sameUser = userOwner.get(bridge.username);
  if (sameUser) throw new Error(`bridge: username ${JSON.stringify(bridge.username)} is already used by ${sameUser}`);
  if (bridge.prefixes.length === 0) throw new Error('bridge: at least one BullMQ prefix is required');
  const seen = new Set<string>();
  for (const prefix of [...bridge.prefixes, ...(bridge.namespaces ?? [])]) {
    checkPrefix(prefix, 'bridge');
    if (seen.has(prefix)) throw new Error(`bridge: BullMQ prefix ${JSON.stringify(prefix)} is listed twice`);
    seen.add(prefix);
  }
}

/** One argv per user, each to be sent as `ACL SETUSER <argv...>`; tenants first, then the bridge. */
export function aclSetUserCommands(plan: AclPlan): string[][] {
  validate(plan);
  const tenants = plan.tenants.map((tenant) =>
    setUserArgs(
      tenant.username,
      tenant.password,
      [tenant.bullmqPrefix],
      [...SCRIPTS, ...PRODUCER_SCRIPT_COMMANDS, ...PRODUCER_CLIENT_COMMANDS],
    ),
  );
  const bridge = setUserArgs(
    plan.bridge.username,
    plan.bridge.password,
    [...plan.bridge.prefixes, ...(plan.bridge.namespaces ?? [])],
    [...SCRIPTS, ...WORKER_SCRIPT_COMMANDS, ...WORKER_CLIENT_COMMANDS, ...BRIDGE_APP_COMMANDS],
  );
  return [...tenants, bridge];
}

/** Printable `ACL SETUSER ...` lines. Refuses any argument that would set a plaintext password. */
export function describeAclCommands(commands: string[][]): string {
  return commands
    .map((args) => {
      const plaintext = args.findIndex((arg) => arg.startsWith('>') || arg.startsWith('<'));
      if (plaintext >= 0) {
        throw new Error(
          `ACL SETUSER ${args[0] ?? ''}: argument ${plaintext} is a plaintext password; use #<sha256 hex>`,
        );
      }
      return `ACL SETUSER ${args.join(' ')}`;
    })
    .join('\n');
}
