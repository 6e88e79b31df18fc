/**
 * Removes TestPlanIt's BullMQ repeatables for the recurring jobs, in both formats (the md5
 * repeat keys of `queue.add(name, data, {repeat})` and `upsertJobScheduler` schedulers), so
 * nothing fires twice once Temporal Schedules run them. A repeat job already waiting is then
 * processed once: BullMQ schedules a next iteration only while its repeatable still exists.
 */
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { QueueName } from '../jobs/queues';
import type { Logger } from '../logging';
import { RECURRING_JOBS } from './recurringJobs';

export async function removeLegacyRepeatables(redis: Redis, prefix: string, logger: Logger): Promise<string[]> {
  const removed: string[] = [];
  const queues = [...new Set(RECURRING_JOBS.map((job) => job.queue))] as QueueName[];
  for (const queueName of queues) {
    const queue = new Queue(queueName, { connection: redis, prefix });
    try {
      const names = new Set(RECURRING_JOBS.filter((job) => job.queue === queueName).map((job) => job.jobName));
      for (const scheduler of await queue.getJobSchedulers(0, -1)) {
        if (!names.has(scheduler.name)) continue;
        const removedNow =
          (await queue.removeJobScheduler(scheduler.key)) || (await queue.removeRepeatableByKey(scheduler.key));
        if (removedNow) removed.push(`${queueName}:${scheduler.name}:${scheduler.id ?? scheduler.key}`);
      }
    } finally {
      await queue.close();
    }
  }
  if (removed.length > 0)
    logger.info(`Removed ${removed.length} legacy BullMQ repeatables replaced by Temporal Schedules`, { removed });
  return removed;
}
