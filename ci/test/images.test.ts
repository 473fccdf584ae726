// Image placeholders in the project's real manifests, replaced by digest tags.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { containersOf, MissingImageError, placeholderImageNames, podSpecOf, withImageRefs } from '../lib/images.ts';
import { parseAllManifests } from '../lib/manifests.ts';
import { normalizeImageRef } from '../lib/oci-archive.ts';
import { REPO_ROOT } from './fixtures.ts';

const apps = parseAllManifests(readFileSync(join(REPO_ROOT, 'k8s/app-manifests.yaml'), 'utf8')) as KubernetesObject[];
const images = (objects: KubernetesObject[]): string[] =>
  objects.flatMap((object) => {
    const spec = podSpecOf(object);
    return spec ? containersOf(spec).map((container) => container.image ?? '') : [];
  });

test('the app manifests name every service image as shopmesh/<name>:dev', () => {
  const names = [...placeholderImageNames(apps)].sort();
  assert.ok(names.length >= 9, `found ${names.join(', ')}`);
  assert.ok(names.includes('auth-service') && names.includes('payment-service'));
});

test('every placeholder (containers and init containers) is replaced; nothing else changes', () => {
  const refs = new Map([...placeholderImageNames(apps)].map((name) => [name, `127.0.0.1:5000/shopmesh/${name}:0123456789ab`]));
  const replaced = withImageRefs(apps, refs);
  const after = images(replaced);
  assert.ok(after.length > 0);
  for (const image of after) assert.match(image, /^127\.0\.0\.1:5000\/shopmesh\/[a-z-]+:0123456789ab$/);
  assert.ok(images(apps).every((image) => image.endsWith(':dev')), 'the input objects are left untouched');
  const withoutImages = (objects: KubernetesObject[]): string => JSON.stringify(objects).replace(/"image":"[^"]*"/g, '');
  assert.is(withoutImages(replaced), withoutImages(apps));
});

test('a placeholder with no built image is an error naming the Deployment, container and service', () => {
  const refs = new Map([...placeholderImageNames(apps)].filter((name) => name !== 'cart-service').map((name) => [name, `shopmesh/${name}:x`]));
  try {
    withImageRefs(apps, refs);
    assert.unreachable('no error');
  } catch (error) {
    assert.instance(error, MissingImageError);
    assert.match((error as Error).message, 'cart-service');
    assert.match((error as Error).message, 'Deployment/cart-service-deployment');
  }
});

test('image references are normalized the way containerd names them', () => {
  assert.is(normalizeImageRef('shopmesh/cart-service:abc'), 'docker.io/shopmesh/cart-service:abc');
  assert.is(normalizeImageRef('redis:7'), 'docker.io/library/redis:7');
  assert.is(normalizeImageRef('127.0.0.1:5000/shopmesh/x:1'), '127.0.0.1:5000/shopmesh/x:1');
  assert.is(normalizeImageRef('localhost/shopmesh/x:1'), 'localhost/shopmesh/x:1');
});

test.run();
