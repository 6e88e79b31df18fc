/**
 * The Jira, GitHub and Azure DevOps clients against tracker APIs served over real HTTP on
 * loopback: reads, pagination, create, update, and how each failure is classified.
 */
import { createCipheriv, pbkdf2Sync, randomBytes } from 'node:crypto';
import { TrackerAuthFailed, TrackerError, TrackerRateLimited } from '../src/integrations/errors';
import { trackerFor, type IntegrationRow } from '../src/integrations/trackers';
import { trackerCreationMark } from '../src/jobs/ids';
import type { IssueTracker } from '../src/integrations/types';
import { FakeTrackers } from './support/fakeTrackers';

const fake = new FakeTrackers();
const KEY = 'test-encryption-key';

/** TestPlanIt's encryption format, written independently of src/integrations/secrets.ts. */
function encryptLikeTestPlanIt(text: string): string {
  const salt = randomBytes(32);
  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-256-gcm', pbkdf2Sync(KEY, salt, 100_000, 32, 'sha256'), iv);
  const encrypted = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
  return Buffer.concat([salt, iv, cipher.getAuthTag(), encrypted]).toString('base64');
}

function integration(
  provider: IntegrationRow['provider'],
  authType: IntegrationRow['authType'],
  credentials: unknown,
  settings: unknown,
): IntegrationRow {
  return { id: 1, name: `${provider} test`, provider, authType, credentials, settings };
}

let jira: IssueTracker;
let github: IssueTracker;
let ado: IssueTracker;

beforeAll(async () => {
  await fake.start();
  fake.jira.set(
    'AUTH',
    Array.from({ length: 23 }, (_, i) => ({
      number: i + 1,
      title: `Login bug ${i + 1}`,
      body: `Steps ${i + 1}`,
      state: 'Open',
    })),
  );
  fake.github.set(
    'acme/web',
    Array.from({ length: 7 }, (_, i) => ({
      number: i + 1,
      title: `Web bug ${i + 1}`,
      body: `Body ${i + 1}`,
      state: 'open',
    })),
  );
  fake.ado.set(
    'Mobile',
    Array.from({ length: 12 }, (_, i) => ({
      number: 100 + i,
      title: `Crash ${i}`,
      body: `Trace ${i}`,
      state: 'Active',
    })),
  );
  jira = trackerFor(
    integration(
      'JIRA',
      'API_KEY',
      { encrypted: encryptLikeTestPlanIt(JSON.stringify({ email: 'qa@example.test', apiToken: 'jira-token' })) },
      { baseUrl: `${fake.baseUrl}/jira` },
    ),
    undefined,
    KEY,
  );
  github = trackerFor(
    integration(
      'GITHUB',
      'PERSONAL_ACCESS_TOKEN',
      { personalAccessToken: 'ghp_test' },
      { baseUrl: `${fake.baseUrl}/github` },
    ),
    undefined,
    KEY,
  );
  ado = trackerFor(
    integration(
      'AZURE_DEVOPS',
      'PERSONAL_ACCESS_TOKEN',
      { personalAccessToken: 'ado-pat' },
      { organizationUrl: `${fake.baseUrl}/ado/contoso` },
    ),
    undefined,
    KEY,
  );
});

afterAll(() => fake.stop());

test('Jira: decrypted API key as Basic auth, issue by key, JQL pages by token, create and update', async () => {
  const issue = await jira.getIssue('AUTH-3');
  expect(issue).toMatchObject({
    externalId: 'AUTH-3',
    title: 'Login bug 3',
    description: 'Steps 3',
    status: 'Open',
    url: `${fake.baseUrl}/jira/browse/AUTH-3`,
    issueTypeName: 'Bug',
  });
  expect(fake.seen(/GET \/jira\/rest\/api\/3\/issue\/AUTH-3/).at(-1)!.authorization).toBe(
    `Basic ${Buffer.from('qa@example.test:jira-token').toString('base64')}`,
  );
  const keys: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await jira.listIssues('AUTH', cursor, 10);
    keys.push(...page.issues.map((i) => i.externalId));
    cursor = page.next;
    pages += 1;
  } while (cursor);
  expect(pages).toBe(3);
  expect(keys).toEqual(Array.from({ length: 23 }, (_, i) => `AUTH-${i + 1}`));
  const mark = trackerCreationMark('tenant-a/issue-sync/7@1700000000000');
  expect(await jira.findCreatedIssue('AUTH', mark)).toBeUndefined();
  const created = await jira.createIssue('AUTH', {
    title: 'Created from TestPlanIt',
    description: 'Found in run 12',
    issueType: 'Bug',
    mark,
  });
  expect(created).toMatchObject({
    externalId: 'AUTH-24',
    title: 'Created from TestPlanIt',
    description: 'Found in run 12',
  });
  expect(fake.jira.get('AUTH')!.at(-1)!.labels).toEqual([mark]);
  expect(await jira.findCreatedIssue('AUTH', mark)).toMatchObject({ externalId: 'AUTH-24' });
  expect(
    await jira.findCreatedIssue('AUTH', trackerCreationMark('tenant-a/issue-sync/8@1700000000000')),
  ).toBeUndefined();
  expect(await jira.updateIssue('AUTH-24', { title: 'Renamed' })).toMatchObject({
    title: 'Renamed',
    description: 'Found in run 12',
  });
});

test('GitHub: owner/repo#n ids, Link-header pages, create and update (state too)', async () => {
  expect(await github.getIssue('acme/web#2')).toMatchObject({
    externalId: 'acme/web#2',
    title: 'Web bug 2',
    status: 'open',
    data: { _github_owner: 'acme', _github_repo: 'web' },
  });
  expect(fake.seen(/GET \/github\/repos\/acme\/web\/issues\/2/).at(-1)!.authorization).toBe('Bearer ghp_test');
  const first = await github.listIssues('acme/web', undefined, 5);
  const second = await github.listIssues('acme/web', first.next, 5);
  expect([first.issues.length, first.next, second.issues.length, second.next]).toEqual([5, '2', 2, undefined]);
  const mark = trackerCreationMark('tenant-a/issue-sync/9@1700000000000');
  expect(await github.findCreatedIssue('acme/web', mark)).toBeUndefined();
  const created = await github.createIssue('acme/web', {
    title: 'From a failed result',
    description: 'Stack trace',
    mark,
  });
  expect(created).toMatchObject({ externalId: 'acme/web#8', description: 'Stack trace' });
  // The mark is an HTML comment GitHub does not render, and it is not part of TestPlanIt's copy.
  expect(fake.github.get('acme/web')!.at(-1)!.body).toBe(`Stack trace\n\n<!-- ${mark} -->`);
  expect(await github.findCreatedIssue('acme/web', mark)).toMatchObject({
    externalId: 'acme/web#8',
    description: 'Stack trace',
  });
  expect(await github.updateIssue('acme/web#8', { status: 'closed' })).toMatchObject({
    status: 'closed',
    title: 'From a failed result',
  });
  await expect(github.getIssue('not-an-id')).rejects.toThrow(
    'GitHub issue ids look like owner/repo#123, got "not-an-id"',
  );
});

test('Azure DevOps: PAT as Basic with an empty user, WIQL keyset pages, create and update with JSON Patch', async () => {
  expect(await ado.getIssue('103')).toMatchObject({
    externalId: '103',
    title: 'Crash 3',
    description: 'Trace 3',
    status: 'Active',
    issueTypeName: 'Bug',
  });
  expect(fake.seen(/GET \/ado\/contoso\/_apis\/wit\/workitems\/103/).at(-1)!.authorization).toBe(
    `Basic ${Buffer.from(':ado-pat').toString('base64')}`,
  );
  const first = await ado.listIssues('Mobile', undefined, 5);
  const second = await ado.listIssues('Mobile', first.next, 5);
  const third = await ado.listIssues('Mobile', second.next, 5);
  expect([...first.issues, ...second.issues, ...third.issues].map((i) => i.externalId)).toEqual(
    Array.from({ length: 12 }, (_, i) => String(100 + i)),
  );
  expect(third.next).toBeUndefined();
  const mark = trackerCreationMark('tenant-b/issue-sync/3@1700000000000');
  expect(await ado.findCreatedIssue('Mobile', mark)).toBeUndefined();
  const created = await ado.createIssue('Mobile', {
    title: 'New crash',
    description: 'From session 4',
    issueType: 'Bug',
    mark,
  });
  expect(created).toMatchObject({ externalId: '112', title: 'New crash', issueTypeName: 'Bug' });
  expect(fake.ado.get('Mobile')!.at(-1)!.labels).toEqual([mark]);
  expect(await ado.findCreatedIssue('Mobile', mark)).toMatchObject({ externalId: '112', title: 'New crash' });
  expect(await ado.updateIssue('112', { status: 'Resolved' })).toMatchObject({ status: 'Resolved' });
});

test('failures are classified: rate limits carry the wait the tracker asked for, 401 is final, 5xx retryable', async () => {
  fake.fail(/GET \/jira\/rest\/api\/3\/issue\/AUTH-1/, 429, { 'retry-after': '7' });
  const limited = await jira.getIssue('AUTH-1').catch((error: unknown) => error);
  expect(limited).toBeInstanceOf(TrackerRateLimited);
  expect((limited as TrackerRateLimited).retryAfterMs).toBe(7_000);

  const reset = Math.floor(Date.now() / 1000) + 30;
  fake.fail(/GET \/github\/repos\/acme\/web\/issues\/1/, 403, {
    'x-ratelimit-remaining': '0',
    'x-ratelimit-reset': String(reset),
  });
  const exhausted = (await github.getIssue('acme/web#1').catch((error: unknown) => error)) as TrackerRateLimited;
  expect(exhausted).toBeInstanceOf(TrackerRateLimited);
  expect(exhausted.retryAfterMs).toBeGreaterThan(25_000);
  expect(exhausted.retryAfterMs).toBeLessThanOrEqual(30_000);

  fake.fail(/GET \/ado\/contoso\/_apis\/wit\/workitems\/101/, 401);
  const denied = await ado.getIssue('101').catch((error: unknown) => error);
  expect(denied).toBeInstanceOf(TrackerAuthFailed);
  expect((denied as TrackerError).retryable).toBe(false);

  fake.fail(/GET \/jira\/rest\/api\/3\/issue\/AUTH-2/, 502);
  const broken = (await jira.getIssue('AUTH-2').catch((error: unknown) => error)) as TrackerError;
  expect([broken.constructor, broken.status, broken.retryable]).toEqual([TrackerError, 502, true]);

  const missing = (await jira.getIssue('AUTH-999').catch((error: unknown) => error)) as TrackerError;
  expect([missing.status, missing.retryable]).toEqual([404, false]);
});

test('OAuth tokens: the user’s decrypted token as Bearer; an expired one is refused before any call', async () => {
  const oauth = integration('GITHUB', 'OAUTH2', {}, { baseUrl: `${fake.baseUrl}/github` });
  const tracker = trackerFor(
    oauth,
    { accessToken: encryptLikeTestPlanIt('gho_user'), tokenExpiresAt: new Date(Date.now() + 60_000) },
    KEY,
  );
  await tracker.getIssue('acme/web#3');
  expect(fake.seen(/GET \/github\/repos\/acme\/web\/issues\/3/).at(-1)!.authorization).toBe('Bearer gho_user');
  const expiredAt = new Date(Date.now() - 1_000);
  expect(() => trackerFor(oauth, { accessToken: 'x', tokenExpiresAt: expiredAt }, KEY)).toThrow(
    `The OAuth token for integration "GITHUB test" expired at ${expiredAt.toISOString()}; the user must reconnect`,
  );
  expect(() => trackerFor(oauth, undefined, KEY)).toThrow(TrackerAuthFailed);
  expect(() =>
    trackerFor(integration('JIRA', 'API_KEY', { encrypted: 'garbage' }, { baseUrl: 'http://x' }), undefined, KEY),
  ).toThrow('Credentials of integration "JIRA test" cannot be decrypted with ENCRYPTION_KEY');
});
