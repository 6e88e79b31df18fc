/** The analysis progress message: TestPlanIt's wording written, the percentage read back from it alone. */
import { analysisPercentOf, analysisStatusMessage } from '../src/testmo/jobRow';

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
