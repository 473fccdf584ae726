// The search engine's index of products (OpenSearch 2.x, the Elasticsearch 7.10 REST API): created
// with an explicit mapping when absent, written with external versions (an older version never
// replaces a newer one), searched by text.
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
const isAlreadyCreated = (error: unknown): boolean =>
  error instanceof errors.ResponseError && error.body?.error?.type === 'resource_already_exists_exception';

export interface ProductIndex {
  /** Creates the index with its mapping unless it exists; retried by the next caller after a failure. */
  ensure(): Promise<void>;
  /** Readiness: the node answers and the index exists. */
  check(): Promise<void>;
  /** Writes `product` at `version`; 'stale' when the index already holds a newer version. */
  upsert(product: IndexedProduct, version: number): Promise<'indexed' | 'stale'>;
  search(text: string, limit: number): Promise<SearchHit[]>;
  close(): Promise<void>;
}

interface SearchResponse {
  hits: { hits: { _source?: SearchHit }[] };
}

export function createProductIndex(options: { url: string; index: string }): ProductIndex {
  const client = new Client({ node: options.url, requestTimeout: 5_000, maxRetries: 1 });
  const { index } = options;
  let ensured: Promise<void> | undefined;

  const createIfAbsent = async (): Promise<void> => {
    const { body: exists } = await client.indices.exists({ index });
    if (exists) return;
    try {
      await client.indices.create({ index, body: { mappings: MAPPINGS } });
    } catch (error) {
      if (!isAlreadyCreated(error)) throw error; // another replica created it first
    }
  };
  const ensure = (): Promise<void> => {
    ensured ??= unavailableAsServiceError(createIfAbsent).catch((error: unknown) => {
      ensured = undefined;
      throw error;
    });
    return ensured;
  };

  return {
    ensure,
    async check() {
      await client.ping();
      await ensure();
    },
    async upsert(product, version) {
      await ensure();
      try {
        await client.index({ index, id: product.id, version, version_type: 'external_gte', body: product });
        return 'indexed';
      } catch (error) {
        if (isConflict(error)) return 'stale';
        throw asServiceError(error);
      }
    },
    async search(text, limit) {
      await ensure();
      const { body } = await unavailableAsServiceError(() =>
        client.search<SearchResponse>({
          index,
          body: {
            size: limit,
            _source: ['id', 'name', 'price'],
            query: { multi_match: { query: text, fields: SEARCH_FIELDS } },
          },
        }),
      );
      return body.hits.hits.flatMap((hit) =>
        hit._source ? [{ id: hit._source.id, name: hit._source.name, price: hit._source.price }] : [],
      );
    },
    close: () => client.close(),
  };
}
