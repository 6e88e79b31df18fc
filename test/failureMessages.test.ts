/** Failure reasons shown on TestPlanIt's admin page are sentences, and which failures are final: pure rules, unit-tested. */
import { Prisma } from '@prisma/client';
import type { ApplicationFailure } from '@temporalio/common';
import { toActivityFailure } from '../src/failures/conversion';
import { cleanFailureMessage } from '../src/failures/messages';

test('a Prisma error keeps its operation and cause, not the calling file or code frame', () => {
  const prisma = [
    '',
    'Invalid `db.notification.createMany()` invocation in',
    '/srv/workers/src/activities/notifications.ts:95:38',
    '',
    "  92 const id = stableRowId('n', origin.idempotencyKey);",
    '  93 ',
    '→ 95   await db.notification.createMany(',
    'Foreign key constraint violated on the constraint: `Notification_userId_fkey`',
  ].join('\n');
  expect(cleanFailureMessage(prisma)).toBe(
    'Invalid `db.notification.createMany()` invocation: Foreign key constraint violated on the constraint: `Notification_userId_fkey`',
  );
});

test('stack frames and inline source locations are dropped; sentences that start with a number are kept', () => {
  expect(
    cleanFailureMessage('TypeError: x is undefined\n    at foo (/srv/app/src/a.ts:1:2)\n    at node:internal/x:3:4'),
  ).toBe('TypeError: x is undefined');
  expect(cleanFailureMessage('Failed in /srv/app/dist/worker.js:12:3 while reading')).toBe('Failed while reading');
  expect(cleanFailureMessage('3 documents rejected: 12 (mapper_parsing_exception)')).toBe(
    '3 documents rejected: 12 (mapper_parsing_exception)',
  );
});

test('an empty message says so, and a huge one is cut', () => {
  expect(cleanFailureMessage('\n  \n')).toBe('Unknown error');
  const long = cleanFailureMessage('x'.repeat(10_000));
  expect(long.length).toBe(2_000);
  expect(long.endsWith('…')).toBe(true);
});

test('a raw statement PostgreSQL refused is final only for a data error (SQLSTATE class 22 or 23)', () => {
  const rawFailure = (sqlState: string) =>
    toActivityFailure(
      new Prisma.PrismaClientKnownRequestError(`Raw query failed. Code: \`${sqlState}\`. Message: \`boom\``, {
        code: 'P2010',
        clientVersion: Prisma.prismaVersion.client,
        // As the pg driver adapter reports it (checked against PostgreSQL 15).
        meta: { driverAdapterError: { name: 'DriverAdapterError', cause: { kind: 'postgres', code: sqlState } } },
      }),
    ) as ApplicationFailure;
  expect(rawFailure('23514').nonRetryable).toBe(true); // check constraint
  expect(rawFailure('22P02').nonRetryable).toBe(true); // invalid text representation
  expect(rawFailure('3D000').nonRetryable).toBe(false); // the database is not there (yet)
  expect(rawFailure('57P01').nonRetryable).toBe(false); // the server was shut down
  expect(rawFailure('53300').nonRetryable).toBe(false); // too many connections
  expect(rawFailure('23514').type).toBe('PrismaP2010');
});
