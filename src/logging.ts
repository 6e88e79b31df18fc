/**
 * A small structured logger: one line per event, as text (`time level [component] message
 * {fields}`, the default, readable like TestPlanIt's own lines) or, with LOG_FORMAT=json, one
 * JSON object a line: `{time, level, component, msg, ...fields}` (tenant, queue, jobId,
 * workflowId where known). Job-related lines always carry the tenant, by message text and by the
 * `tenant` field; passwords in connection URLs are masked (redaction.ts).
 */
import { redactCredentials } from './redaction';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFormat = 'text' | 'json';
const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(component: string): Logger;
}

/**
 * Lines go to stderr once per event-loop turn, not one write each: writes to a pipe are
 * synchronous in Node, and a bridge admitting a thousand jobs in one turn would otherwise make a
 * thousand system calls while other tenants' jobs wait. Flushed on exit too.
 */
let pendingLines: string[] = [];
let flushScheduled = false;
function flushLines(): void {
  flushScheduled = false;
  if (pendingLines.length === 0) return;
  const text = pendingLines.join('\n') + '\n';
  pendingLines = [];
  process.stderr.write(text);
}
process.on('exit', flushLines);

function writeToStderr(line: string): void {
  pendingLines.push(line);
  if (flushScheduled) return;
  flushScheduled = true;
  setImmediate(flushLines);
}

export function createLogger(
  component: string,
  minLevel: LogLevel = 'info',
  write: (line: string) => void = writeToStderr,
  format: LogFormat = 'text',
): Logger {
  const emit = (level: LogLevel, message: string, fields?: Record<string, unknown>) => {
    if (LEVELS[level] < LEVELS[minLevel]) return;
    const time = new Date().toISOString();
    let line: string;
    if (format === 'json') {
      line = JSON.stringify({ time, level, component, msg: message, ...fields });
    } else {
      const extra = fields && Object.keys(fields).length > 0 ? ' ' + JSON.stringify(fields) : '';
      line = `${time} ${level.toUpperCase().padEnd(5)} [${component}] ${message}${extra}`;
    }
    // A connection URL in a message or field never shows its password.
    write(redactCredentials(line));
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (sub) => createLogger(`${component}:${sub}`, minLevel, write, format),
  };
}
