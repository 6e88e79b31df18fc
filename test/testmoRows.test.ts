/** Pure pieces of the Testmo import: staging rows, samples, value parsing, HTML to TipTap, the mapping configuration. */
import { mappingConfiguration, entryFor } from '../src/testmo/configuration';
import { checkReferences, folderPath, junitResultType } from '../src/testmo/phases/automation';
import { ImportDataError } from '../src/testmo/phases/context';
import { rowOf, sampleOf, stagingRow, DatasetSummaries } from '../src/testmo/staging';
import { htmlToTipTap, toBool, toDate, toInt } from '../src/testmo/values';

test('step texts leave the JSON for text columns and come back whole', () => {
  const row = { id: 7, result_id: 3, text1: '<p>Open</p>', text2: null, text3: { html: '<b>x</b>' } };
  const staged = stagingRow('job', 'run_result_steps', 4, row);
  expect(staged).toMatchObject({
    jobId: 'job',
    datasetName: 'run_result_steps',
    rowIndex: 4,
    text1: '<p>Open</p>',
    text2: null,
    text3: '{"html":"<b>x</b>"}',
  });
  expect(staged.rowData).toEqual({ id: 7, result_id: 3 });
  expect(rowOf(staged as never)).toEqual({ id: 7, result_id: 3, text1: '<p>Open</p>', text3: '{"html":"<b>x</b>"}' });
  const field = stagingRow('job', 'automation_run_test_fields', 0, { id: 1, name: 'stdout', value: { lines: 2 } });
  expect(field).toMatchObject({ fieldName: 'stdout', fieldValue: '{"lines":2}', rowData: { id: 1, name: 'stdout' } });
  // The import reads the value back from its column (the row keeps only its name).
  expect(rowOf(field as never)).toEqual({ id: 1, name: 'stdout', value: '{"lines":2}' });
});

test('samples are cut to what the job page shows; configuration datasets keep their rows, others only samples', () => {
  expect(sampleOf('x'.repeat(1500))).toMatch(/^x{1000}… \[500 more characters\]$/);
  expect(sampleOf(Array.from({ length: 12 }, (_, i) => i))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, '[2 more items]']);
  const summaries = new DatasetSummaries();
  for (let i = 0; i < 8; i += 1) {
    summaries.addRow('users', { id: i });
    summaries.addRow('repository_cases', { id: i });
  }
  const [users, cases] = summaries.list();
  expect(users).toMatchObject({ rowCount: 8, truncated: false });
  expect(users!.allRows).toHaveLength(8);
  expect(users!.sampleRows).toHaveLength(5);
  expect(cases).toMatchObject({ rowCount: 8, truncated: true });
  expect(cases!.allRows).toBeUndefined();
  expect(summaries.totalRows).toBe(16);
});

test('loosely typed Testmo values', () => {
  expect([toInt(5), toInt('12'), toInt(' 3 '), toInt('x'), toInt(1.5), toInt(null)]).toEqual([
    5,
    12,
    3,
    undefined,
    undefined,
    undefined,
  ]);
  expect([toBool(1), toBool('true'), toBool(false), toBool('0'), toBool('maybe')]).toEqual([
    true,
    true,
    false,
    false,
    undefined,
  ]);
  expect(toDate('2024-02-03T04:05:06Z')?.toISOString()).toBe('2024-02-03T04:05:06.000Z');
  expect(toDate('not a date')).toBeUndefined();
});

test('HTML becomes TipTap paragraphs with entities decoded', () => {
  expect(htmlToTipTap('<p>Log in as <b>admin</b> &amp; open</p><p>Then&nbsp;save<br>twice</p>')).toEqual({
    type: 'doc',
    content: [
      { type: 'paragraph', content: [{ type: 'text', text: 'Log in as admin & open' }] },
      { type: 'paragraph', content: [{ type: 'text', text: 'Then save' }] },
      { type: 'paragraph', content: [{ type: 'text', text: 'twice' }] },
    ],
  });
  expect(htmlToTipTap('<p> </p>')).toBeUndefined();
  expect(htmlToTipTap(undefined)).toBeUndefined();
});

test('the mapping configuration: ids as keys, numbers coerced, unknown sections kept, bad actions refused', () => {
  const config = mappingConfiguration.parse({
    statuses: { '3': { action: 'map', mappedTo: '12' } },
    users: { 1: { action: 'create', email: 'a@b.c' } },
    extra: true,
  });
  expect(entryFor(config, 'statuses', 3)).toMatchObject({ action: 'map', mappedTo: 12 });
  expect(entryFor(config, 'users', 1)).toMatchObject({ action: 'create', email: 'a@b.c' });
  expect(entryFor(config, 'tags', 1)).toBeUndefined();
  const bad = mappingConfiguration.safeParse({ tags: { 1: { action: 'merge' } } });
  expect(bad.success).toBe(false);
});

test('automation: dotted folders, JUnit result types, references that are not ids', () => {
  expect(folderPath(' ios. checkout..CartTests ')).toEqual(['ios', 'checkout', 'CartTests']);
  expect(folderPath(null)).toEqual([]);

  const status = (name: string, isFailure = false) => ({
    id: 1,
    name,
    systemName: name.toLowerCase(),
    aliases: null,
    isFailure,
  });
  expect(junitResultType('passed', status('Passed'))).toBe('PASSED');
  expect(junitResultType(undefined, status('Broken', true))).toBe('FAILURE');
  expect(junitResultType('failure', undefined)).toBe('FAILURE');
  expect(junitResultType('error', status('Failed', true))).toBe('ERROR');
  expect(junitResultType(undefined, status('Blocked', true))).toBe('SKIPPED');
  expect(junitResultType(undefined, { ...status('Muted'), aliases: 'ignored, skipped' })).toBe('SKIPPED');
  expect(junitResultType(undefined, undefined)).toBe('PASSED');

  const rows = [
    { rowIndex: 0, row: { id: 1, run_id: '7', test_id: null } },
    { rowIndex: 4, row: { id: 9, run_id: 'nightly' } },
  ];
  expect(() => checkReferences('automation_run_links', rows.slice(0, 1), ['run_id', 'test_id'])).not.toThrow();
  const bad = (() => {
    try {
      checkReferences('automation_run_links', rows, ['run_id']);
    } catch (error) {
      return error;
    }
  })();
  expect(bad).toBeInstanceOf(ImportDataError);
  expect((bad as Error).message).toBe('Testmo automation_run_links row 5 (id 9): run_id "nightly" is not an id');
});
