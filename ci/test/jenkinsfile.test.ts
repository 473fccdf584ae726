// The Jenkinsfile: linted by npm-groovy-lint (CodeNarc with its Jenkinsfile rules, on the JVM), and
// kept thin: every step it runs is a command of the TypeScript pipeline.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Log, memorySink } from '../lib/log.ts';
import { main } from '../pipeline.ts';
import { makeTree, removeTree, REPO_ROOT } from './fixtures.ts';

const JENKINSFILE = join(REPO_ROOT, 'Jenkinsfile');
const text = readFileSync(JENKINSFILE, 'utf8');

interface LintReport {
  files: Record<string, { errors: { severity: string; rule: string; msg: string; line?: number }[] }>;
}

function lint(file: string): LintReport {
  const result = spawnSync(
    join(REPO_ROOT, 'node_modules/.bin/npm-groovy-lint'),
    ['--noserver', '--output', 'json', '--failon', 'none', 'Jenkinsfile'],
    { cwd: dirname(file), encoding: 'utf8', timeout: 300_000 },
  );
  const start = result.stdout.indexOf('{');
  if (start < 0) throw new Error(`npm-groovy-lint printed no report (exit ${result.status}): ${result.stderr.slice(-2000)}`);
  return JSON.parse(result.stdout.slice(start)) as LintReport;
}

const problems = (report: LintReport): string[] =>
  Object.values(report.files)
    .flatMap((file) => file.errors)
    .filter((error) => error.severity === 'error' || error.severity === 'warning')
    .map((error) => `${error.line ?? '?'}: ${error.severity} ${error.rule} ${error.msg}`);

test('npm-groovy-lint finds no error and no warning in the Jenkinsfile', () => {
  const report = lint(JENKINSFILE);
  assert.ok(Object.keys(report.files).length >= 1, 'the Jenkinsfile was linted');
  assert.equal(problems(report), []);
});

test('the linter does catch a broken Jenkinsfile (an unclosed block)', () => {
  const broken = makeTree({ Jenkinsfile: text.replace(/\n}\s*$/, '\n') });
  try {
    assert.ok(problems(lint(join(broken, 'Jenkinsfile'))).length > 0);
  } finally {
    removeTree(broken);
  }
});

test('declarative, with the environment block, and no logic of its own: npm ci, the pipeline, diagnose on failure', () => {
  assert.match(text, /^pipeline \{/m);
  assert.match(text, /environment \{\s*CLUSTER_NAME = 'lirmm'\s*NAMESPACE = 'lirmm-services'\s*\}/);
  const steps = [...text.matchAll(/\bsh '([^']*)'/g)].map((match) => match[1]);
  assert.equal(steps, ['npm ci --no-audit --no-fund', 'dagger run npx tsx ci/pipeline.ts', 'npx tsx ci/pipeline.ts diagnose']);
  assert.match(text, /post \{\s*failure \{\s*sh 'npx tsx ci\/pipeline.ts diagnose'/);
});

test('the post-failure diagnose exits 0 when no cluster exists yet (missing kubeconfig, or an API server that does not answer)', async () => {
  const unreachable = makeTree({
    kubeconfig: [
      'apiVersion: v1',
      'kind: Config',
      'clusters: [{name: gone, cluster: {server: "https://127.0.0.1:1"}}]',
      'users: [{name: u, user: {token: t}}]',
      'contexts: [{name: kind-lirmm, context: {cluster: gone, user: u}}]',
      'current-context: kind-lirmm',
      '',
    ].join('\n'),
  });
  try {
    for (const kubeconfig of [join(unreachable, 'missing-kubeconfig'), join(unreachable, 'kubeconfig')]) {
      const { sink, lines } = memorySink();
      const code = await main(['diagnose', '--kubeconfig', kubeconfig], new Log(sink));
      assert.is(code, 0, kubeconfig);
      assert.match(lines.join('\n'), 'no cluster to diagnose', kubeconfig);
    }
  } finally {
    removeTree(unreachable);
  }
});

test('the agent requirement is stated, and no plugin-only option is used', () => {
  assert.match(text, /agent must be the Docker host/);
  assert.not.match(text, /timestamps\(\)\s*$/m);
  assert.match(readFileSync(join(REPO_ROOT, 'README.md'), 'utf8'), /agent must be the Docker host/);
});

test.run();
