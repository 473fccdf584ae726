// Input-digest tags, computed from files on disk: a change rebuilds exactly the images it reaches.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { imageSources, planImages, type PlannedImage } from '../lib/image-sources.ts';
import { makeTree, removeTree, writeTree } from './fixtures.ts';

const DOCKERFILE = 'ARG NODE_IMAGE=node:22-bookworm-slim\nFROM ${NODE_IMAGE}\n';

function repository(): string {
  return makeTree({
    'package.json': '{"name":"shop","workspaces":["packages/*","services/*"]}',
    'package-lock.json': '{"lockfileVersion":3}',
    'tsconfig.base.json': '{}',
    'packages/service-kit/package.json': '{"name":"@shopmesh/service-kit"}',
    'packages/service-kit/src/index.ts': 'export const kit = 1;\n',
    'packages/service-kit/test/kit.test.ts': 'kit test\n',
    'services/cart-service/Dockerfile': DOCKERFILE,
    'services/cart-service/package.json': '{"name":"@shopmesh/cart-service"}',
    'services/cart-service/src/main.ts': 'console.log("cart");\n',
    'services/cart-service/test/cart.test.ts': 'cart test\n',
    'services/order-service/Dockerfile': DOCKERFILE,
    'services/order-service/src/main.ts': 'console.log("order");\n',
    'services/no-dockerfile/src/main.ts': 'not a service\n',
  });
}

async function tags(root: string, buildArgs: Record<string, string> = {}): Promise<Record<string, string>> {
  const images: PlannedImage[] = planImages(root, await imageSources(root, { withLab: false }), buildArgs, { kind: 'kind', cluster: 'lirmm' });
  return Object.fromEntries(images.map((image) => [image.name, image.tag]));
}

test('every folder of services/ with a Dockerfile gets a shopmesh/<name>:<12 hex> tag, and only those', async () => {
  const root = repository();
  try {
    const first = await tags(root);
    assert.equal(Object.keys(first).sort(), ['cart-service', 'order-service']);
    for (const [name, tag] of Object.entries(first)) assert.match(tag, new RegExp(`^shopmesh/${name}:[0-9a-f]{12}$`));
    assert.not.equal(first['cart-service']?.split(':')[1], first['order-service']?.split(':')[1]);
    assert.equal(await tags(root), first, 'same inputs, same tags');
  } finally {
    removeTree(root);
  }
});

test('changing a file of one service changes only that service tag', async () => {
  const root = repository();
  try {
    const before = await tags(root);
    writeTree(root, { 'services/cart-service/src/main.ts': 'console.log("cart v2");\n' });
    const after = await tags(root);
    assert.not.equal(after['cart-service'], before['cart-service']);
    assert.equal(after['order-service'], before['order-service']);
  } finally {
    removeTree(root);
  }
});

test('a change in packages/service-kit, package-lock.json or a build argument changes every tag', async () => {
  const root = repository();
  try {
    const before = await tags(root);
    writeTree(root, { 'packages/service-kit/src/index.ts': 'export const kit = 2;\n' });
    const afterKit = await tags(root);
    writeTree(root, { 'package-lock.json': '{"lockfileVersion":3,"packages":{}}' });
    const afterLock = await tags(root);
    const afterArg = await tags(root, { NODE_IMAGE: 'shopmesh/node:22' });
    for (const name of ['cart-service', 'order-service']) {
      assert.not.equal(afterKit[name], before[name], `${name} after a kit change`);
      assert.not.equal(afterLock[name], afterKit[name], `${name} after a lock file change`);
      assert.not.equal(afterArg[name], afterLock[name], `${name} with another NODE_IMAGE`);
    }
  } finally {
    removeTree(root);
  }
});

test('tests, node_modules and dist are not inputs of an image: changing them keeps every tag', async () => {
  const root = repository();
  try {
    const before = await tags(root);
    writeTree(root, {
      'services/cart-service/test/cart.test.ts': 'another test\n',
      'services/cart-service/test/new.test.ts': 'new test\n',
      'packages/service-kit/test/kit.test.ts': 'another kit test\n',
      'services/cart-service/node_modules/x/index.js': 'module\n',
      'services/order-service/dist/main.js': 'built\n',
    });
    assert.equal(await tags(root), before);
  } finally {
    removeTree(root);
  }
});

test('a new file in a service changes its tag (added files count, not only edits)', async () => {
  const root = repository();
  try {
    const before = await tags(root);
    writeTree(root, { 'services/order-service/src/extra.ts': 'export {};\n' });
    const after = await tags(root);
    assert.not.equal(after['order-service'], before['order-service']);
    assert.equal(after['cart-service'], before['cart-service']);
  } finally {
    removeTree(root);
  }
});

test.run();
