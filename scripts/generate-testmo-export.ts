/**
 * `npm run testmo:generate -- <file> <cases | size>`: writes a realistic Testmo export, e.g.
 * `npm run testmo:generate -- /tmp/export.json 100MB` or `... /tmp/export.json 5000`.
 */
import { casesForSize, generateTestmoExport, parseSize } from '../src/testmo/exportGenerator';

async function main(): Promise<void> {
  const [file, amount] = process.argv.slice(2);
  if (!file || !amount) throw new Error('usage: testmo:generate <file> <cases | size such as 100MB>');
  const bytes = parseSize(amount);
  const cases = bytes ? await casesForSize(bytes, `${file}.calibration`) : Number(amount);
  if (!Number.isInteger(cases) || cases <= 0)
    throw new Error(`"${amount}" is neither a number of cases nor a size such as 100MB`);
  const generated = await generateTestmoExport(file, { cases });
  console.log(
    JSON.stringify({ file, bytes: generated.bytes, rows: generated.rows, expected: generated.expected }, null, 2),
  );
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
