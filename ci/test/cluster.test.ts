// The cluster stage. kind and istioctl cannot run here (no kind node image, no Istio data plane):
// strict stand-ins for both are put on PATH, at the process boundary: they record the exact command
// lines and refuse any call they do not expect (ci/test/strict-stand-in.ts).
// Everything the stage does through the Kubernetes API (istiod health, addons, the ingress
// NodePort, the namespace label, the generated Secret) hits the test environment's real API server,
// reached under the context name kind would have written (kind-lirmm).
import { createPrivateKey } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import type { ChildProcess } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { lockNodePort } from './standins/node-port-lock.ts';
import { applyObjects } from '../lib/apply.ts';
import { connectKube, isStatus, type Kube } from '../lib/kube.ts';
import { Log, memorySink } from '../lib/log.ts';
import { kubeContext, parseOptions } from '../lib/options.ts';
import { waitForRollouts } from '../lib/rollout.ts';
import { ISTIO_VERSION } from '../lib/versions.ts';
import { runClusterStage } from '../steps/cluster.ts';
import { makeTree, removeTree, REPO_ROOT, testKube, uniqueName } from './fixtures.ts';
import { callLog, standInCalls, writeStandIn, type StandInRule } from './strict-stand-in.ts';

const cluster = suite('cluster stage (kind and istioctl: strict stand-ins on PATH; Kubernetes API: real)');
let nodePortLock: ChildProcess | undefined;
const target = testKube();
const namespace = uniqueName('shopmesh-cluster');
const ADDON_PREFIX = 'shopmesh-test-addon-';
let kube: Kube;
let work = '';
let kubeconfig = '';

// kind keeps its clusters in a file beside the stand-ins; every other call is refused (exit 97).
const KIND_RULES: StandInRule[] = [
  { args: /get clusters/, run: 'if [[ -s $STANDIN_DIR/clusters ]]; then cat "$STANDIN_DIR/clusters"; else echo "No kind clusters found." >&2; fi' },
  {
    args: /create cluster --name lirmm --config \S+ --wait 120s --kubeconfig \S+/,
    run: 'echo "$4" >> "$STANDIN_DIR/clusters"; echo "Creating cluster \\"$4\\" ..."',
    failVariant: 'create',
    failMessage: 'ERROR: failed to create cluster: could not find a log line that matches "Reached target .*Multi-User System.*"',
  },
  { args: /delete cluster --name lirmm/, run: 'grep -vx "$4" "$STANDIN_DIR/clusters" > "$STANDIN_DIR/clusters.new" || true; mv "$STANDIN_DIR/clusters.new" "$STANDIN_DIR/clusters"' },
  { args: /export kubeconfig --name lirmm --kubeconfig \S+/ },
];

const ISTIOCTL_RULES: StandInRule[] = [
  {
    args: /install --set profile=demo -y --context kind-lirmm --kubeconfig \S+/,
    stdout: '✔ Istio core installed\n',
    failVariant: 'install',
    failMessage: 'Error: failed to install manifests: context deadline exceeded',
  },
];

function addon(name: string): string {
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${ADDON_PREFIX}${name}\n  namespace: istio-system\ndata:\n  addon: ${name}\n`;
}

/** The stand-ins' calls since the last look, as command lines; the log starts afresh. */
function commands(): string[] {
  const lines = standInCalls(work).map((call) => [call.tool, ...call.args].join(' '));
  writeFileSync(callLog(work), '');
  return lines;
}

async function stage(...flags: string[]) {
  const options = parseOptions(['--kubeconfig', kubeconfig, '--istio-dir', join(work, 'istio'), ...flags], { NAMESPACE: namespace });
  const { sink, lines } = memorySink();
  // As the pipeline connects: the kubeconfig given, the kind cluster's context.
  const connect = (): Kube => connectKube({ kubeconfig: options.kubeconfig, context: kubeContext(options) });
  const note = await runClusterStage({ log: new Log(sink), root: REPO_ROOT, options, connect });
  return { note, lines, commands: commands() };
}

cluster.before(async () => {
  if (!target) return;
  kube = target.kube;
  work = makeTree({
    'clusters': '',
    'istio/samples/addons/prometheus.yaml': addon('prometheus'),
    'istio/samples/addons/grafana.yaml': addon('grafana'),
    'istio/samples/addons/kiali.yaml': addon('kiali'),
  });
  writeStandIn(work, 'kind', KIND_RULES);
  writeStandIn(work, 'istioctl', ISTIOCTL_RULES);
  process.env.PATH = `${join(work, 'bin')}:${process.env.PATH}`;

  // The kubeconfig kind would have written: the test API server under the context kind-lirmm.
  const source = new KubeConfig();
  source.loadFromFile(target.kubeconfig);
  const context = source.getContextObject(source.getCurrentContext());
  if (!context) throw new Error('test kubeconfig has no current context');
  const renamed = new KubeConfig();
  renamed.loadFromOptions({
    clusters: source.clusters,
    users: source.users,
    contexts: [{ ...context, name: 'kind-lirmm' }],
    currentContext: 'kind-lirmm',
  });
  kubeconfig = join(work, 'kubeconfig');
  writeFileSync(kubeconfig, renamed.exportConfig());

  // The namespace exists already, without the injection label (made by hand, say).
  await kube.core.createNamespace({ body: { metadata: { name: namespace, labels: { team: 'shop' } } } });

  // The ingress gateway Service is cluster-wide: one test run at a time uses it.
  nodePortLock = await lockNodePort();
  // What `istioctl install` would have created: the ingress gateway Service, not yet a NodePort.
  await applyObjects(kube, [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'istio-system', labels: { 'shopmesh.test/used-by': 'ci' } } }]);
  // Another run (the pipeline on the real node leaves its shop running) may have left its own
  // version behind: start from the fixture, always, with no istiod.
  await kube.core.deleteNamespacedService({ name: 'istio-ingressgateway', namespace: 'istio-system' }).catch((error: unknown) => {
    if (!isStatus(error, 404)) throw error;
  });
  await kube.apps.deleteNamespacedDeployment({ name: 'istiod', namespace: 'istio-system', propagationPolicy: 'Background' }).catch((error: unknown) => {
    if (!isStatus(error, 404)) throw error;
  });
  for (let i = 0; ; i++) {
    const gone = await kube.apps.readNamespacedDeployment({ name: 'istiod', namespace: 'istio-system' }).then(() => false, (error: unknown) => isStatus(error, 404));
    if (gone) break;
    if (i >= 100) throw new Error('a leftover istiod Deployment in istio-system was not removed within 30 s');
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  await kube.core.createNamespacedService({
    namespace: 'istio-system',
    body: {
      metadata: { name: 'istio-ingressgateway' },
      spec: {
        type: 'LoadBalancer',
        selector: { istio: 'ingressgateway' },
        ports: [
          { name: 'http2', port: 80, targetPort: 8080 },
          { name: 'https', port: 443, targetPort: 8443 },
        ],
      },
    },
  });
});

cluster.after(async () => {
  if (!target) return;
  await kube.core.deleteNamespace({ name: namespace }).catch(() => undefined);
  await kube.core.deleteNamespacedService({ name: 'istio-ingressgateway', namespace: 'istio-system' }).catch(() => undefined);
  await kube.apps.deleteNamespacedDeployment({ name: 'istiod', namespace: 'istio-system' }).catch(() => undefined);
  for (const name of ['prometheus', 'grafana', 'kiali']) {
    await kube.core.deleteNamespacedConfigMap({ name: `${ADDON_PREFIX}${name}`, namespace: 'istio-system' }).catch(() => undefined);
  }
  nodePortLock?.kill();
  removeTree(work);
});

/** Runs the stage with the named failing variants switched on; returns its error. */
async function failingStage(variants: string): Promise<Error> {
  process.env.SHOPMESH_STANDIN_FAIL = variants;
  try {
    await stage();
  } catch (error) {
    return error as Error;
  } finally {
    delete process.env.SHOPMESH_STANDIN_FAIL;
    writeFileSync(join(work, 'clusters'), '');
  }
  throw new Error(`the cluster stage succeeded although ${variants} failed`);
}

(target ? cluster : cluster.skip)('kind create cluster fails (strict kind stand-in, failing variant): the error names the command, its exit code and kind\'s message; istioctl is not called', async () => {
  const error = await failingStage('kind:create');
  assert.match(error.message, /^kind create cluster failed: exit 1/);
  assert.match(error.message, 'failed to create cluster');
  const calls = commands();
  assert.is(calls.length, 2, calls.join('\n'));
  assert.ok(calls[1]?.startsWith('kind create cluster --name lirmm'));
  assert.not.ok(calls.some((call) => call.startsWith('istioctl')));
});

(target ? cluster : cluster.skip)('istioctl install fails (strict istioctl stand-in, failing variant): the error names istioctl install and its message; the namespace is not labelled', async () => {
  const error = await failingStage('istioctl:install');
  assert.match(error.message, /^istioctl install failed: exit 1/);
  assert.match(error.message, 'context deadline exceeded');
  const calls = commands();
  assert.is(calls.at(-1), `istioctl install --set profile=demo -y --context kind-lirmm --kubeconfig ${kubeconfig}`);
  const ns = await kube.core.readNamespace({ name: namespace });
  assert.is(ns.metadata?.labels?.['istio-injection'], undefined);
});

(target ? cluster : cluster.skip)('a call the stand-ins do not expect fails the stage (strict stand-in: exit 97, the call printed)', async () => {
  const options = parseOptions(['--kubeconfig', kubeconfig, '--istio-dir', join(work, 'istio')], { NAMESPACE: namespace, CLUSTER_NAME: 'other' });
  const error = await runClusterStage({ log: new Log(() => undefined), root: REPO_ROOT, options, connect: () => kube }).then(
    () => undefined,
    (caught: unknown) => caught as Error,
  );
  writeFileSync(join(work, 'clusters'), '');
  commands();
  assert.ok(error, 'a kind create cluster for another cluster name has no rule: the stage must fail');
  assert.match(error.message, 'exit 97');
  assert.match(error.message, 'unexpected call: kind create cluster --name other');
});

(target ? cluster : cluster.skip)('first run: kind create cluster from kind-cluster-config.yaml, istioctl install (no istiod yet), then the API parts', async () => {
  const run = await stage();
  assert.equal(run.commands, [
    'kind get clusters',
    `kind create cluster --name lirmm --config ${join(REPO_ROOT, 'kind-cluster-config.yaml')} --wait 120s --kubeconfig ${kubeconfig}`,
    `istioctl install --set profile=demo -y --context kind-lirmm --kubeconfig ${kubeconfig}`,
  ]);
  assert.match(run.note, 'kind created');
  assert.match(run.note, 'istio installed');

  const ingress = await kube.core.readNamespacedService({ name: 'istio-ingressgateway', namespace: 'istio-system' });
  assert.is(ingress.spec?.type, 'NodePort');
  assert.is(ingress.spec?.ports?.find((port) => port.port === 80)?.nodePort, 30000);
  assert.is(ingress.spec?.ports?.find((port) => port.port === 443)?.targetPort, 8443, 'the other port is left as it was');

  const ns = await kube.core.readNamespace({ name: namespace });
  assert.is(ns.metadata?.labels?.['istio-injection'], 'enabled');
  assert.is(ns.metadata?.labels?.team, 'shop', 'other labels kept');
  assert.ok(run.lines.includes(`namespace ${namespace} (istio-injection=enabled): labelled`), run.lines.join('\n'));

  for (const name of ['prometheus', 'grafana', 'kiali']) {
    const map = await kube.core.readNamespacedConfigMap({ name: `${ADDON_PREFIX}${name}`, namespace: 'istio-system' });
    assert.is(map.data?.addon, name, `addon ${name} applied from --istio-dir`);
  }

  const secret = await kube.core.readNamespacedSecret({ name: 'auth-service-secrets', namespace });
  const value = (key: string): string => Buffer.from(secret.data?.[key] ?? '', 'base64').toString('utf8');
  const key = createPrivateKey(value('JWT_PRIVATE_KEY'));
  assert.is(key.asymmetricKeyType, 'rsa');
  assert.match(value('JWT_PRIVATE_KEY'), /^-----BEGIN PRIVATE KEY-----/);
  assert.is(value('ADMIN_EMAIL'), 'admin@shopmesh.local');
  assert.ok(value('ADMIN_PASSWORD').length >= 20);
  assert.ok(run.lines.some((line) => line.includes("jsonpath='{.data.ADMIN_PASSWORD}'")), 'says where to read the admin password');
});

(target ? cluster : cluster.skip)('second run, istiod healthy at the pinned version: the cluster is reused, nothing is installed, the Secret is kept', async () => {
  const secretBefore = await kube.core.readNamespacedSecret({ name: 'auth-service-secrets', namespace });
  // What `istioctl install` leaves: istiod at the pinned version (kwok makes it Available).
  await applyObjects(kube, [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'istiod', namespace: 'istio-system' },
      spec: {
        selector: { matchLabels: { app: 'istiod' } },
        template: { metadata: { labels: { app: 'istiod' } }, spec: { containers: [{ name: 'discovery', image: `docker.io/istio/pilot:${ISTIO_VERSION}` }] } },
      },
    } as never,
  ]);
  await waitForRollouts(kube, [{ kind: 'Deployment', namespace: 'istio-system', name: 'istiod' }], { deadlineMs: 60_000, log: new Log(() => undefined) });

  const run = await stage();
  assert.equal(run.commands, ['kind get clusters']);
  assert.match(run.note, 'kind reused');
  assert.match(run.note, 'istio present');
  assert.match(run.note, 'secret kept');
  assert.ok(run.lines.some((line) => line.includes(`istiod ${ISTIO_VERSION} is healthy, install skipped`)));
  assert.ok(run.lines.some((line) => line.includes('istio-ingressgateway already NodePort 30000')));
  assert.ok(run.lines.includes(`namespace ${namespace} (istio-injection=enabled): unchanged`));
  const secretAfter = await kube.core.readNamespacedSecret({ name: 'auth-service-secrets', namespace });
  assert.equal(secretAfter.data, secretBefore.data, 'never overwritten');
  assert.is(secretAfter.metadata?.resourceVersion, secretBefore.metadata?.resourceVersion);
});

(target ? cluster : cluster.skip)('--recreate deletes the cluster first and creates it again', async () => {
  const run = await stage('--recreate');
  assert.equal(run.commands, [
    'kind get clusters',
    'kind delete cluster --name lirmm',
    `kind create cluster --name lirmm --config ${join(REPO_ROOT, 'kind-cluster-config.yaml')} --wait 120s --kubeconfig ${kubeconfig}`,
  ]);
  assert.match(run.note, 'kind recreated');
});

(target ? cluster : cluster.skip)('an existing cluster whose context is missing from the kubeconfig gets it back with kind export kubeconfig', async () => {
  const elsewhere = join(work, 'other-kubeconfig');
  writeFileSync(elsewhere, readFileSync(target!.kubeconfig, 'utf8'));
  const options = parseOptions(['--kubeconfig', elsewhere, '--istio-dir', join(work, 'istio')], { NAMESPACE: namespace });
  await runClusterStage({ log: new Log(() => undefined), root: REPO_ROOT, options, connect: () => kube });
  assert.equal(commands(), ['kind get clusters', `kind export kubeconfig --name lirmm --kubeconfig ${elsewhere}`]);
});

cluster.run();
