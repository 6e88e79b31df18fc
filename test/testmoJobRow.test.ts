/**
 * The job row's messages read back: the analysis percentage from TestPlanIt's wording, and a
 * chunk's running step from the message its heartbeat writes.
 */
import {
  analysisPercentOf,
  analysisStatusMessage,
  formatDuration,
  runningStatusMessage,
  runningStepOf,
} from '../src/testmo/jobRow';
import { grewByDoubling } from '../src/testmo/statistics';

test('every percentage survives the message it is written as', () => {
  for (let percent = 0; percent <= 100; percent++)
    expect(analysisPercentOf(analysisStatusMessage(percent))).toBe(percent);
  expect(analysisStatusMessage(42)).toBe('Scanning file... 42% complete');
});

test('other messages carry no percentage', () => {
  for (const text of [
    null,
    undefined,
    '',
    'Importing projects',
    'Import 12% complete',
    'Scanning file... 12% complete (retry)',
  ]) {
    expect(analysisPercentOf(text)).toBeNull();
  }
});

test('a running step is written with its duration and read back as itself, other messages not', () => {
  expect(runningStatusMessage('repositoryFolders', 'linking parents', 130_400)).toBe(
    'repositoryFolders: linking parents, running 2m 10s',
  );
  expect(formatDuration(9_999)).toBe('9s');
  expect(formatDuration(3_725_000)).toBe('1h 2m 5s');
  for (const ms of [0, 45_000, 130_000, 3_725_000]) {
    const text = runningStatusMessage('testRunResults', 'importing rows', ms);
    expect(runningStepOf(text)).toBe(text);
  }
  for (const text of [null, 'Importing repositoryFolders: 1,000 / 20,000 processed', analysisStatusMessage(5)])
    expect(runningStepOf(text)).toBeNull();
});

test('a phase is analysed again each time its rows double, from one chunk on', () => {
  const marks: number[] = [];
  for (let rows = 0; rows < 64_000; rows += 1_000)
    if (grewByDoubling(rows, rows + 1_000, 1_000)) marks.push(rows + 1_000);
  expect(marks).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000]);
  expect(grewByDoubling(500, 500, 1_000)).toBe(false);
});
