// The search engine's index of products (OpenSearch 2.x, the Elasticsearch 7.10 REST API): created
// with an explicit mapping when absent (checked again whenever the engine says it is missing),
// written with external versions (an older version never replaces a newer one), searched by text a
// page at a time.
import { Client, errors } from '@opensearch-project/opensearch';
import { DependencyUnavailableError } from '@shopmesh/service-kit';

export interface IndexedProduct {
  id: string;
  name: string;
  description: string;
  category: string;
  price: number;
  stock: number;
}

export interface SearchHit {
  id: string;
  name: string;
  price: number;
  /** false: the product is out of stock (it is still found, marked). */
  inStock: boolean;
}

const MAPPINGS = {
  // Unknown fields are kept in _source but not indexed: the mapping stays what is written here.
  dynamic: false,
  properties: {
    id: { type: 'keyword' },
    name: { type: 'text', fields: { raw: { type: 'keyword', ignore_above: 256 } } },
    description: { type: 'text' },
    category: { type: 'text', fields: { raw: { type: 'keyword', ignore_above: 256 } } },
    price: { type: 'long' },
    stock: { type: 'integer' },
  },
} as const;

export const SEARCH_FIELDS = ['name^3', 'category^2', 'description'];

/** Connection failures, timeouts and 5xx answers mean the search engine is unavailable: a 503. */
function asServiceError(error: unknown): unknown {
  if (error instanceof errors.ResponseError && error.statusCode < 500) return error;
  if (error instanceof errors.OpenSearchClientError) return new DependencyUnavailableError('elasticsearch', error);
  return error;
}

async function unavailableAsServiceError<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw asServiceError(error);
  }
}

const isConflict = (error: unknown): boolean => error instanceof errors.ResponseError && error.statusCode === 409;
const isNotFound = (error: unknown): boolean => error instanceof errors.ResponseError && error.statusCode === 404;
const isAlreadyCreated = (error: unknown): boolean =>
  error instanceof errors.ResponseError && error.body?.error?.type === 'resource_already_exists_exception';
const isIndexMissing = (error: unknown): boolean =>
  error instanceof errors.ResponseError && error.body?.error?.type === 'index_not_found_exception';

/** Where a page of hits ends: the last hit's score and id (search_after). */
export type SearchCursor = [number, string];

export interface SearchPage {
  items: SearchHit[];
  /** Give it back to get the next page; absent on the last page. */
  next?: SearchCursor;
}

export interface ProductIndex {
  /**
   * Creates the index with its mapping when it does not exist: 'created' or 'exists'. Asked of
   * Elasticsearch every time (never cached): the index may be deleted under a running service.
   */
  ensure(): Promise<'created' | 'exists'>;
  /** Readiness: the node answers and the index exists (recreated when it does not). */
  check(): Promise<void>;
  /** How many products the index holds. */
  size(): Promise<number>;
  /** Writes `product` at `version`; 'stale' when the index already holds a newer version. */
  upsert(product: IndexedProduct, version: number): Promise<'indexed' | 'stale'>;
  /** Removes the product (withdrawn from sale) at `version`; an older write arriving later is refused. */
  remove(id: string, version: number): Promise<'removed' | 'absent' | 'stale'>;
  search(text: string, limit: number, after?: SearchCursor): Promise<SearchPage>;
  /** Deletes the index and creates it empty (a full rebuild). */
  recreate(): Promise<void>;
  close(): Promise<void>;
}

interface SearchResponse {
  hits: { hits: { _source?: IndexedProduct; sort?: (string | number)[] }[] };
}

export function createProductIndex(options: {
  url: string;
  index: string;
  /** Called when the index had to be created while running (it was deleted): time to refill it. */
  onCreated?: () => void;
}): ProductIndex {
  const client = new Client({ node: options.url, requestTimeout: 5_000, maxRetries: 1 });
  const { index } = options;

  const createIfAbsent = async (): Promise<'created' | 'exists'> => {
    const { body: exists } = await client.indices.exists({ index });
    if (exists) return 'exists';
    try {
      await client.indices.create({ index, body: { mappings: MAPPINGS } });
      return 'created';
    } catch (error) {
      if (isAlreadyCreated(error)) return 'exists'; // another replica created it first
      throw error;
    }
  };
  const ensure = () => unavailableAsServiceError(createIfAbsent);

  /** Runs `operation`; when the index is gone, creates it with its mapping and runs it once more. */
  const withIndex = async <T>(operation: () => Promise<T>): Promise<T> => {
    try {
      return await operation();
    } catch (error) {
      if (!isIndexMissing(error)) throw asServiceError(error);
      if ((await ensure()) === 'created') options.onCreated?.();
      return unavailableAsServiceError(operation);
    }
  };

  return {
    ensure,
    async check() {
      if ((await ensure()) === 'created') options.onCreated?.();
    },
    async size() {
      const { body } = await withIndex(() =>
        client.search<{ hits: { total?: number | { value: number } } }>({ index, body: { size: 0, track_total_hits: true } }),
      );
      const total = body.hits.total;
      return typeof total === 'number' ? total : (total?.value ?? 0);
    },
    async upsert(product, version) {
      // An index call on a missing index would create it with a guessed mapping: make sure first.
      if ((await ensure()) === 'created') options.onCreated?.();
      try {
        await client.index({ index, id: product.id, version, version_type: 'external_gte', body: product });
        return 'indexed';
      } catch (error) {
        if (isConflict(error)) return 'stale';
        throw asServiceError(error);
      }
    },
    async remove(id, version) {
      try {
        await withIndex(() => client.delete({ index, id, version, version_type: 'external_gte' }));
        return 'removed';
      } catch (error) {
        if (isConflict(error)) return 'stale';
        if (isNotFound(error)) return 'absent';
        throw asServiceError(error);
      }
    },
    async search(text, limit, after) {
      const { body } = await withIndex(() =>
        client.search<SearchResponse>({
          index,
          body: {
            size: limit + 1,
            _source: ['id', 'name', 'price', 'stock'],
            query: { multi_match: { query: text, fields: SEARCH_FIELDS } },
            // Best first; the id breaks ties so that a cursor (search_after) is exact.
            sort: [{ _score: 'desc' }, { id: 'asc' }],
            ...(after ? { search_after: after } : {}),
          },
        }),
      );
      const hits = body.hits.hits.slice(0, limit);
      const items = hits.flatMap((hit) =>
        hit._source
          ? [{ id: hit._source.id, name: hit._source.name, price: hit._source.price, inStock: hit._source.stock > 0 }]
          : [],
      );
      const last = hits.at(-1);
      const more = body.hits.hits.length > limit && last?.sort;
      return more ? { items, next: [Number(last.sort![0]), String(last.sort![1])] } : { items };
    },
    async recreate() {
      await unavailableAsServiceError(async () => {
        await client.indices.delete({ index }).catch((error: unknown) => {
          if (!isIndexMissing(error)) throw error;
        });
        await createIfAbsent();
      });
    },
    close: () => client.close(),
  };
}
