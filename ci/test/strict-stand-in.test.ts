// The strict stand-ins of ci/test/strict-stand-in.ts, run as the pipeline runs tools (a child
// process found on PATH): expected calls answer, any other call fails naming itself, failing
// variants fail, side effects see the arguments, and every call is recorded.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { standInCalls, unexpectedCalls, UNEXPECTED_CALL_EXIT, writeStandIn } from './strict-stand-in.ts';
import { makeTree, removeTree } from './fixtures.ts';

let dir = '';

function call(tool: string, args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(tool, args, {
    encoding: 'utf8',
    env: { ...process.env, PATH: `${join(dir, 'bin')}:${process.env.PATH}`, ...env },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

test.before.each(() => {
  dir = makeTree({}, 'shopmesh-standin-');
  writeStandIn(dir, 'kind', [
    { args: /get clusters/, stdout: 'lirmm\n' },
    { args: /load docker-image (\S+) --name lirmm --nodes (\S+)/, run: 'echo "$3" >> "$STANDIN_DIR/loaded"', failVariant: 'load-fails', failMessage: 'ERROR: image not present locally' },
    { args: /version/, stdout: 'kind v0.30.0 go1.24 linux/amd64\n' },
  ]);
});

test.after.each(() => removeTree(dir));

test('strict stand-in: an expected call answers with its output and exit 0, and is recorded', () => {
  const result = call('kind', ['get', 'clusters']);
  assert.is(result.status, 0, result.stderr);
  assert.is(result.stdout, 'lirmm\n');
  assert.equal(standInCalls(dir), [{ tool: 'kind', args: ['get', 'clusters'], rule: 0, failed: false }]);
});

test('strict stand-in: any other call fails with exit 97 printing the whole call (a changed command line cannot pass)', () => {
  const result = call('kind', ['get', 'clusters', '--verbosity', '1']);
  assert.is(result.status, UNEXPECTED_CALL_EXIT);
  assert.is(result.stderr, 'stand-in kind (strict): unexpected call: kind get clusters --verbosity 1\n');
  const spaced = call('kind', ['create', 'cluster', '--name', 'a b']);
  assert.is(spaced.status, UNEXPECTED_CALL_EXIT);
  assert.match(spaced.stderr, "unexpected call: kind create cluster --name 'a b'");
  assert.equal(unexpectedCalls(dir).map((item) => item.args.join(' ')), ['get clusters --verbosity 1', 'create cluster --name a b']);
});

test('strict stand-in: a rule\'s side effect runs with the call\'s arguments', () => {
  const result = call('kind', ['load', 'docker-image', 'shopmesh/standin-redis:7.4.6-alpine', '--name', 'lirmm', '--nodes', 'node-1']);
  assert.is(result.status, 0, result.stderr);
  assert.is(readFileSync(join(dir, 'loaded'), 'utf8'), 'shopmesh/standin-redis:7.4.6-alpine\n');
});

test('strict stand-in: a failing variant (SHOPMESH_STANDIN_FAIL=kind:load-fails) fails that call only, without its side effect', () => {
  const env = { SHOPMESH_STANDIN_FAIL: 'kind:load-fails' };
  const failed = call('kind', ['load', 'docker-image', 'x:1', '--name', 'lirmm', '--nodes', 'n'], env);
  assert.is(failed.status, 1);
  assert.is(failed.stderr, 'ERROR: image not present locally\n');
  assert.not.ok(existsSync(join(dir, 'loaded')), 'no side effect');
  assert.is(call('kind', ['get', 'clusters'], env).status, 0, 'other rules still answer');
  assert.equal(standInCalls(dir).map((item) => item.failed), [true, false]);
});

test.run();
