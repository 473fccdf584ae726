// ci/lib/services.ts: a folder of services/ with a Dockerfile is a service.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import { temporaryDir, removeTemporaryDirs } from './helpers.ts';
import * as assert from 'uvu/assert';
import { discoverServices } from '../../lib/services.ts';
import { REPO_ROOT } from '../index.ts';

test('only folders with a Dockerfile are services, sorted by name', async () => {
  const root = temporaryDir('services-test-');
  for (const name of ['zeta-service', 'alpha-service', 'no-dockerfile']) mkdirSync(join(root, 'services', name), { recursive: true });
  writeFileSync(join(root, 'services', 'zeta-service', 'Dockerfile'), 'FROM scratch\n');
  writeFileSync(join(root, 'services', 'alpha-service', 'Dockerfile'), 'FROM scratch\n');
  writeFileSync(join(root, 'services', 'README.md'), '');
  assert.equal(await discoverServices(root), [
    { name: 'alpha-service', dir: join(root, 'services', 'alpha-service'), dockerfile: join(root, 'services', 'alpha-service', 'Dockerfile') },
    { name: 'zeta-service', dir: join(root, 'services', 'zeta-service'), dockerfile: join(root, 'services', 'zeta-service', 'Dockerfile') },
  ]);
});

test('a root without services/ has none', async () => {
  assert.equal(await discoverServices(temporaryDir('services-test-')), []);
});

test('this repository: every services/<name>/ with a Dockerfile', async () => {
  const names = (await discoverServices(REPO_ROOT)).map((service) => service.name);
  assert.ok(names.length > 0);
  for (const name of names) assert.match(name, /^[a-z]+-service$/);
});

test.after(removeTemporaryDirs);

test.run();
