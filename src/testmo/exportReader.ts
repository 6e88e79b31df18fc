/**
 * Reads a Testmo JSON export of any size as a stream of rows, in constant memory: only the row
 * being assembled is ever held. The layout rules are TestPlanIt's (contract section 9): a dataset
 * is a top-level key, or a key under `datasets` / `entities`; its rows are the items of
 * `data` | `rows` | `records` | `items`, its schema the value of `schema` | `columns` | `fields`;
 * `meta` and `summary` are not datasets.
 */
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import Assembler from 'stream-json/Assembler';
import { parser } from 'stream-json';

const CONTAINER_KEYS = new Set(['datasets', 'entities']);
const DATA_KEYS = new Set(['data', 'rows', 'records', 'items']);
const SCHEMA_KEYS = new Set(['schema', 'columns', 'fields']);
const IGNORED_KEYS = new Set(['meta', 'summary']);

export type ExportItem =
  | { kind: 'row'; dataset: string; rowIndex: number; row: unknown }
  | { kind: 'schema'; dataset: string; schema: unknown };

interface Token {
  name: string;
  value?: unknown;
}

type Frame = { kind: 'object'; key?: string } | { kind: 'array'; index: number };

/** The dataset and role of a value at `path`, if it is a row or a schema. */
function classify(path: Array<string | number>): { kind: 'row' | 'schema'; dataset: string } | undefined {
  const inContainer = typeof path[0] === 'string' && CONTAINER_KEYS.has(path[0]);
  const rest = inContainer ? path.slice(1) : path;
  const dataset = rest[0];
  if (typeof dataset !== 'string' || (!inContainer && (IGNORED_KEYS.has(dataset) || CONTAINER_KEYS.has(dataset))))
    return undefined;
  if (rest.length === 3 && typeof rest[1] === 'string' && DATA_KEYS.has(rest[1]) && typeof rest[2] === 'number')
    return { kind: 'row', dataset };
  if (rest.length === 2 && typeof rest[1] === 'string' && SCHEMA_KEYS.has(rest[1])) return { kind: 'schema', dataset };
  return undefined;
}

const STARTS = new Set(['startObject', 'startArray']);
const ENDS = new Set(['endObject', 'endArray']);
const PRIMITIVES = new Set(['stringValue', 'numberValue', 'nullValue', 'trueValue', 'falseValue']);

/** The export is not well-formed JSON; retrying cannot help. */
export class TestmoExportFormatError extends Error {
  override readonly name = 'TestmoExportFormatError';
}

/**
 * Rows (and schemas) in file order; the consumer's pace is the reader's pace. `source` is a
 * file path or a byte stream (an S3 object body).
 */
export async function* readTestmoExport(source: string | Readable): AsyncGenerator<ExportItem> {
  const bytes = typeof source === 'string' ? createReadStream(source) : source;
  const tokens = bytes.pipe(parser({ packKeys: true, packStrings: true, packNumbers: true, streamValues: false }));
  // A read error of the source (a dropped S3 connection) must end the iteration, not hang it.
  bytes.once('error', (error: Error) => tokens.destroy(error));
  try {
    yield* itemsOf(tokens as unknown as AsyncIterable<Token>);
  } catch (error) {
    if (error instanceof Error && /^Parser (cannot parse input|has expected)/.test(error.message)) {
      throw new TestmoExportFormatError(`The export is not valid JSON: ${error.message}`);
    }
    throw error;
  } finally {
    bytes.destroy();
  }
}

async function* itemsOf(tokens: AsyncIterable<Token>): AsyncGenerator<ExportItem> {
  const frames: Frame[] = [];
  const rowCounts = new Map<string, number>();
  let capture: { assembler: Assembler; depth: number; kind: 'row' | 'schema'; dataset: string } | undefined;

  const pathOfNextValue = (): Array<string | number> =>
    frames.map((frame) => (frame.kind === 'object' ? (frame.key ?? '') : frame.index));

  const finishCapture = (): ExportItem => {
    const done = capture!;
    capture = undefined;
    if (done.kind === 'schema') return { kind: 'schema', dataset: done.dataset, schema: done.assembler.current };
    const rowIndex = rowCounts.get(done.dataset) ?? 0;
    rowCounts.set(done.dataset, rowIndex + 1);
    return { kind: 'row', dataset: done.dataset, rowIndex, row: done.assembler.current };
  };

  // A value inside an array takes the next index once it is complete.
  const valueDone = () => {
    const top = frames[frames.length - 1];
    if (top?.kind === 'array') top.index += 1;
  };

  for await (const token of tokens) {
    if (capture) {
      const assembler = capture.assembler as unknown as Record<string, (value?: unknown) => void>;
      assembler[token.name]?.call(capture.assembler, token.value);
      if (STARTS.has(token.name)) capture.depth += 1;
      if (ENDS.has(token.name)) capture.depth -= 1;
      if (capture.depth === 0) {
        yield finishCapture();
        valueDone();
      }
      continue;
    }
    if (token.name === 'keyValue') {
      const top = frames[frames.length - 1];
      if (top?.kind === 'object') top.key = String(token.value);
      continue;
    }
    if (ENDS.has(token.name)) {
      frames.pop();
      valueDone();
      continue;
    }
    if (!STARTS.has(token.name) && !PRIMITIVES.has(token.name)) continue;
    const target = classify(pathOfNextValue());
    if (target) {
      capture = { assembler: new Assembler(), depth: 0, ...target };
      const assembler = capture.assembler as unknown as Record<string, (value?: unknown) => void>;
      assembler[token.name]?.call(capture.assembler, token.value);
      if (STARTS.has(token.name)) capture.depth = 1;
      else {
        yield finishCapture();
        valueDone();
      }
      continue;
    }
    if (token.name === 'startObject') frames.push({ kind: 'object' });
    else if (token.name === 'startArray') frames.push({ kind: 'array', index: 0 });
    else valueDone();
  }
  if (frames.length > 0 || capture)
    throw new TestmoExportFormatError('The export is not valid JSON: it ends before its last value is complete');
}
