/**
 * Spreads the tenants' recurring jobs over a window after their cron time, so 100 tenants do not
 * all start their 03:00 forecast in the same second and hit the workers and databases at once.
 *
 * The offset is a pure function of the tenant id: the same tenant always fires at the same time
 * (predictable for operators, and a re-sync computes the same schedule, so sync stays a no-op),
 * and it is written into the cron pattern itself, so `temporal schedule describe` shows the real
 * time. Temporal's `jitter` would spread runs too, but randomly per run and invisibly.
 *
 * One offset per tenant, the same for all its jobs, keeps the gaps between a tenant's jobs (the
 * 03:00 forecast before the 06:00 milestone jobs) as they are.
 */
import { createHash } from 'node:crypto';

export const MINUTES_PER_DAY = 24 * 60;

/**
 * Whole minutes in [0, windowMinutes) for this tenant; 0 when the window is 0 (staggering off).
 * Minutes, not seconds, because the offset lands in a cron pattern's minute field.
 */
export function staggerOffsetMinutes(tenantId: string, windowMinutes: number): number {
  if (!Number.isInteger(windowMinutes) || windowMinutes < 0 || windowMinutes > MINUTES_PER_DAY) {
    throw new RangeError(
      `stagger window must be a whole number of minutes from 0 to ${MINUTES_PER_DAY}, got ${windowMinutes}`,
    );
  }
  if (windowMinutes === 0) return 0;
  // 32 bits of sha256: uniform enough that the modulo bias (< 1 in 2^32 / 1440) does not matter.
  return createHash('sha256').update(tenantId).digest().readUInt32BE(0) % windowMinutes;
}

const DAILY_CRON = /^(\d{1,2}) (\d{1,2}) \* \* \*$/;

/**
 * `M H * * *` plus `offsetMinutes`, wrapping past midnight ("50 23 * * *" + 20 = "10 0 * * *").
 * Only this shape is accepted: for anything else (lists, ranges, steps, day fields) adding minutes
 * is not a rewrite of two numbers, and a wrong guess would silently move a job. A daily job that
 * wraps past midnight still runs once a day, just on the other side of midnight.
 */
export function offsetDailyCron(cron: string, offsetMinutes: number): string {
  const match = DAILY_CRON.exec(cron.trim());
  if (!match) {
    throw new Error(
      `cannot offset cron "${cron}": only daily patterns "M H * * *" with a single minute and hour are supported`,
    );
  }
  const minute = Number(match[1]);
  const hour = Number(match[2]);
  if (minute > 59 || hour > 23) throw new Error(`cannot offset cron "${cron}": minute must be 0-59 and hour 0-23`);
  if (!Number.isInteger(offsetMinutes) || offsetMinutes < 0 || offsetMinutes >= MINUTES_PER_DAY) {
    throw new RangeError(
      `cron offset must be a whole number of minutes from 0 to ${MINUTES_PER_DAY - 1}, got ${offsetMinutes}`,
    );
  }
  if (offsetMinutes === 0) return cron;
  const total = (hour * 60 + minute + offsetMinutes) % MINUTES_PER_DAY;
  return `${total % 60} ${Math.floor(total / 60)} * * *`;
}
