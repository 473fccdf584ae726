// payment-service's image (the kit's container checks) against real Redis: a charge is
// idempotent, also across two containers sharing the store.
import * as assert from 'uvu/assert';
import { uniqueSuffix } from '@shopmesh/service-kit/testing';
import { imageSuite } from '@shopmesh/service-kit/testing-docker';
import { TEST_CALLER_TOKEN } from './harness.ts';

imageSuite({
  service: 'payment-service',
  needs: ['REDIS_URL'],
  hasDatabase: false,
  misconfigured: { env: { PAYMENT_FAILURE_RATE: '2' }, mentions: ['PAYMENT_FAILURE_RATE is invalid', 'REDIS_URL'] },
  async dependencies({ servers }) {
    return { env: { REDIS_URL: servers.REDIS_URL, PAYMENT_KEY_PREFIX: `payment-image-${uniqueSuffix()}:` }, close: async () => {} };
  },
  containers: [{ env: { PAYMENT_LATENCY_MS: '50', PAYMENT_CALLER_TOKEN: TEST_CALLER_TOKEN }, readinessChecks: ['redis'] }],
  async probe(url) {
    const charge = () =>
      fetch(`${url}/charges`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': 'order-image', 'x-payment-caller-token': TEST_CALLER_TOKEN },
        body: JSON.stringify({ orderId: 'order-image', amount: 1000 }),
      }).then(async (response) => ({ status: response.status, body: (await response.json()) as { id: string } }));
    const first = await charge();
    const second = await charge();
    assert.is(first.status, 201);
    assert.is(second.body.id, first.body.id);
  },
});
