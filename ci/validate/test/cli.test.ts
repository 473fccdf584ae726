// The CLI as a real process: output format and exit codes (0 no errors, 1 errors, 2 usage or
// unreadable paths).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { REPO_ROOT } from '../index.ts';
import { fixture, FIXTURE_ROOT } from './helpers.ts';

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'ci/validate/cli.ts', ...args], { cwd: REPO_ROOT, encoding: 'utf8' });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

test('exit 0 and a summary when there is no error (warnings do not fail)', () => {
  const run = cli('--root', FIXTURE_ROOT, fixture('base.yaml'), fixture('rules/ENV002.yaml'));
  assert.is(run.status, 0, run.stderr);
  assert.ok(run.stdout.includes('ENV002.yaml:29:19  warning  ENV002  Deployment/env-secret  Secret "missing-secret"'), run.stdout);
  assert.match(run.stdout, /0 errors, 1 warning in 2 files \(11 resources\)\n$/);
});

test('exit 1 with FILE:LINE:COL  severity  RULE  Kind/name  message, and the fix below', () => {
  const run = cli('--root', FIXTURE_ROOT, fixture('base.yaml'), fixture('rules/SVC002.yaml'));
  assert.is(run.status, 1);
  const lines = run.stdout.split('\n');
  assert.is(lines[0], 'ci/validate/test/fixtures/rules/SVC002.yaml:13:7  error  SVC002  Service/alpha-admin-svc  targetPort "admin" is not a port of the selected containers (they declare 3001/http)');
  assert.match(lines[1]!, /^ {4}fix: name a containerPort "admin"/);
});

test('a YAML syntax error is a finding (exit 1), never a stack trace', () => {
  const run = cli('--schema-only', fixture('schema/yaml-syntax.yaml'));
  assert.is(run.status, 1);
  assert.ok(run.stdout.includes('yaml-syntax.yaml:7:10  error  YAML001  -  YAML syntax error: bad indentation'), run.stdout);
  assert.not.match(`${run.stdout}${run.stderr}`, /\n\s+at /);
});

test('--json gives the same findings to machines', () => {
  const run = cli('--json', '--schema-only', fixture('schema/duplicate-key.yaml'));
  assert.is(run.status, 1);
  const report = JSON.parse(run.stdout) as { version: number; errors: number; findings: { ruleId: string; line: number; column: number; file: string }[] };
  assert.is(report.version, 1);
  assert.is(report.errors, 1);
  assert.equal(report.findings.map((f) => [f.ruleId, f.line, f.column]), [['YAML002', 9, 7]]);
});

test('exit 2 for an unreadable path, even with other valid files', () => {
  const run = cli('--root', FIXTURE_ROOT, fixture('base.yaml'), fixture('does-not-exist.yaml'));
  assert.is(run.status, 2);
  assert.match(run.stdout, /does-not-exist\.yaml: cannot read: no such file or directory/);
});

test('exit 2 for a usage error, with the usage', () => {
  const unknown = cli('--frobnicate');
  assert.is(unknown.status, 2);
  assert.match(unknown.stderr, /Unknown option '--frobnicate'[\s\S]*Usage: validate/);
  assert.is(cli('--workers', 'two').status, 2);
});

test('no paths: the repository default (k8s/ and kind-cluster-config.yaml), which validates clean: exit 0, no error, no warning', () => {
  const run = cli();
  const files = readdirSync(join(REPO_ROOT, 'k8s'), { recursive: true, encoding: 'utf8' }).filter((path) => /\.ya?ml$/.test(path)).length + 1;
  assert.is(run.status, 0, `${run.stdout}${run.stderr}`);
  assert.match(run.stdout, new RegExp(`^0 errors, 0 warnings in ${files} files \\(\\d+ resources\\)\n$`));
});

test('--help and --list-rules exit 0', () => {
  assert.is(cli('--help').status, 0);
  const rules = cli('--list-rules');
  assert.is(rules.status, 0);
  assert.ok(rules.stdout.split('\n').some((line) => line.startsWith('SVC001  a Service selector matches')), rules.stdout);
});

test.run();
