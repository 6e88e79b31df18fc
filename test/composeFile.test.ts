/**
 * docker-compose.yml is a deployment nobody runs in the tests, so it is checked here against what
 * the tests do run: it parses as a compose file, sets only variables the code reads (with values
 * it accepts), runs commands that exist, and pins the versions scripts/infra.sh tests against.
 * Pure: reads files, starts nothing.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadConfig } from '../src/config';
import { loadTenantConfigs } from '../src/tenancy/tenantConfig';

// js-yaml comes with jest (via @istanbuljs/load-nyc-config), without types. Version 3 needs the
// safe schema named; version 4 has no DEFAULT_SAFE_SCHEMA and loads safely by default.
const yaml = require('js-yaml') as {
  load(text: string, options?: { schema?: unknown }): unknown;
  DEFAULT_SAFE_SCHEMA?: unknown;
};

const root = path.join(__dirname, '..');
const read = (file: string) => fs.readFileSync(path.join(root, file), 'utf8');

type Dict = Record<string, unknown>;
const isDict = (value: unknown): value is Dict => typeof value === 'object' && value !== null && !Array.isArray(value);

const compose = yaml.load(read('docker-compose.yml'), { schema: yaml.DEFAULT_SAFE_SCHEMA });
const services: Record<string, Dict> = isDict(compose) && isDict(compose.services) ? (compose.services as never) : {};
const serviceNames = Object.keys(services);

/** `environment:` as a map or as a `KEY=VALUE` list; compose turns `$$` into `$`. */
function environmentOf(service: Dict): Record<string, string> {
  const raw = service.environment;
  const entries: [string, unknown][] = Array.isArray(raw)
    ? raw.map((item) => {
        const [key, ...value] = String(item).split('=');
        return [key!, value.join('=')];
      })
    : Object.entries(isDict(raw) ? raw : {});
  return Object.fromEntries(entries.map(([key, value]) => [key, String(value ?? '').replace(/\$\$/g, '$')]));
}

/** A `command:`/`entrypoint:` as argv: a list as is, a string split as compose does (no shell). */
const argv = (value: unknown): string[] | undefined =>
  value === undefined || value === null
    ? undefined
    : Array.isArray(value)
      ? value.map(String)
      : String(value).split(/\s+/);

// ------------------------------------------------------------------ the project's image
const dockerfile = read('Dockerfile');
/** The last exec-form `ENTRYPOINT [...]` / `CMD [...]` at the start of a line (not HEALTHCHECK's CMD). */
function dockerfileExec(instruction: 'ENTRYPOINT' | 'CMD'): string[] {
  const matches = [...dockerfile.matchAll(new RegExp(`^${instruction}\\s+(\\[.*\\])\\s*$`, 'gm'))];
  return matches.length > 0 ? (JSON.parse(matches[matches.length - 1]![1]!) as string[]) : [];
}
const dockerfileEnv = Object.fromEntries(
  [...dockerfile.matchAll(/^ENV\s+(.+)$/gm)].flatMap(([, rest]) =>
    rest!.includes('=')
      ? rest!.split(/\s+/).map((pair) => pair.split('=', 2) as [string, string])
      : [rest!.split(/\s+/, 2) as [string, string]],
  ),
);

const packageJson = JSON.parse(read('package.json')) as { name: string; scripts: Record<string, string> };
const isRootBuild = (build: unknown) => {
  const context = typeof build === 'string' ? build : isDict(build) ? build.context : undefined;
  const file = isDict(build) ? (build.dockerfile ?? 'Dockerfile') : 'Dockerfile';
  return typeof context === 'string' && path.resolve(root, context) === root && file === 'Dockerfile';
};
const builtImages = new Set(
  serviceNames.filter((name) => isRootBuild(services[name]!.build)).map((name) => services[name]!.image),
);
/** Built from the root Dockerfile, or running the image such a service builds or the package's name. */
const projectServices = serviceNames.filter((name) => {
  const { build, image } = services[name]!;
  if (isRootBuild(build)) return true;
  return (
    typeof image === 'string' &&
    (builtImages.has(image) || imageParts(image).repository.split('/').pop() === packageJson.name)
  );
});

function imageParts(image: string): { repository: string; tag?: string; digest?: string } {
  const [withoutDigest, digest] = image.split('@') as [string, string | undefined];
  const colon = withoutDigest.lastIndexOf(':');
  return colon > withoutDigest.lastIndexOf('/')
    ? { repository: withoutDigest.slice(0, colon), tag: withoutDigest.slice(colon + 1), digest }
    : { repository: withoutDigest, digest };
}

/** What a service runs: a compose entrypoint drops the image's CMD; the project's image's is the Dockerfile's. */
function effectiveArgv(name: string): string[] {
  const service = services[name]!;
  const entrypoint = argv(service.entrypoint);
  const command = argv(service.command);
  if (entrypoint) return [...entrypoint, ...(command ?? [])];
  if (projectServices.includes(name)) return [...dockerfileExec('ENTRYPOINT'), ...(command ?? dockerfileExec('CMD'))];
  return command ?? [];
}

// ------------------------------------------------------------------ variables the code reads
/**
 * The environment variables the process reads, found statically in every module src/main.ts (the
 * image's entry point) reaches through relative imports:
 *   - `env.NAME`, `process.env.NAME`, `env['NAME']`;
 *   - names handed to config.ts's readers, which look them up in env: `int('NAME'`, `bool('NAME'`,
 *     `positiveInt('NAME'`;
 *   - names in `...Env: 'NAME'` properties (QUEUE_SETTINGS' concurrencyEnv, read as env[concurrencyEnv]);
 *   - patterns: template keys env[`TENANT_${id}_SUFFIX`] and key regexes /^TENANT_([A-Z0-9_]+)_SUFFIX$/
 *     become TENANT_<ID>_SUFFIX;
 *   - when @temporalio/envconfig is imported (loadClientConnectConfig, given the whole env): the
 *     'TEMPORAL_...' names its compiled code reads, a name ending in `_` being a prefix (TEMPORAL_GRPC_META_*).
 */
function readVariables(): { names: Set<string>; patterns: RegExp[] } {
  const names = new Set<string>();
  const patterns: RegExp[] = [];
  const seen = new Set<string>();
  let usesEnvconfig = false;
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = fs.readFileSync(file, 'utf8');
    for (const [, name] of source.matchAll(/\benv\.([A-Z][A-Z0-9_]*)\b/g)) names.add(name!);
    for (const [, name] of source.matchAll(/\benv\[\s*['"]([A-Z][A-Z0-9_]*)['"]\s*\]/g)) names.add(name!);
    for (const [, name] of source.matchAll(/\b(?:int|bool|positiveInt)\(\s*['"]([A-Z][A-Z0-9_]*)['"]/g))
      names.add(name!);
    for (const [, name] of source.matchAll(/\b\w*Env\s*:\s*['"]([A-Z][A-Z0-9_]*)['"]/g)) names.add(name!);
    for (const [, prefix, suffix] of source.matchAll(/\benv\[\s*`([A-Z0-9_]*)\$\{[^}]*\}([A-Z0-9_]*)`\s*\]/g)) {
      patterns.push(new RegExp(`^${prefix}[A-Z0-9_]+${suffix}$`));
    }
    for (const [, prefix, suffix] of source.matchAll(/\/\^([A-Z][A-Z0-9_]*)\(\[A-Z0-9_\]\+\)([A-Z0-9_]*)\$\//g)) {
      patterns.push(new RegExp(`^${prefix}[A-Z0-9_]+${suffix}$`));
    }
    if (/from '@temporalio\/envconfig'/.test(source)) usesEnvconfig = true;
    for (const [, specifier] of source.matchAll(/(?:from|import|require)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
      const base = path.resolve(path.dirname(file), specifier!);
      const resolved = [base, `${base}.ts`, path.join(base, 'index.ts')].find(
        (candidate) => candidate.endsWith('.ts') && fs.existsSync(candidate),
      );
      if (resolved) visit(resolved);
    }
  };
  visit(path.join(root, 'src/main.ts'));
  if (usesEnvconfig) {
    const lib = path.dirname(require.resolve('@temporalio/envconfig'));
    for (const file of fs.readdirSync(lib).filter((entry) => entry.endsWith('.js'))) {
      for (const [, name] of fs.readFileSync(path.join(lib, file), 'utf8').matchAll(/['"](TEMPORAL_[A-Z0-9_]*)['"]/g)) {
        if (name!.endsWith('_')) patterns.push(new RegExp(`^${name}[A-Z0-9_]+$`));
        else names.add(name!);
      }
    }
  }
  return { names, patterns };
}

const known = readVariables();
const isRead = (name: string) => known.names.has(name) || known.patterns.some((pattern) => pattern.test(name));

// ------------------------------------------------------------------ versions the tests run
const infra = read('scripts/infra.sh');
/** `NAME="${OVERRIDE:-default}"` or `NAME=value` in scripts/infra.sh: the default. */
function infraDefault(name: string): string {
  const match = new RegExp(`^${name}="?(?:\\$\\{[A-Z_]+:-([^}]+)\\}|([^"\\s$]+))"?`, 'm').exec(infra);
  const value = match?.[1] ?? match?.[2];
  if (!value) throw new Error(`scripts/infra.sh does not set ${name}`);
  return value;
}
const majorMinor = (version: string) => /^v?(\d+\.\d+)/.exec(version)?.[1];

/** Services whose image's repository ends with one of `names` (any registry), with their tags. */
const imagesNamed = (...names: string[]) =>
  serviceNames.flatMap((service) => {
    const image = services[service]!.image;
    if (typeof image !== 'string') return [];
    const { repository, tag } = imageParts(image);
    return names.some((name) => repository === name || repository.endsWith(`/${name}`))
      ? [{ service, image, tag }]
      : [];
  });

// ------------------------------------------------------------------ tests
describe('docker-compose.yml', () => {
  test('has the shape of a compose file', () => {
    const problems: string[] = [];
    if (serviceNames.length === 0) problems.push('no services');
    const declaredVolumes = new Set(Object.keys(isDict(compose) && isDict(compose.volumes) ? compose.volumes : {}));
    for (const [name, service] of Object.entries(services)) {
      if (!isDict(service)) {
        problems.push(`${name}: not a mapping`);
        continue;
      }
      if (typeof service.image !== 'string' && service.build === undefined) problems.push(`${name}: no image or build`);
      const dependsOn = Array.isArray(service.depends_on)
        ? service.depends_on
        : Object.keys(isDict(service.depends_on) ? service.depends_on : {});
      for (const target of dependsOn) {
        if (!serviceNames.includes(String(target))) problems.push(`${name}: depends_on unknown service "${target}"`);
      }
      for (const volume of Array.isArray(service.volumes) ? service.volumes : []) {
        const source = isDict(volume)
          ? volume.type === 'volume'
            ? volume.source
            : undefined
          : String(volume).split(':')[0];
        // A path (./, /, ~) is a bind mount; anything else names a volume, which must be declared.
        if (typeof source === 'string' && !/^[./~]/.test(source) && !declaredVolumes.has(source)) {
          problems.push(`${name}: volume "${source}" is not declared under volumes:`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  // Docker's own validation, on machines that have the compose plugin (these development machines
  // do not); the checks above cover the file without it. Registered only there, so no test is
  // ever reported as skipped.
  const composePlugin = spawnSync('docker', ['compose', 'version'], { stdio: 'ignore' }).status === 0;
  if (composePlugin)
    test('is valid for docker compose (config -q, no daemon needed)', () => {
      const result = spawnSync('docker', ['compose', '-f', 'docker-compose.yml', 'config', '-q'], {
        cwd: root,
        encoding: 'utf8',
      });
      expect(result.stderr.trim()).toBe('');
      expect(result.status).toBe(0);
    });

  test('has services running this project', () => {
    expect(projectServices).toEqual(expect.arrayContaining(['bridge', 'worker']));
  });

  test('sets on the project services only variables the code reads', () => {
    // Self-check of the extraction: a near miss is refused, so the list is not "anything".
    expect(
      ['VALKEY_URL', 'TEMPORAL_ADDRESS', 'NODE_ENV', 'FORECAST_CONCURRENCY'].filter((name) => !isRead(name)),
    ).toEqual([]);
    expect(['VALKEY_URLS', 'TENANT_A_DATABASE'].filter(isRead)).toEqual([]);
    const unread = [
      ...Object.keys(dockerfileEnv)
        .filter((name) => !isRead(name))
        .map((name) => `Dockerfile: ENV ${name}`),
      ...projectServices.flatMap((service) =>
        Object.keys(environmentOf(services[service]!))
          .filter((name) => !isRead(name))
          .map((name) => `${service}: ${name}`),
      ),
    ];
    // Each entry: a variable nothing in src/ (or @temporalio/envconfig) reads, so it does nothing.
    expect(unread).toEqual([]);
  });

  test.each(projectServices)('%s: the configuration loads, and every host it names is a service', (service) => {
    const env = { ...dockerfileEnv, ...environmentOf(services[service]!) };
    // Throws a ConfigError naming the variable whose value is refused.
    const config = loadConfig(env);
    if (config.tenancy.mode === 'multi') {
      // A TENANT_CONFIG_FILE is mounted at run time, out of reach here; TENANT_CONFIGS and
      // TENANT_<ID>_* are parsed as the workers parse them.
      const mounted = config.tenancy.sources.configFileRequired;
      const { tenants } = loadTenantConfigs(config.tenancy.sources, () => (mounted ? '{}' : undefined));
      if (!mounted) expect(tenants.size).toBeGreaterThan(0);
    }
    // scheme://[user@]host (also inside TENANT_CONFIGS) and host:port (TEMPORAL_ADDRESS); a dotted
    // name is outside compose's network, an undotted one must be a service.
    const unknownHosts = Object.entries(env).flatMap(([name, value]) =>
      [
        ...[...value.matchAll(/\b[a-z][a-z0-9+.-]*:\/\/(?:[^@/\s"]*@)?([A-Za-z0-9_.-]+)/g)].map((match) => match[1]!),
        ...(/^([A-Za-z0-9_-]+):\d+$/.exec(value)?.slice(1) ?? []),
      ]
        .filter((host) => !host.includes('.') && host !== 'localhost' && !serviceNames.includes(host))
        .map((host) => `${service}: ${name} names host "${host}", which is no service`),
    );
    expect(unknownHosts).toEqual([]);
  });

  test('runs commands that exist', () => {
    const roles: string[] = /\[([^\]]*)\]\.includes\(role\)/.exec(read('src/main.ts'))?.[1]?.match(/[a-z]+/g) ?? [];
    expect(roles).toContain('worker');
    const problems: string[] = [];
    for (const service of serviceNames) {
      const text = effectiveArgv(service).join(' ');
      for (const [, script] of text.matchAll(/\bnpm\s+(?:run|run-script)\s+([\w:.-]+)/g)) {
        if (!(script! in packageJson.scripts)) {
          problems.push(`${service}: npm run ${script}: no such script in package.json`);
        }
      }
      for (const [, entry, role] of text.matchAll(/\b(src\/main\.ts|dist\/main\.js)(?:\s+([^\s'";&|]+))?/g)) {
        if (role !== undefined && !roles.includes(role)) {
          problems.push(`${service}: ${entry} ${role}: src/main.ts accepts ${roles.join('|')}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  test('pins every image (no :latest, no untagged image)', () => {
    const unpinned = serviceNames.flatMap((service) => {
      const image = services[service]!.image;
      if (typeof image !== 'string') return [];
      const { tag, digest } = imageParts(image);
      return (tag === undefined || tag === 'latest') && !digest ? [`${service}: ${image}`] : [];
    });
    expect(unpinned).toEqual([]);
  });

  test('runs the Temporal server version the tests run (the one the Temporal CLI of infra.sh embeds)', () => {
    const server = infraDefault('TEMPORAL_SERVER_VERSION');
    const images = imagesNamed('temporalio/auto-setup', 'temporalio/server', 'temporalio/admin-tools');
    expect(images.length).toBeGreaterThan(0);
    // major.minor: a patch release may be taken for a fix without rebuilding the test CLI.
    const mismatched = images
      .filter(({ tag }) => majorMinor(tag ?? '') !== majorMinor(server))
      .map(({ service, image }) => `${service}: ${image}, tests run Temporal server ${server} (scripts/infra.sh)`);
    expect(mismatched).toEqual([]);
  });

  test('runs the Elasticsearch version the tests run', () => {
    const version = infraDefault('ES_VERSION');
    const images = imagesNamed('elasticsearch/elasticsearch', 'elasticsearch');
    expect(images.length).toBeGreaterThan(0);
    const mismatched = images
      .filter(({ tag }) => tag !== version)
      .map(
        ({ service, image }) =>
          `${service}: ${image}, tests run Elasticsearch ${version} (ES_VERSION in scripts/infra.sh)`,
      );
    expect(mismatched).toEqual([]);
  });

  test('runs the PostgreSQL major the tests run', () => {
    const major = infraDefault('PG_MAJOR');
    const images = imagesNamed('postgres');
    expect(images.length).toBeGreaterThan(0);
    const mismatched = images
      .filter(({ tag }) => /^\d+/.exec(tag ?? '')?.[0] !== major)
      .map(
        ({ service, image }) => `${service}: ${image}, tests run PostgreSQL ${major} (PG_MAJOR in scripts/infra.sh)`,
      );
    expect(mismatched).toEqual([]);
  });
});
