/**
 * Decides which admitted job of a queue starts next. BullMQ hands jobs over in FIFO order, so one
 * tenant's flood would delay every other tenant's first job; the bridge therefore admits jobs
 * from Redis well ahead of execution and starts them through this gate:
 *
 * - at most `window` jobs of the queue are started and not yet finished, so the backlog waits
 *   here, where the order is ours, rather than in Temporal's task queue;
 * - the next job to start comes from the tenants with waiting jobs in smooth weighted round-robin
 *   (nginx's algorithm: every eligible tenant gains its weight, the richest is served and pays the
 *   sum), so a tenant of weight 2 starts twice as often as one of weight 1 while both wait, and a
 *   tenant that had nothing waiting does not bank credit for later; ties go to the tenant served
 *   longest ago, so a newcomer's first job is the very next to start;
 * - optionally at most `tenantCap` started jobs per tenant, as the concurrency keys of Hatchet,
 *   Inngest and BullMQ Pro groups do.
 *
 * Pure and synchronous apart from the promises it hands out, so its ordering is unit-tested.
 */

export interface FairGateOptions {
  /** Started-and-unfinished jobs of the queue at most. */
  window: number;
  /** Started-and-unfinished jobs of one tenant at most; undefined: no cap beyond the window. */
  tenantCap?: number;
  /** A tenant's share of starts while several wait; 1 when unknown. */
  weightOf(tenant: string): number;
}

/** Call once the job's workflow finished, or the job was handed back: frees its place. */
export type Release = () => void;

interface Waiter {
  grant(release: Release): void;
}

interface TenantLane {
  waiting: Waiter[];
  running: number;
  /** Smooth weighted round-robin credit. */
  credit: number;
  /** When this tenant last started a job (a dispatch counter): ties go to the longest unserved. */
  lastServed: number;
}

export interface FairGateStats {
  waiting: number;
  running: number;
}

export class FairGate {
  private readonly lanes = new Map<string, TenantLane>();
  private running = 0;
  private waitingCount = 0;
  private dispatched = 0;

  constructor(private readonly options: FairGateOptions) {
    if (!(options.window >= 1)) throw new Error(`FairGate window must be at least 1 (got ${options.window})`);
  }

  /**
   * Resolves with a release once `tenant`'s job may start; rejects with the signal's reason if the
   * signal aborts first (the job is then no longer waiting).
   */
  acquire(tenant: string, signal?: AbortSignal): Promise<Release> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<Release>((resolve, reject) => {
      const lane = this.lane(tenant);
      const onAbort = () => {
        const index = lane.waiting.indexOf(waiter);
        if (index < 0) return;
        lane.waiting.splice(index, 1);
        this.waitingCount -= 1;
        this.forget(tenant, lane);
        reject(signal!.reason);
      };
      const waiter: Waiter = {
        grant: (release) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(release);
        },
      };
      lane.waiting.push(waiter);
      this.waitingCount += 1;
      signal?.addEventListener('abort', onAbort, { once: true });
      this.dispatch();
    });
  }

  stats(): FairGateStats {
    return { waiting: this.waitingCount, running: this.running };
  }

  private lane(tenant: string): TenantLane {
    let lane = this.lanes.get(tenant);
    if (!lane) {
      lane = { waiting: [], running: 0, credit: 0, lastServed: -1 };
      this.lanes.set(tenant, lane);
    }
    return lane;
  }

  /** Lanes with nothing waiting and nothing running are dropped: the map stays as large as the active tenants. */
  private forget(tenant: string, lane: TenantLane): void {
    if (lane.waiting.length === 0 && lane.running === 0) this.lanes.delete(tenant);
  }

  private eligible(lane: TenantLane): boolean {
    return lane.waiting.length > 0 && (this.options.tenantCap === undefined || lane.running < this.options.tenantCap);
  }

  private dispatch(): void {
    while (this.running < this.options.window) {
      const next = this.pickTenant();
      if (!next) return;
      const [tenant, lane] = next;
      const waiter = lane.waiting.shift()!;
      this.waitingCount -= 1;
      lane.running += 1;
      lane.lastServed = this.dispatched++;
      this.running += 1;
      let released = false;
      waiter.grant(() => {
        if (released) return;
        released = true;
        lane.running -= 1;
        this.running -= 1;
        this.forget(tenant, lane);
        this.dispatch();
      });
    }
  }

  private pickTenant(): [string, TenantLane] | undefined {
    let best: [string, TenantLane] | undefined;
    let total = 0;
    for (const entry of this.lanes) {
      const lane = entry[1];
      if (!this.eligible(lane)) continue;
      const weight = this.options.weightOf(entry[0]);
      lane.credit += weight;
      total += weight;
      if (
        !best ||
        lane.credit > best[1].credit ||
        (lane.credit === best[1].credit && lane.lastServed < best[1].lastServed)
      )
        best = entry;
    }
    if (best) best[1].credit -= total;
    return best;
  }
}
