/** Reads indices back from the real Elasticsearch for assertions. */
import { Client } from '@elastic/elasticsearch';
import { services } from './services';

export const es = new Client({ node: services.elasticsearchNode });

/** Concrete indices behind a name (itself when it is a concrete index), and whether it is an alias. */
export async function indicesBehind(name: string): Promise<{ alias: boolean; indices: string[]; writeIndex?: string }> {
  const aliased = await es.indices.getAlias({ name }, { ignore: [404] });
  const indices = Object.keys(aliased ?? {}).filter((key) => key !== 'error' && key !== 'status');
  if (indices.length > 0) {
    const writeIndex = indices.find(
      (index) =>
        (aliased as Record<string, { aliases: Record<string, { is_write_index?: boolean }> }>)[index]!.aliases[name]
          ?.is_write_index,
    );
    return { alias: true, indices, writeIndex };
  }
  return { alias: false, indices: (await es.indices.exists({ index: name })) ? [name] : [] };
}

/** Every document id of an index, sorted, paging by id so any size works. */
export async function documentIds(index: string): Promise<number[]> {
  await es.indices.refresh({ index });
  const ids: number[] = [];
  let after: number | undefined;
  for (;;) {
    const page = await es.search({
      index,
      size: 5000,
      _source: false,
      sort: [{ id: 'asc' }],
      ...(after !== undefined ? { search_after: [after] } : {}),
    });
    if (page.hits.hits.length === 0) return ids;
    for (const hit of page.hits.hits) ids.push(Number(hit._id));
    after = Number(page.hits.hits.at(-1)!._id);
  }
}

export async function getDocument<T>(index: string, id: number): Promise<T | undefined> {
  const found = await es.get<T>({ index, id: String(id) }, { ignore: [404] });
  return found.found ? found._source : undefined;
}

/** Indices whose names start with `prefix`, with their document counts. */
export async function indicesStartingWith(prefix: string): Promise<string[]> {
  const found = await es.cat.indices({ index: `${prefix}*`, format: 'json', h: 'index' }, { ignore: [404] });
  return (Array.isArray(found) ? found : []).map((row) => row.index!).sort();
}
