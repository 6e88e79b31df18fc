/**
 * The BullMQ queues TestPlanIt's web app enqueues onto, with the options the web app gives
 * them (testplanit lib/queues.ts) and the per-queue concurrency its workers run with.
 */
export const QUEUE_NAMES = [
  'forecast-updates',
  'notifications',
  'emails',
  'issue-sync',
  'testmo-imports',
  'elasticsearch-reindex',
  'audit-logs',
] as const;

export type QueueName = (typeof QUEUE_NAMES)[number];

export function isQueueName(value: string): value is QueueName {
  return (QUEUE_NAMES as readonly string[]).includes(value);
}

const DAY_SECONDS = 24 * 60 * 60;

/** forecast-updates and notifications share these options in TestPlanIt's lib/queues.ts. */
const THREE_ATTEMPTS_A_WEEK = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 5000 },
  removeOnComplete: { age: 7 * DAY_SECONDS, count: 1000 },
  removeOnFail: { age: 14 * DAY_SECONDS },
};

/** Per-queue facts: the env var TestPlanIt reads for concurrency, its default, and the web app's job options. */
export const QUEUE_SETTINGS: Record<
  QueueName,
  {
    concurrencyEnv: string;
    defaultConcurrency: number;
    defaultJobOptions: Record<string, unknown>;
    /**
     * Activity slots per concurrent job. A Testmo analysis holds its slot for the whole file while
     * its workflow reads progress with a second, short activity; one slot each would starve that.
     */
    activitySlotsPerJob?: number;
  }
> = {
  'forecast-updates': {
    concurrencyEnv: 'FORECAST_CONCURRENCY',
    defaultConcurrency: 5,
    defaultJobOptions: THREE_ATTEMPTS_A_WEEK,
    // An all-cases forecast runs its ranges two at a time (RANGE_LANES in workflows/forecasts).
    activitySlotsPerJob: 2,
  },
  notifications: {
    concurrencyEnv: 'NOTIFICATION_CONCURRENCY',
    defaultConcurrency: 5,
    defaultJobOptions: THREE_ATTEMPTS_A_WEEK,
  },
  emails: {
    concurrencyEnv: 'EMAIL_CONCURRENCY',
    defaultConcurrency: 3,
    defaultJobOptions: {
      attempts: 5,
      backoff: { type: 'exponential', delay: 10000 },
      removeOnComplete: { age: 30 * DAY_SECONDS, count: 5000 },
      removeOnFail: { age: 30 * DAY_SECONDS },
    },
  },
  'issue-sync': {
    concurrencyEnv: 'SYNC_CONCURRENCY',
    defaultConcurrency: 1,
    defaultJobOptions: {
      attempts: 3,
      backoff: { type: 'exponential', delay: 5000 },
      removeOnComplete: { age: 3 * DAY_SECONDS, count: 500 },
      removeOnFail: { age: 7 * DAY_SECONDS },
    },
  },
  'testmo-imports': {
    concurrencyEnv: 'TESTMO_IMPORT_CONCURRENCY',
    defaultConcurrency: 1,
    activitySlotsPerJob: 2,
    defaultJobOptions: {
      attempts: 1,
      removeOnComplete: { age: 30 * DAY_SECONDS, count: 100 },
      removeOnFail: { age: 30 * DAY_SECONDS },
    },
  },
  'elasticsearch-reindex': {
    concurrencyEnv: 'ELASTICSEARCH_REINDEX_CONCURRENCY',
    defaultConcurrency: 2,
    defaultJobOptions: {
      attempts: 1,
      removeOnComplete: { age: 7 * DAY_SECONDS, count: 50 },
      removeOnFail: { age: 14 * DAY_SECONDS },
    },
  },
  'audit-logs': {
    concurrencyEnv: 'AUDIT_LOG_CONCURRENCY',
    defaultConcurrency: 10,
    defaultJobOptions: {
      attempts: 3,
      backoff: { type: 'exponential', delay: 5000 },
      removeOnComplete: { age: 365 * DAY_SECONDS, count: 100000 },
      removeOnFail: { age: 90 * DAY_SECONDS },
    },
  },
};
