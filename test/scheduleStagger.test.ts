/** The per-tenant stagger of the recurring jobs: pure offsets and cron rewriting, and its setting. */
import { ConfigError, loadConfig } from '../src/config';
import { RECURRING_JOBS } from '../src/schedules/recurringJobs';
import { offsetDailyCron, staggerOffsetMinutes } from '../src/schedules/stagger';

const hundredTenants = Array.from({ length: 100 }, (_, i) => `tenant-${String(i).padStart(3, '0')}`);

describe('staggerOffsetMinutes', () => {
  test('is stable per tenant: the same id gives the same offset, today and after an upgrade', () => {
    expect(staggerOffsetMinutes('acme', 30)).toBe(staggerOffsetMinutes('acme', 30));
    // Pinned: a different hash would move every tenant's schedule on the next sync.
    expect(['acme', 'globex', 'initech'].map((id) => staggerOffsetMinutes(id, 30))).toEqual([7, 15, 28]);
  });

  test('stays within the window, and is 0 when staggering is off', () => {
    for (const window of [1, 7, 30, 60, 1440]) {
      for (const id of hundredTenants) {
        const offset = staggerOffsetMinutes(id, window);
        expect(Number.isInteger(offset)).toBe(true);
        expect(offset).toBeGreaterThanOrEqual(0);
        expect(offset).toBeLessThan(window);
      }
    }
    expect(hundredTenants.map((id) => staggerOffsetMinutes(id, 0))).toEqual(hundredTenants.map(() => 0));
  });

  test('spreads 100 tenants across the whole window', () => {
    const perMinute = new Map<number, number>();
    for (const id of hundredTenants) {
      const offset = staggerOffsetMinutes(id, 30);
      perMinute.set(offset, (perMinute.get(offset) ?? 0) + 1);
    }
    // 100 over 30 minutes is 3.3 a minute on average; unstaggered it is 100 in one.
    expect(perMinute.size).toBeGreaterThanOrEqual(24);
    expect(Math.max(...perMinute.values())).toBeLessThanOrEqual(10);
    const firstHalf = [...perMinute].filter(([minute]) => minute < 15).reduce((sum, [, n]) => sum + n, 0);
    expect(firstHalf).toBeGreaterThanOrEqual(30);
    expect(firstHalf).toBeLessThanOrEqual(70);
  });

  test('refuses a window that is not whole minutes within a day', () => {
    for (const window of [-1, 1.5, 1441, Number.NaN])
      expect(() => staggerOffsetMinutes('acme', window)).toThrow(RangeError);
  });
});

describe('offsetDailyCron', () => {
  test('adds whole minutes to the minute and hour fields', () => {
    expect(offsetDailyCron('0 3 * * *', 0)).toBe('0 3 * * *');
    expect(offsetDailyCron('0 3 * * *', 17)).toBe('17 3 * * *');
    expect(offsetDailyCron('45 6 * * *', 29)).toBe('14 7 * * *');
    expect(offsetDailyCron('0 8 * * *', 150)).toBe('30 10 * * *');
  });

  test('wraps past midnight to the next day’s early hours', () => {
    expect(offsetDailyCron('50 23 * * *', 20)).toBe('10 0 * * *');
    expect(offsetDailyCron('0 3 * * *', 1439)).toBe('59 2 * * *');
    expect(offsetDailyCron('0 0 * * *', 1439)).toBe('59 23 * * *');
  });

  test.each([
    '*/5 * * * *',
    '0 3 * * 1',
    '0 3 1 * *',
    '0,30 3 * * *',
    '0 1-5 * * *',
    '0 3 * * * *',
    '@daily',
    '60 3 * * *',
    '0 24 * * *',
    '',
  ])('refuses a pattern it cannot move by two numbers: %j', (cron) => {
    expect(() => offsetDailyCron(cron, 5)).toThrow(/cannot offset cron/);
  });

  test('refuses an offset that is not whole minutes within a day', () => {
    for (const offset of [-1, 2.5, 1440]) expect(() => offsetDailyCron('0 3 * * *', offset)).toThrow(RangeError);
  });

  test('every recurring job’s cron can be staggered', () => {
    for (const job of RECURRING_JOBS) expect(() => offsetDailyCron(job.cron, 29)).not.toThrow();
  });
});

describe('SCHEDULE_STAGGER_WINDOW', () => {
  const base = { MULTI_TENANT_MODE: 'true', TENANT_CONFIGS: '{}' };

  test('defaults to 30 minutes; 0 turns staggering off', () => {
    expect(loadConfig(base).schedules.staggerWindowMinutes).toBe(30);
    expect(loadConfig({ ...base, SCHEDULE_STAGGER_WINDOW: '0' }).schedules.staggerWindowMinutes).toBe(0);
    expect(loadConfig({ ...base, SCHEDULE_STAGGER_WINDOW: '1440' }).schedules.staggerWindowMinutes).toBe(1440);
  });

  test.each(['-5', '1.5', 'half an hour', '1441', '30m'])('refuses %j with the variable’s name', (value) => {
    const load = () => loadConfig({ ...base, SCHEDULE_STAGGER_WINDOW: value });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(`SCHEDULE_STAGGER_WINDOW must be whole minutes from 0 (off) to 1440, got "${value}"`);
  });
});
