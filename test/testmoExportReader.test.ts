/** The streaming reader of Testmo exports on real files, in both layouts TestPlanIt accepts. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readTestmoExport, type ExportItem } from '../src/testmo/exportReader';

function write(content: unknown): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tpw-testmo-')), 'export.json');
  fs.writeFileSync(file, JSON.stringify(content));
  return file;
}

async function readAll(file: string): Promise<ExportItem[]> {
  const items: ExportItem[] = [];
  for await (const item of readTestmoExport(file)) items.push(item);
  return items;
}

test('datasets under "datasets": schema and rows in order, with per-dataset row indexes', async () => {
  const file = write({
    meta: { version: 3, data: [{ not: 'a row' }] },
    datasets: {
      users: {
        schema: [{ name: 'id' }, { name: 'email' }],
        data: [
          { id: 1, email: 'a@x.test' },
          { id: 2, email: 'b@x.test', tags: [1, 2] },
        ],
      },
      projects: { columns: ['id', 'name'], rows: [{ id: 10, name: 'Web', note: { nested: { deep: [true, null] } } }] },
      tags: { records: [] },
    },
  });
  expect(await readAll(file)).toEqual([
    { kind: 'schema', dataset: 'users', schema: [{ name: 'id' }, { name: 'email' }] },
    { kind: 'row', dataset: 'users', rowIndex: 0, row: { id: 1, email: 'a@x.test' } },
    { kind: 'row', dataset: 'users', rowIndex: 1, row: { id: 2, email: 'b@x.test', tags: [1, 2] } },
    { kind: 'schema', dataset: 'projects', schema: ['id', 'name'] },
    {
      kind: 'row',
      dataset: 'projects',
      rowIndex: 0,
      row: { id: 10, name: 'Web', note: { nested: { deep: [true, null] } } },
    },
  ]);
});

test('top-level datasets; meta and summary are not datasets; scalar rows are rows too', async () => {
  const file = write({
    summary: { items: [1, 2, 3] },
    runs: { items: [{ id: 1 }, { id: 2 }] },
    run_tags: { data: [7, 'x'] },
  });
  const items = await readAll(file);
  expect(items).toEqual([
    { kind: 'row', dataset: 'runs', rowIndex: 0, row: { id: 1 } },
    { kind: 'row', dataset: 'runs', rowIndex: 1, row: { id: 2 } },
    { kind: 'row', dataset: 'run_tags', rowIndex: 0, row: 7 },
    { kind: 'row', dataset: 'run_tags', rowIndex: 1, row: 'x' },
  ]);
});

test('many rows stream through one at a time', async () => {
  const rows = Array.from({ length: 20_000 }, (_, i) => ({
    id: i,
    name: `Case ${i}`,
    steps: [{ text: 'Open' }, { text: 'Check' }],
  }));
  const file = write({ datasets: { repository_cases: { data: rows } } });
  let count = 0;
  let last: unknown;
  for await (const item of readTestmoExport(file)) {
    if (item.kind === 'row') {
      count += 1;
      last = item.row;
    }
  }
  expect(count).toBe(20_000);
  expect(last).toEqual(rows.at(-1));
});

test('malformed JSON fails with the parser’s message', async () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tpw-testmo-')), 'broken.json');
  fs.writeFileSync(file, '{"datasets": {"users": {"data": [{"id": 1},');
  await expect(readAll(file)).rejects.toThrow(/JSON|Parser|end/i);
});
