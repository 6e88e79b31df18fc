/**
 * Versioned indices behind TestPlanIt's index names. The name the web app reads and writes
 * (`testplanit-<tenantId>-<entity>`) becomes an alias with one write index; a rebuild loads a new
 * versioned index and then moves the alias to it in one atomic `_aliases` call, so searches and
 * inline writes never see a half-built index.
 */
import type { Client, estypes } from '@elastic/elasticsearch';
import type { SearchEntity } from './entities';
import { indexMappings, indexSettings } from './mappings';

export type LiveIndexState =
  | { kind: 'missing' }
  /** TestPlanIt created the index itself under the name the alias will take. */
  | { kind: 'concrete' }
  | { kind: 'alias'; indices: string[] };

/** Marks our versioned indices, so cleanup can never mistake another tenant's index for one. */
const META_OWNER = 'testplanit-workers';

/** `<alias>-v<yyyymmddhhmmss>-<8 hex>`: a suffix no entity index base can produce. */
export function versionedIndexName(alias: string, startedAt: Date, token: string): string {
  const stamp = startedAt.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const hex = Array.from(token)
    .reduce((hash, char) => (Math.imul(hash, 31) + char.charCodeAt(0)) >>> 0, 7)
    .toString(16)
    .padStart(8, '0');
  return `${alias}-v${stamp}-${hex}`;
}

function isVersionOf(alias: string, index: string): boolean {
  return index.startsWith(`${alias}-v`) && /^\d{14}-[0-9a-f]{8}$/.test(index.slice(alias.length + 2));
}

export async function liveIndexState(client: Client, alias: string): Promise<LiveIndexState> {
  const aliased = await client.indices.getAlias({ name: alias }, { ignore: [404] });
  const indices = Object.keys(aliased ?? {}).filter((index) => index !== 'error' && index !== 'status');
  if (indices.length > 0) return { kind: 'alias', indices };
  return (await client.indices.exists({ index: alias })) ? { kind: 'concrete' } : { kind: 'missing' };
}

/** Creates the index a rebuild loads into: no replicas and no refresh until it is finished. */
export async function createBuildIndex(
  client: Client,
  index: string,
  alias: string,
  entity: SearchEntity,
): Promise<void> {
  if (await client.indices.exists({ index })) return;
  await client.indices.create(
    {
      index,
      settings: { ...indexSettings(0), refresh_interval: '-1' },
      mappings: { ...indexMappings(entity), _meta: { owner: META_OWNER, alias } },
    },
    { ignore: [400] },
  );
  if (!(await client.indices.exists({ index }))) throw new Error(`Elasticsearch did not create index ${index}`);
}

/** Normal refresh and the tenant's replica count, then a refresh so every document is searchable. */
export async function finishBuildIndex(client: Client, index: string, replicas: number): Promise<void> {
  await client.indices.putSettings({ index, settings: { refresh_interval: '1s', number_of_replicas: replicas } });
  await client.indices.refresh({ index });
  await client.cluster.health({ index, wait_for_status: 'yellow', timeout: '60s' });
}

export interface AliasSwap {
  /** Indices the alias left, for the caller to delete once nothing reads them. */
  previous: string[];
  /** A concrete index holding the alias's name was removed in the same call. */
  replacedConcrete: boolean;
}

/**
 * Points the alias at `index` alone, as its write index, in one atomic call; a concrete index
 * holding the alias's name is removed in that same call.
 */
export async function swapAlias(client: Client, alias: string, index: string): Promise<AliasSwap> {
  const state = await liveIndexState(client, alias);
  const actions: estypes.IndicesUpdateAliasesAction[] = [];
  let previous: string[] = [];
  if (state.kind === 'concrete') actions.push({ remove_index: { index: alias } });
  if (state.kind === 'alias') {
    previous = state.indices.filter((name) => name !== index);
    if (previous.length === 0 && state.indices.includes(index)) return { previous: [], replacedConcrete: false };
    for (const name of previous) actions.push({ remove: { index: name, alias } });
  }
  actions.push({ add: { index, alias, is_write_index: true } });
  await client.indices.updateAliases({ actions });
  return { previous, replacedConcrete: state.kind === 'concrete' };
}

/**
 * Leaves a live index behind the alias for writes that cannot wait for a rebuild (a project's
 * reindex, a first build): the existing one, or a new versioned index made live at once.
 */
export async function ensureLiveIndex(
  client: Client,
  alias: string,
  entity: SearchEntity,
  replicas: number,
  fresh: string,
): Promise<string> {
  if ((await liveIndexState(client, alias)).kind !== 'missing') return alias;
  await createBuildIndex(client, fresh, alias, entity);
  await finishBuildIndex(client, fresh, replicas);
  await swapAlias(client, alias, fresh);
  return alias;
}

/** Versioned indices of this alias that it does not point at: left by a rebuild that was stopped. */
export async function abandonedBuilds(client: Client, alias: string, keep: string): Promise<string[]> {
  const found = await client.indices.get(
    { index: `${alias}-v*`, expand_wildcards: ['open', 'closed'], ignore_unavailable: true },
    { ignore: [404] },
  );
  return Object.entries(found ?? {})
    .filter(([name, definition]) => {
      if (name === keep || !isVersionOf(alias, name)) return false;
      const meta = (definition as estypes.IndicesIndexState).mappings?._meta;
      const aliases = Object.keys((definition as estypes.IndicesIndexState).aliases ?? {});
      return meta?.owner === META_OWNER && meta.alias === alias && !aliases.includes(alias);
    })
    .map(([name]) => name);
}

export async function deleteIndices(client: Client, indices: string[]): Promise<void> {
  if (indices.length === 0) return;
  await client.indices.delete({ index: indices, ignore_unavailable: true });
}
