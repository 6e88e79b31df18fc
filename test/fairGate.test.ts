/** The bridge's start order across tenants: pure logic, asserted by order, not by timing. */
import { FairGate, type Release } from '../src/bridge/fairGate';

/** Queues `count` jobs of `tenant` and records, in order, which tenant's job was let through. */
function enqueue(
  gate: FairGate,
  tenant: string,
  count: number,
  started: string[],
  releases: Release[],
  signal?: AbortSignal,
) {
  return Array.from({ length: count }, () =>
    gate.acquire(tenant, signal).then((release) => {
      started.push(tenant);
      releases.push(release);
    }),
  );
}

/** Lets the gate's promises settle, then releases the oldest running job, `times` times. */
async function drain(releases: Release[], times: number): Promise<void> {
  for (let i = 0; i < times; i += 1) {
    await new Promise((resolve) => setImmediate(resolve));
    releases.shift()?.();
  }
  await new Promise((resolve) => setImmediate(resolve));
}

test('a quiet tenant’s jobs start next to a flood that arrived first, not after it', async () => {
  const gate = new FairGate({ window: 1, weightOf: () => 1 });
  const started: string[] = [];
  const releases: Release[] = [];
  void Promise.allSettled(enqueue(gate, 'noisy', 100, started, releases));
  void Promise.allSettled(enqueue(gate, 'quiet', 3, started, releases));
  await drain(releases, 10);
  // The first noisy job started before the quiet ones arrived; the next start is already quiet's.
  expect(started.slice(0, 8)).toEqual(['noisy', 'quiet', 'noisy', 'quiet', 'noisy', 'quiet', 'noisy', 'noisy']);
  expect(gate.stats()).toEqual({ running: 1, waiting: 103 - started.length });
});

test('weights share starts in proportion while both tenants wait', async () => {
  const gate = new FairGate({ window: 1, weightOf: (tenant) => (tenant === 'gold' ? 3 : 1) });
  const started: string[] = [];
  const releases: Release[] = [];
  void Promise.allSettled(enqueue(gate, 'basic', 50, started, releases));
  void Promise.allSettled(enqueue(gate, 'gold', 50, started, releases));
  await drain(releases, 41);
  const window = started.slice(1, 41); // after the first, which started before gold arrived
  expect(window.filter((t) => t === 'gold')).toHaveLength(30);
  expect(window.filter((t) => t === 'basic')).toHaveLength(10);
});

test('the window bounds started jobs, and the per-tenant cap leaves room for others', async () => {
  const gate = new FairGate({ window: 4, tenantCap: 2, weightOf: () => 1 });
  const started: string[] = [];
  const releases: Release[] = [];
  void Promise.allSettled(enqueue(gate, 'a', 10, started, releases));
  await drain(releases, 0);
  expect(started).toEqual(['a', 'a']); // the cap, although the window has room for 4
  void Promise.allSettled(enqueue(gate, 'b', 10, started, releases));
  void Promise.allSettled(enqueue(gate, 'c', 10, started, releases));
  await drain(releases, 0);
  expect(started).toEqual(['a', 'a', 'b', 'b']); // b's jobs arrived first and filled the window
  await drain(releases, 1); // an `a` finished: the freed place goes to c, the tenant served longest ago
  expect(started).toEqual(['a', 'a', 'b', 'b', 'c']);
  expect(gate.stats()).toEqual({ running: 4, waiting: 25 });
});

test('a waiting job whose signal aborts leaves the line; a release counts once', async () => {
  const gate = new FairGate({ window: 1, weightOf: () => 1 });
  const started: string[] = [];
  const releases: Release[] = [];
  const stop = new AbortController();
  void Promise.allSettled(enqueue(gate, 'a', 1, started, releases));
  const waiting = enqueue(gate, 'b', 2, started, releases, stop.signal);
  await drain(releases, 0);
  stop.abort(new Error('bridge stopping'));
  await expect(Promise.all(waiting)).rejects.toThrow('bridge stopping');
  expect(gate.stats()).toEqual({ running: 1, waiting: 0 });
  releases[0]!();
  releases[0]!();
  expect(gate.stats()).toEqual({ running: 0, waiting: 0 });
  await expect(gate.acquire('c', stop.signal)).rejects.toThrow('bridge stopping');
});
