/** Tenant configuration as TestPlanIt reads it: sources, precedence, normalisation, refusal of bad input. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError, loadConfig } from '../src/config';
import { createLogger } from '../src/logging';
import { entityIndexName } from '../src/tenancy/elasticsearch';
import { TenancyError, TenantConfigError } from '../src/tenancy/errors';
import { SINGLE_TENANT_KEY } from '../src/jobs/ids';
import { TenantRegistry } from '../src/tenancy/registry';
import { loadTenantConfigs, type TenantSources } from '../src/tenancy/tenantConfig';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tpw-tenancy-'));
const readFile = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined);

function writeTenantsFile(content: unknown): string {
  const file = path.join(dir, `tenants-${Math.random().toString(36).slice(2)}.json`);
  fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

function sources(overrides: Partial<TenantSources>): TenantSources {
  return { configFile: path.join(dir, 'absent.json'), configFileRequired: false, env: {}, ...overrides };
}

function capture() {
  const lines: string[] = [];
  return { lines, logger: createLogger('test', 'debug', (line) => lines.push(line)) };
}

describe('loadTenantConfigs', () => {
  test('reads the file, then TENANT_CONFIGS over it, then TENANT_<ID>_* only for new ids', () => {
    const file = writeTenantsFile({
      alpha: { databaseUrl: 'postgresql://file/alpha', baseUrl: 'https://alpha.example' },
      beta: { databaseUrl: 'postgresql://file/beta' },
    });
    const { tenants, summary } = loadTenantConfigs(
      sources({
        configFile: file,
        configsJson: JSON.stringify({
          beta: { databaseUrl: 'postgresql://json/beta', elasticsearchNode: 'http://es:9200' },
        }),
        env: {
          TENANT_ALPHA_DATABASE_URL: 'postgresql://env/alpha',
          TENANT_TENANT_A_DATABASE_URL: 'postgresql://env/tenant_a',
          TENANT_TENANT_A_ELASTICSEARCH_NODE: 'http://es-a:9200',
          TENANT_TENANT_A_ELASTICSEARCH_INDEX: 'custom',
          TENANT_TENANT_A_BASE_URL: 'https://a.example',
          TENANT_EMPTY_DATABASE_URL: '',
          UNRELATED: 'x',
        },
      }),
      readFile,
    );
    expect(Object.fromEntries(tenants)).toEqual({
      alpha: { tenantId: 'alpha', databaseUrl: 'postgresql://file/alpha', baseUrl: 'https://alpha.example' },
      beta: { tenantId: 'beta', databaseUrl: 'postgresql://json/beta', elasticsearchNode: 'http://es:9200' },
      tenant_a: {
        tenantId: 'tenant_a',
        databaseUrl: 'postgresql://env/tenant_a',
        elasticsearchNode: 'http://es-a:9200',
        elasticsearchIndex: 'custom',
        baseUrl: 'https://a.example',
      },
    });
    expect(summary).toEqual([
      `Loaded 2 tenant configurations from ${file}`,
      'Loaded 1 tenant configurations from TENANT_CONFIGS env var',
      'Loaded 1 tenant configurations from TENANT_<ID>_DATABASE_URL env vars',
    ]);
  });

  test('hyphenated ids come from JSON; env ids are lowercased', () => {
    const { tenants } = loadTenantConfigs(
      sources({
        configsJson: JSON.stringify({ 'tenant-a': { databaseUrl: 'postgresql://h/a' } }),
        env: { TENANT_ACME_CORP_DATABASE_URL: 'postgresql://h/acme' },
      }),
      readFile,
    );
    expect([...tenants.keys()].sort()).toEqual(['acme_corp', 'tenant-a']);
  });

  test.each([
    [{ configsJson: '{not json' }, /^TENANT_CONFIGS: not valid JSON/],
    [{ configsJson: '[]' }, /^TENANT_CONFIGS: must be a JSON object/],
    [{ configsJson: JSON.stringify({ acme: {} }) }, /^TENANT_CONFIGS: tenant "acme" databaseUrl /],
    [
      { configsJson: JSON.stringify({ acme: { databaseUrl: 'mysql://x' } }) },
      /tenant "acme" databaseUrl must be a postgresql:\/\/ connection URL/,
    ],
    [
      { configsJson: JSON.stringify({ Acme: { databaseUrl: 'postgresql://x' } }) },
      /tenant id "Acme" must be lowercase/,
    ],
    [
      { env: { TENANT_X_DATABASE_URL: 'postgresql://x', TENANT_X_BASE_URL: 'not-a-url' } },
      /^TENANT_X_DATABASE_URL: tenant "x" baseUrl must be an http\(s\):\/\/ URL/,
    ],
    [
      { configFile: '/nonexistent/tenants.json', configFileRequired: true },
      /^TENANT_CONFIG_FILE: \/nonexistent\/tenants.json does not exist$/,
    ],
  ])('refuses %j naming the key', (override, message) => {
    expect(() => loadTenantConfigs(sources(override as Partial<TenantSources>), readFile)).toThrow(TenantConfigError);
    expect(() => loadTenantConfigs(sources(override as Partial<TenantSources>), readFile)).toThrow(message);
  });

  test('a malformed file is refused with its path', () => {
    const file = writeTenantsFile('{"a": ');
    expect(() => loadTenantConfigs(sources({ configFile: file }), readFile)).toThrow(
      `TENANT_CONFIG_FILE (${file}): not valid JSON`,
    );
  });
});

describe('TenantRegistry', () => {
  test('multi-tenant: TestPlanIt’s error texts, and a tenant added to the file is found without restart', () => {
    const file = writeTenantsFile({ one: { databaseUrl: 'postgresql://h/one' } });
    let now = 0;
    const { lines, logger } = capture();
    const registry = new TenantRegistry(
      { mode: 'multi', sources: sources({ configFile: file }), reloadMinIntervalMs: 5000 },
      logger,
      readFile,
      () => now,
    );
    expect(lines.some((line) => line.includes(`Loaded 1 tenant configurations from ${file}`))).toBe(true);
    expect(registry.resolve('one')).toMatchObject({ tenantId: 'one', key: 'one', databaseUrl: 'postgresql://h/one' });
    expect(() => registry.resolve(undefined)).toThrow(new TenancyError('tenantId is required in multi-tenant mode'));
    expect(() => registry.resolve('')).toThrow('tenantId is required in multi-tenant mode');
    expect(() => registry.resolve(42)).toThrow('tenantId is required in multi-tenant mode');

    fs.writeFileSync(
      file,
      JSON.stringify({ one: { databaseUrl: 'postgresql://h/one' }, two: { databaseUrl: 'postgresql://h/two' } }),
    );
    now = 1000; // within the reload interval: no re-read yet
    expect(() => registry.resolve('two')).toThrow('No configuration found for tenant: two');
    now = 10_000;
    expect(registry.resolve('two').databaseUrl).toBe('postgresql://h/two');
  });

  test('a broken file at reload keeps the known tenants', () => {
    const file = writeTenantsFile({ one: { databaseUrl: 'postgresql://h/one' } });
    const { lines, logger } = capture();
    const registry = new TenantRegistry(
      { mode: 'multi', sources: sources({ configFile: file }), reloadMinIntervalMs: 0 },
      logger,
      readFile,
    );
    fs.writeFileSync(file, '{broken');
    expect(() => registry.resolve('other')).toThrow('No configuration found for tenant: other');
    expect(registry.resolve('one').databaseUrl).toBe('postgresql://h/one');
    expect(lines.some((line) => line.includes('Tenant configuration reload failed, keeping 1 known tenants'))).toBe(
      true,
    );
  });

  test('single-tenant: DATABASE_URL for every job, tenantId ignored', () => {
    const registry = new TenantRegistry(
      { mode: 'single', databaseUrl: 'postgresql://h/main', elasticsearchNode: 'http://es:9200' },
      capture().logger,
    );
    for (const tenantId of [undefined, 'whatever']) {
      expect(registry.resolve(tenantId)).toEqual({
        key: SINGLE_TENANT_KEY,
        databaseUrl: 'postgresql://h/main',
        elasticsearchNode: 'http://es:9200',
        baseUrl: undefined,
      });
    }
  });
});

describe('loadConfig', () => {
  const base = { MULTI_TENANT_MODE: 'true', TENANT_CONFIGS: '{}' };

  test('TestPlanIt’s defaults and names', () => {
    const config = loadConfig({ ...base, VALKEY_URL: 'valkey://cache:6380', AUDIT_LOG_CONCURRENCY: '25' });
    expect(config.redis).toEqual({ url: 'redis://cache:6380', prefix: 'bull' });
    expect(config.concurrency).toEqual({
      'forecast-updates': 5,
      notifications: 5,
      emails: 3,
      'issue-sync': 1,
      'testmo-imports': 1,
      'elasticsearch-reindex': 2,
      'audit-logs': 25,
    });
    expect(config.temporal.connection.address).toBe('127.0.0.1:7233');
    expect(config.temporal.namespace).toBe('default');
  });

  test('Temporal’s own environment conventions', () => {
    const config = loadConfig({
      ...base,
      TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233',
      TEMPORAL_NAMESPACE: 'ns.acct',
      TEMPORAL_API_KEY: 'secret',
    });
    expect(config.temporal.connection).toMatchObject({
      address: 'ns.acct.tmprl.cloud:7233',
      apiKey: 'secret',
      tls: true,
    });
    expect(config.temporal.namespace).toBe('ns.acct');
  });

  test.each([
    [{ EMAIL_CONCURRENCY: 'many' }, 'EMAIL_CONCURRENCY must be a positive integer, got "many"'],
    [{ MULTI_TENANT_MODE: 'yes' }, 'MULTI_TENANT_MODE must be "true" or "false", got "yes"'],
    [{ BULLMQ_PREFIX: 'bad prefix' }, 'BULLMQ_PREFIX must match [a-zA-Z0-9_-]+, got "bad prefix"'],
    [{ VALKEY_URL: 'http://x' }, 'VALKEY_URL must be a redis:// or valkey:// URL, got "http://x"'],
    [{ BRIDGE_QUEUES: 'audit-logs,nope' }, 'BRIDGE_QUEUES: unknown queue(s) nope'],
    [{ MULTI_TENANT_MODE: 'false' }, 'DATABASE_URL is required when MULTI_TENANT_MODE is not "true"'],
  ])('refuses %j', (override, message) => {
    expect(() => loadConfig({ ...base, ...override })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, ...override })).toThrow(message);
  });
});

test('index names follow TestPlanIt: testplanit-<tenantId>-<entity>, or testplanit-<entity>', () => {
  expect(entityIndexName('repository-cases', 'tenant_a')).toBe('testplanit-tenant_a-repository-cases');
  expect(entityIndexName('test-runs')).toBe('testplanit-test-runs');
});
