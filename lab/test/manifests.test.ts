// lab/k8s/controller.yaml: cross-checked against the controller's code (every env variable is
// one it reads, and valid), then applied to the REAL kube-apiserver, where the controller,
// running with the ServiceAccount's own token, can do its job and nothing more.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  RbacAuthorizationV1Api,
  type V1Deployment,
  type V1Role,
  type V1RoleBinding,
  type V1Service,
  type V1ServiceAccount,
} from '@kubernetes/client-node';
import { server } from '@shopmesh/testkit';
import { parseAllDocuments } from 'yaml';
import { VirtualServiceActuator } from '../src/actuator/virtual-service.ts';
import { loadConfig } from '../src/controller/config.ts';
import { uniqueName } from './support/istio-exporter.ts';
import { KubeFixture, mainRoutingVs, VS } from './support/kube.ts';

const file = join(import.meta.dirname, '..', 'k8s', 'controller.yaml');
type Doc = { kind: string; metadata: { name: string; namespace?: string } } & Record<string, unknown>;
const docs = parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJS() as Doc);
const byKind = <T>(kind: string): T => {
  const found = docs.find((d) => d.kind === kind);
  if (!found) throw new Error(`${file}: no ${kind}`);
  return found as unknown as T;
};
const deployment = byKind<V1Deployment>('Deployment');
const container = deployment.spec?.template.spec?.containers[0];

const offline = suite('controller manifests (no server)');

offline('ServiceAccount, Role, RoleBinding, Service and Deployment, all in lirmm-services', () => {
  assert.equal(docs.map((d) => d.kind).sort(), ['Deployment', 'Role', 'RoleBinding', 'Service', 'ServiceAccount']);
  for (const doc of docs) assert.is(doc.metadata.namespace, 'lirmm-services', `${doc.kind} ${doc.metadata.name}`);
});

offline('the Role allows only get/patch on main-routing-vs and create on events', () => {
  const role = byKind<V1Role>('Role');
  assert.equal(role.rules, [
    { apiGroups: ['networking.istio.io'], resources: ['virtualservices'], resourceNames: ['main-routing-vs'], verbs: ['get', 'patch'] },
    { apiGroups: [''], resources: ['events'], verbs: ['create'] },
  ]);
  const binding = byKind<V1RoleBinding>('RoleBinding');
  assert.is(binding.roleRef.name, role.metadata?.name);
  assert.is(binding.subjects?.[0]?.name, byKind<V1ServiceAccount>('ServiceAccount').metadata?.name);
  assert.is(deployment.spec?.template.spec?.serviceAccountName, binding.subjects?.[0]?.name);
});

offline('the Deployment: dev image tag, non-root restricted security context, requests and limits, probes', () => {
  assert.ok(container);
  assert.is(container.image, 'shopmesh/lab-controller:dev');
  const pod = deployment.spec?.template.spec?.securityContext;
  assert.is(pod?.runAsNonRoot, true);
  assert.is(pod?.runAsUser, 1000);
  assert.is(pod?.seccompProfile?.type, 'RuntimeDefault');
  assert.is(container.securityContext?.allowPrivilegeEscalation, false);
  assert.is(container.securityContext?.readOnlyRootFilesystem, true);
  assert.equal(container.securityContext?.capabilities?.drop, ['ALL']);
  assert.ok(container.resources?.requests?.cpu && container.resources.limits?.memory);
  assert.is(container.livenessProbe?.httpGet?.path, '/healthz');
  assert.is(deployment.spec?.replicas, 1);
  const service = byKind<V1Service>('Service');
  assert.is(service.spec?.ports?.[0]?.name, 'http');
  assert.equal(service.spec?.selector, deployment.spec?.selector.matchLabels);
});

offline("the Deployment's environment is a valid controller configuration, and PORT matches the container port", () => {
  const env = Object.fromEntries((container?.env ?? []).map((e) => [e.name, e.value]));
  const config = loadConfig(env);
  assert.is(config.virtualService, 'main-routing-vs');
  assert.is(config.route, 'product-service');
  assert.is(config.port, container?.ports?.[0]?.containerPort);
  const known = ['PROMETHEUS_URL', 'NAMESPACE', 'VIRTUAL_SERVICE', 'ROUTE', 'DESTINATION_HOST', 'SUBSETS', 'WORKLOAD_REGEX', 'POLICY', 'INTERVAL_SECONDS', 'WINDOW_SECONDS', 'FLOOR_PERCENT', 'MAX_STEP_PERCENT', 'ERROR_RATE_THRESHOLD', 'PORT', 'LOG_LEVEL'];
  for (const name of Object.keys(env)) assert.ok(known.includes(name), `${name} is not read by the controller`);
});

offline.run();

const live = suite('controller manifests on the real kube-apiserver, RBAC exercised with the ServiceAccount token');
const kubeconfigPath = server('SHOPMESH_KUBECONFIG');

// Decided when the file loads: without the API server the tests are registered skipped, not left out.
const it = kubeconfigPath ? live : live.skip;

{
  let kube: KubeFixture;
  let namespace = '';

  /** The manifests moved to `namespace` (the RoleBinding's subject too). */
  const inNamespace = <T>(doc: Doc): T => {
    const copy = structuredClone(doc);
    copy.metadata.namespace = namespace;
    const subjects = (copy as { subjects?: { namespace?: string }[] }).subjects;
    subjects?.forEach((s) => (s.namespace = namespace));
    return copy as unknown as T;
  };

  live.before(async () => {
    if (!kubeconfigPath) return;
    kube = new KubeFixture(kubeconfigPath);
    namespace = await kube.namespace(uniqueName('lab-rbac'));
  });
  live.after(() => kube?.cleanup());

  it('every manifest is accepted by the API server', async () => {
    const rbac = kube.kubeConfig.makeApiClient(RbacAuthorizationV1Api);
    const apps = kube.kubeConfig.makeApiClient(AppsV1Api);
    await kube.core.createNamespacedServiceAccount({ namespace, body: inNamespace(byKind('ServiceAccount')) });
    await rbac.createNamespacedRole({ namespace, body: inNamespace(byKind('Role')) });
    await rbac.createNamespacedRoleBinding({ namespace, body: inNamespace(byKind('RoleBinding')) });
    await kube.core.createNamespacedService({ namespace, body: inNamespace(byKind('Service')), dryRun: 'All' });
    const created = await apps.createNamespacedDeployment({ namespace, body: inNamespace(byKind('Deployment')), dryRun: 'All' });
    assert.is(created.spec?.template.spec?.serviceAccountName, 'lab-controller');
  });

  it('with its own token the controller reads and patches main-routing-vs and records Events, and may do nothing else', async () => {
    await kube.createVirtualService(mainRoutingVs(namespace));
    const other = mainRoutingVs(namespace);
    other.metadata.name = 'other-vs';
    await kube.createVirtualService(other);
    const token = await kube.core.createNamespacedServiceAccountToken({ namespace, name: 'lab-controller', body: { spec: { audiences: [], expirationSeconds: 600 } } });
    const cluster = kube.kubeConfig.getCurrentCluster();
    assert.ok(cluster && token.status?.token);
    const asController = new KubeConfig();
    asController.loadFromOptions({
      clusters: [cluster],
      users: [{ name: 'lab-controller', token: token.status.token }],
      contexts: [{ name: 'lab', cluster: cluster.name, user: 'lab-controller' }],
      currentContext: 'lab',
    });

    const actuator = new VirtualServiceActuator(asController, { namespace, virtualService: 'main-routing-vs', route: 'product-service', host: 'product-service-svc', subsets: ['v1', 'v2'] });
    const written = await actuator.apply(await actuator.read(), { v1: 80, v2: 20 });
    assert.equal(written.weights, { v1: 80, v2: 20 });
    await actuator.recordEvent(written, { type: 'Normal', reason: 'WeightsChanged', message: 'rbac test' });

    const forbidden = async (what: string, call: Promise<unknown>): Promise<void> => {
      try {
        await call;
      } catch (error) {
        assert.is((error as { code?: number }).code, 403, `${what}: ${String(error)}`);
        return;
      }
      assert.unreachable(`${what} was allowed`);
    };
    const custom = asController.makeApiClient(CustomObjectsApi);
    const core = asController.makeApiClient(CoreV1Api);
    await forbidden('get another VirtualService', custom.getNamespacedCustomObject({ ...VS, namespace, name: 'other-vs' }));
    await forbidden('list VirtualServices', custom.listNamespacedCustomObject({ ...VS, namespace }));
    await forbidden('delete main-routing-vs', custom.deleteNamespacedCustomObject({ ...VS, namespace, name: 'main-routing-vs' }));
    await forbidden('list pods', core.listNamespacedPod({ namespace }));
    await forbidden('list events', core.listNamespacedEvent({ namespace }));
    const elsewhere = await kube.namespace(uniqueName('lab-rbac-other'));
    await kube.createVirtualService(mainRoutingVs(elsewhere));
    await forbidden('get main-routing-vs in another namespace', custom.getNamespacedCustomObject({ ...VS, namespace: elsewhere, name: 'main-routing-vs' }));
  });
}

live.run();
