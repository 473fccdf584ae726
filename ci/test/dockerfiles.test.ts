// Every service keeps its own Dockerfile (a folder with a Dockerfile is a service, and Docker has
// no include without a registry-served frontend), so the nine files are copies by design. This
// test keeps them copies: each must be the reference one with only the service name changed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { discoverServices } from '../lib/services.ts';

const root = join(import.meta.dirname, '..', '..');
const REFERENCE = 'auth-service';

const withName = (text: string, from: string, to: string): string => text.split(from).join(to);

test('every service Dockerfile is the reference Dockerfile with only the service name changed', async () => {
  const services = await discoverServices(root);
  const reference = services.find((service) => service.name === REFERENCE);
  assert.ok(reference, `${REFERENCE} has a Dockerfile`);
  const template = withName(readFileSync(reference.dockerfile, 'utf8'), REFERENCE, '<service>');
  assert.ok(services.length >= 9, `found ${services.length} services`);
  for (const service of services) {
    const normalised = withName(readFileSync(service.dockerfile, 'utf8'), service.name, '<service>');
    assert.fixture(normalised, template, `${service.name}/Dockerfile differs from ${REFERENCE}'s beyond the name`);
  }
});

test.run();
