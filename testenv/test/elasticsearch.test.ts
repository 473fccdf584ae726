// Elasticsearch of the test environment, exercised with the official JS client of its major version.
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { server } from '../../packages/testkit/src/index.ts';

const elasticsearchUrl = server('ELASTICSEARCH_URL');

// The client is a dev dependency of @shopmesh/testkit, pinned to 7.13: later 7.x clients refuse a
// 7.10 server whose build flavor is not "default" (ProductNotSupportedError), and the node here
// has none. npm may keep it under packages/testkit/node_modules, so it is resolved from there,
// and typed here by the slice of its API this test uses.
interface ApiResponse<T> {
  body: T;
  statusCode: number | null;
}
interface SearchHit<T> {
  _id: string;
  _index: string;
  _source: T;
}
interface EsClient {
  info(): Promise<ApiResponse<{ version: { number: string }; tagline: string }>>;
  index(params: { index: string; id: string; body: unknown }): Promise<ApiResponse<{ result: string }>>;
  indices: {
    refresh(params: { index: string }): Promise<ApiResponse<unknown>>;
    delete(params: { index: string }): Promise<ApiResponse<unknown>>;
  };
  search<T>(params: {
    index: string;
    body: unknown;
  }): Promise<ApiResponse<{ hits: { total: { value: number }; hits: SearchHit<T>[] } }>>;
  close(): Promise<void>;
}
type EsClientConstructor = new (options: { node: string; requestTimeout?: number }) => EsClient;

const requireFromTestkit = createRequire(new URL('../../packages/testkit/package.json', import.meta.url));

if (elasticsearchUrl) {
  test('real Elasticsearch 7.10.2 node (Maven jars via elasticsearch-cluster-runner): a document indexed and refreshed is found by search', async () => {
    const { Client } = requireFromTestkit('@elastic/elasticsearch') as { Client: EsClientConstructor };
    const client = new Client({ node: elasticsearchUrl, requestTimeout: 30_000 });
    const index = `testenv-${randomUUID()}`;
    const product = { sku: 'SKU-42', name: 'Walnut desk lamp', price: 49.9, tags: ['lighting', 'desk'] };
    try {
      const { body: info } = await client.info();
      assert.is(info.version.number, '7.10.2');

      const { body: indexed } = await client.index({ index, id: product.sku, body: product });
      assert.is(indexed.result, 'created');
      await client.indices.refresh({ index });

      const { body: found } = await client.search<typeof product>({
        index,
        body: { query: { match: { name: 'lamp' } } },
      });
      assert.is(found.hits.total.value, 1);
      const [hit] = found.hits.hits;
      assert.is(hit?._id, product.sku);
      assert.is(hit?._index, index);
      assert.equal(hit?._source, product);
    } finally {
      await client.indices.delete({ index }).catch(() => undefined);
      await client.close();
    }
  });
}

test.run();
