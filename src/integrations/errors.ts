/**
 * How a tracker call failed, in the terms the sync workflow acts on: wait exactly as long as the
 * tracker asks (rate limit), stop without retrying (credentials), retry with backoff (server
 * trouble), or give up on that one issue (not found, rejected input).
 */
export class TrackerError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    /** Whether trying again later can succeed. */
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** 429, or GitHub's exhausted rate limit: retry after exactly `retryAfterMs`. */
export class TrackerRateLimited extends TrackerError {
  constructor(
    message: string,
    status: number,
    readonly retryAfterMs: number,
  ) {
    super(message, status, true);
  }
}

/** 401/403 or missing/expired credentials: the integration's sync fails, nothing is retried. */
export class TrackerAuthFailed extends TrackerError {
  constructor(message: string, status?: number) {
    super(message, status, false);
  }
}

/**
 * The issue's workflow offers no transition to the requested status (Jira moves issues between
 * statuses only through transitions). Retrying cannot help, and which statuses are reachable is
 * the answer the user needs, so both are named.
 */
export class TrackerStatusUnavailable extends TrackerError {
  constructor(
    readonly issue: string,
    readonly requested: string,
    readonly available: string[],
  ) {
    super(
      `Jira issue ${issue} has no transition to status "${requested}"; its transitions lead to ${
        available.length > 0 ? available.map((name) => `"${name}"`).join(', ') : 'no status'
      }`,
      undefined,
      false,
    );
  }
}
