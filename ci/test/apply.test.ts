// The pipeline's apply against the real API server: what the project's manifests write is what the
// server stores. The client's generic object API maps a body through its generated models, which
// drop a NetworkPolicy's `from` (so every policy admitted every source), a LimitRange's `default`,
// a CRD schema's `default`, `enum` and `x-kubernetes-*`, and any field the models do not know.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { KubernetesObject } from '@kubernetes/client-node';
import { applyObjects } from '../lib/apply.ts';
import { APP_MANIFESTS, INFRA_MANIFESTS, ISTIO_MANIFESTS, loadObjects } from '../steps/deploy.ts';
import { manifestsInNamespace, removeTree, testKube, uniqueName } from './fixtures.ts';

const target = testKube();
const apply = suite('apply: every field of a manifest reaches the API server (real kube-apiserver)');
const it = target ? apply : apply.skip;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * Where `written` is not contained in `stored`: every key the manifest sets must be stored with the
 * same value (the server may add defaults). Quantities the server writes in canonical form
 * ("0.5" -> "500m") are compared as written only when both are strings that parse the same.
 */
function missing(written: Json, stored: Json | undefined, path: string): string[] {
  if (written !== null && typeof written === 'object') {
    if (stored === null || typeof stored !== 'object' || Array.isArray(written) !== Array.isArray(stored)) return [`${path}: absent or of another type`];
    if (Array.isArray(written)) {
      const list = stored as Json[];
      if (list.length !== written.length) return [`${path}: ${written.length} items written, ${list.length} stored`];
      return written.flatMap((item, index) => missing(item, list[index], `${path}[${index}]`));
    }
    const map = stored as Record<string, Json>;
    return Object.entries(written).flatMap(([key, value]) => missing(value, map[key], `${path}.${key}`));
  }
  if (written === stored) return [];
  if (typeof written === 'number' && stored === String(written)) return [];
  return [`${path}: ${JSON.stringify(written)} written, ${JSON.stringify(stored)} stored`];
}

/** A Secret's stringData is stored base64-encoded under data. */
function asStored(object: KubernetesObject): Record<string, Json> {
  const { stringData, ...rest } = object as KubernetesObject & { stringData?: Record<string, string>; data?: Record<string, string> };
  if (!stringData) return rest as unknown as Record<string, Json>;
  const encoded = Object.fromEntries(Object.entries(stringData).map(([key, value]) => [key, Buffer.from(value).toString('base64')]));
  return { ...rest, data: { ...(rest.data ?? {}), ...encoded } } as unknown as Record<string, Json>;
}

it('the project\'s infrastructure, application and Istio manifests are stored field for field', async () => {
  const { kube } = target!;
  const namespace = uniqueName('shopmesh-apply');
  const root = manifestsInNamespace(namespace);
  try {
    const objects = await loadObjects(root, [INFRA_MANIFESTS, APP_MANIFESTS, ISTIO_MANIFESTS], namespace);
    const policies = objects.filter((object) => object.kind === 'NetworkPolicy');
    assert.ok(policies.some((policy) => JSON.stringify(policy).includes('"from"')), 'the manifests have NetworkPolicies with from');
    await applyObjects(kube, objects);
    const problems: string[] = [];
    for (const object of objects) {
      const stored = await kube.objects.readAsStored(object);
      const { metadata: _metadata, ...written } = asStored(object);
      const { metadata: _storedMetadata, ...kept } = stored as KubernetesObject & Record<string, Json>;
      problems.push(...missing(written as Json, kept as Json, `${object.kind}/${object.metadata?.name}`));
    }
    assert.equal(problems, [], problems.join('\n'));
  } finally {
    await kube.core.deleteNamespace({ name: namespace }).catch(() => undefined);
    removeTree(root);
  }
});

it('a NetworkPolicy\'s from, a LimitRange\'s default and a CRD schema\'s enum, default and x-kubernetes fields are stored', async () => {
  const { kube } = target!;
  const namespace = uniqueName('shopmesh-apply');
  const group = `${namespace.replaceAll('-', '')}.shopmesh.test`;
  const objects: KubernetesObject[] = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'from-friends', namespace },
      spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: { matchLabels: { role: 'friend' } } }] }] },
    } as KubernetesObject,
    {
      apiVersion: 'v1',
      kind: 'LimitRange',
      metadata: { name: 'defaults', namespace },
      spec: { limits: [{ type: 'Container', default: { memory: '256Mi' }, defaultRequest: { memory: '128Mi' } }] },
    } as KubernetesObject,
    {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: `widgets.${group}` },
      spec: {
        group,
        names: { kind: 'Widget', plural: 'widgets', singular: 'widget' },
        scope: 'Namespaced',
        versions: [{
          name: 'v1', served: true, storage: true,
          schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { size: { type: 'string', enum: ['S', 'M'], default: 'S' } } } } } },
        }],
      },
    } as KubernetesObject,
  ];
  try {
    await applyObjects(kube, objects);
    const [, policy, limits, crd] = await Promise.all(objects.map((object) => kube.objects.readAsStored(object)));
    assert.equal((policy as unknown as { spec: { ingress: unknown[] } }).spec.ingress, [{ from: [{ podSelector: { matchLabels: { role: 'friend' } } }] }]);
    assert.equal((limits as unknown as { spec: { limits: { default?: unknown }[] } }).spec.limits[0]?.default, { memory: '256Mi' });
    const schema = JSON.stringify(crd);
    assert.match(schema, '"enum":["S","M"]');
    assert.match(schema, '"default":"S"');
    assert.match(schema, '"x-kubernetes-preserve-unknown-fields":true');
  } finally {
    await kube.core.deleteNamespace({ name: namespace }).catch(() => undefined);
    const crd = objects[3];
    if (crd) await kube.objects.delete(crd).catch(() => undefined);
  }
});

apply.run();
