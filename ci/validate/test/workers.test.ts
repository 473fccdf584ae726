// Worker threads give the same report as checking in this thread.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { validate } from '../index.ts';
import { fixture, FIXTURE_ROOT, FIXTURES } from './helpers.ts';

const allFixtures = (): string[] => ['rules', 'schema'].flatMap((folder) =>
  readdirSync(join(FIXTURES, folder)).map((name) => join(FIXTURES, folder, name)));

test('two worker threads: the same findings, in the same order, as none', async () => {
  const paths = [fixture('base.yaml'), ...allFixtures()];
  const inThread = await validate(paths, { root: FIXTURE_ROOT, workers: 0 });
  const inWorkers = await validate(paths, { root: FIXTURE_ROOT, workers: 2 });
  assert.ok(inThread.findings.length > 30);
  assert.equal(inWorkers, inThread);
});

test.run();
