// --node-selector and --toleration: parsed strictly, added to every pod template at apply time.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { KubernetesObject } from '@kubernetes/client-node';
import { parseOptions, UsageError } from '../lib/options.ts';
import { parseNodeSelector, parseToleration, withPlacement } from '../lib/placement.ts';

const deployment = (): KubernetesObject =>
  ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { nodeSelector: { disk: 'ssd' }, tolerations: [{ key: 'a', operator: 'Exists', effect: 'NoSchedule' }], containers: [{ name: 'web', image: 'web:1' }] },
      },
    },
  }) as KubernetesObject;

test('flags: KEY=VALUE and KEY=VALUE:EFFECT or KEY:EFFECT; anything else is a usage error naming the flag', () => {
  assert.equal(parseNodeSelector('shopmesh.dev/real-node=true'), ['shopmesh.dev/real-node', 'true']);
  assert.equal(parseToleration('shopmesh.dev/real-node=true:NoExecute'), { key: 'shopmesh.dev/real-node', operator: 'Equal', value: 'true', effect: 'NoExecute' });
  assert.equal(parseToleration('dedicated:NoSchedule'), { key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' });
  const options = parseOptions(['--node-selector', 'pool=shop', '--toleration', 'pool=shop:NoExecute']);
  assert.equal(options.placement.nodeSelector, { pool: 'shop' });
  assert.is(options.placement.tolerations.length, 1);
  assert.throws(() => parseOptions(['--node-selector', 'pool']), (error: Error) => error instanceof UsageError && /--node-selector: "pool"/.test(error.message));
  assert.throws(() => parseOptions(['--toleration', 'pool=shop:Sometimes']), (error: Error) => error instanceof UsageError && /--toleration/.test(error.message));
});

test('added to the pod template, existing selector and tolerations kept, the input untouched, no duplicates', () => {
  const original = deployment();
  const placement = { nodeSelector: { pool: 'shop' }, tolerations: [parseToleration('pool=shop:NoExecute'), { key: 'a', operator: 'Exists', effect: 'NoSchedule' }] };
  const [placed] = withPlacement([original], placement);
  const spec = (placed as { spec: { template: { spec: { nodeSelector: object; tolerations: object[] } } } }).spec.template.spec;
  assert.equal(spec.nodeSelector, { disk: 'ssd', pool: 'shop' });
  assert.is(spec.tolerations.length, 2);
  assert.equal(JSON.stringify(original), JSON.stringify(deployment()));
  const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' } } as KubernetesObject;
  assert.equal(withPlacement([service], placement), [service]);
});

test.run();
