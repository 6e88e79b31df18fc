/**
 * One blocking connection for every queue and prefix the bridge consumes. BullMQ adds a member to
 * `<prefix>:<queue>:marker` whenever a job becomes ready (score 0) or a delayed job is set (score:
 * when it is due). A BullMQ Worker blocks on its own marker with BZPOPMIN, one connection per
 * queue and prefix; here a single BZPOPMIN waits on all of them at once and wakes the source whose
 * marker it popped. Sources whose consumer has no room are left out of the wait, so another bridge
 * gets their markers.
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../logging';

export interface MarkerTarget {
  readonly markerKey: string;
  /** False while the target could not take a job: its marker is left for other consumers. */
  wantsWork(): boolean;
  /** The marker popped: a job is ready (dueAt 0) or a delayed one is due at dueAt (epoch ms). */
  onMarker(dueAt: number): void;
}

/** Re-blocks at least this often so new targets and freed capacity are noticed (seconds). */
const BLOCK_SECONDS = 2;

export class MarkerWatcher {
  private readonly targets = new Map<string, MarkerTarget>();
  private stopped = false;
  private loop?: Promise<void>;
  /** Rotates the key order: BZPOPMIN serves the first ready key, which must not always be the same. */
  private rotation = 0;
  private idle?: { timer: NodeJS.Timeout; resolve(): void };

  constructor(
    private readonly connection: Redis,
    private readonly logger: Logger,
  ) {}

  add(target: MarkerTarget): void {
    this.targets.set(target.markerKey, target);
    this.wake();
  }

  remove(target: MarkerTarget): void {
    this.targets.delete(target.markerKey);
  }

  /** Ends an idle wait early, e.g. when a consumer has room again. */
  wake(): void {
    if (!this.idle) return;
    clearTimeout(this.idle.timer);
    this.idle.resolve();
    this.idle = undefined;
  }

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    // A blocked BZPOPMIN only returns at its timeout; disconnecting ends it now.
    this.connection.disconnect();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const keys = [...this.targets.values()].filter((target) => target.wantsWork()).map((target) => target.markerKey);
      if (keys.length === 0) {
        await this.sleep(BLOCK_SECONDS * 1_000);
        continue;
      }
      const start = this.rotation++ % keys.length;
      const ordered = [...keys.slice(start), ...keys.slice(0, start)];
      let watchdog: NodeJS.Timeout | undefined;
      try {
        // A blocking command can hang on a half-open socket; reconnect if it outlives its timeout.
        const hung = new Promise<null>((resolve) => {
          watchdog = setTimeout(
            () => {
              this.connection.disconnect(true);
              resolve(null);
            },
            BLOCK_SECONDS * 1_000 + 2_000,
          );
        });
        const popped = await Promise.race([this.connection.bzpopmin(...ordered, BLOCK_SECONDS), hung]);
        if (!popped) continue;
        const [key, , score] = popped;
        this.targets.get(key)?.onMarker(Number(score) || 0);
      } catch (error) {
        if (this.stopped) break;
        this.logger.warn(`Waiting for BullMQ markers failed, retrying: ${(error as Error).message}`);
        await this.sleep(1_000);
      } finally {
        clearTimeout(watchdog);
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.idle = {
        timer: setTimeout(() => {
          this.idle = undefined;
          resolve();
        }, ms),
        resolve,
      };
    });
  }
}
