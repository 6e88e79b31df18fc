/**
 * One JSON request to a tracker, with its failures classified (errors.ts). Rate limits follow the
 * trackers' own headers: `Retry-After` (seconds or an HTTP date) on 429 and 503, and GitHub's
 * `x-ratelimit-remaining: 0` with `x-ratelimit-reset` (epoch seconds) on 403/429.
 */
import { TrackerAuthFailed, TrackerError, TrackerRateLimited } from './errors';

export interface TrackerRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH';
  url: string;
  headers: Record<string, string>;
  body?: unknown;
  contentType?: string;
}

export interface TrackerResponse<T> {
  body: T;
  headers: Headers;
}

/** Without a hint from the tracker, a rate-limited call waits this long. */
const DEFAULT_RATE_LIMIT_WAIT_MS = 60_000;

export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const retryAfter = headers.get('retry-after');
  if (retryAfter) {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
    const at = Date.parse(retryAfter);
    if (!Number.isNaN(at)) return Math.max(0, at - now);
  }
  if (headers.get('x-ratelimit-remaining') === '0') {
    const reset = Number(headers.get('x-ratelimit-reset'));
    if (Number.isFinite(reset) && reset > 0) return Math.max(0, reset * 1000 - now);
  }
  return undefined;
}

export async function trackerRequest<T>(request: TrackerRequest, describe: string): Promise<TrackerResponse<T>> {
  let response: Response;
  try {
    response = await fetch(request.url, {
      method: request.method ?? 'GET',
      headers: {
        accept: 'application/json',
        ...(request.body !== undefined ? { 'content-type': request.contentType ?? 'application/json' } : {}),
        ...request.headers,
      },
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    throw new TrackerError(`${describe}: ${(error as Error).message}`, undefined, true);
  }
  if (response.ok) {
    const text = await response.text();
    return { body: (text ? JSON.parse(text) : undefined) as T, headers: response.headers };
  }
  const detail = (await response.text().catch(() => '')).slice(0, 300);
  const message = `${describe}: HTTP ${response.status}${detail ? ` ${detail}` : ''}`;
  const wait = retryAfterMs(response.headers);
  if (response.status === 429 || (wait !== undefined && (response.status === 403 || response.status === 503))) {
    throw new TrackerRateLimited(message, response.status, wait ?? DEFAULT_RATE_LIMIT_WAIT_MS);
  }
  if (response.status === 401 || response.status === 403) throw new TrackerAuthFailed(message, response.status);
  throw new TrackerError(message, response.status, response.status >= 500 || response.status === 408);
}
