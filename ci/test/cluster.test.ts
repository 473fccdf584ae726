// The cluster stage. kind and istioctl cannot run here (no kind node image, no Istio data plane):
// stand-ins for both are put on PATH, at the process boundary, and record the exact command lines.
// Everything the stage does through the Kubernetes API (istiod health, addons, the ingress
// NodePort, the namespace label, the generated Secret) hits the test environment's real API server,
// reached under the context name kind would have written (kind-lirmm).
import { createPrivateKey } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
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

const cluster = suite('cluster stage (kind and istioctl: recording stand-ins on PATH; Kubernetes API: real)');
let nodePortLock: ChildProcess | undefined;
const target = testKube();
const namespace = uniqueName('shopmesh-cluster');
const ADDON_PREFIX = 'shopmesh-test-addon-';
let kube: Kube;
let work = '';
let kubeconfig = '';
let commandLog = '';

const KIND_STAND_IN = `#!/usr/bin/env bash
# Stand-in for kind: records its command line and keeps the list of clusters in a file.
echo "kind $*" >> "$SHOPMESH_FAKE_LOG"
state="$SHOPMESH_FAKE_STATE"
name=kind
args=("$@")
for i in "\${!args[@]}"; do [[ \${args[$i]} == --name ]] && name=\${args[$((i + 1))]}; done
case "$1 $2" in
  "get clusters") if [[ -s $state ]]; then cat "$state"; else echo "No kind clusters found." >&2; fi ;;
  "create cluster") echo "$name" >> "$state"; echo "Creating cluster \\"$name\\" ..." ;;
  "delete cluster") grep -vx "$name" "$state" > "$state.new" || true; mv "$state.new" "$state" ;;
  "get nodes") printf '%s\\n' "$name-control-plane" "$name-worker" "$name-worker2" ;;
  "export kubeconfig") ;;
  *) echo "unexpected kind call: $*" >&2; exit 2 ;;
esac
`;

const ISTIOCTL_STAND_IN = `#!/usr/bin/env bash
# Stand-in for istioctl: records its command line.
echo "istioctl $*" >> "$SHOPMESH_FAKE_LOG"
case "$1" in
  version) echo "${ISTIO_VERSION}" ;;
  install) echo "✔ Istio core installed" ;;
  *) echo "unexpected istioctl call: $*" >&2; exit 2 ;;
esac
`;

function addon(name: string): string {
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${ADDON_PREFIX}${name}\n  namespace: istio-system\ndata:\n  addon: ${name}\n`;
}

function commands(): string[] {
  const lines = readFileSync(commandLog, 'utf8').split('\n').filter(Boolean);
  writeFileSync(commandLog, '');
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
    'bin/kind': KIND_STAND_IN,
    'bin/istioctl': ISTIOCTL_STAND_IN,
    'commands.log': '',
    'clusters': '',
    'istio/samples/addons/prometheus.yaml': addon('prometheus'),
    'istio/samples/addons/grafana.yaml': addon('grafana'),
    'istio/samples/addons/kiali.yaml': addon('kiali'),
  });
  chmodSync(join(work, 'bin/kind'), 0o755);
  chmodSync(join(work, 'bin/istioctl'), 0o755);
  commandLog = join(work, 'commands.log');
  process.env.SHOPMESH_FAKE_LOG = commandLog;
  process.env.SHOPMESH_FAKE_STATE = join(work, 'clusters');
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
