// cluster: what the seed's setup-kind.sh did, made idempotent. kind and istioctl run as CLIs (zx);
// everything that talks to the Kubernetes API goes through client-node.
//   kind create cluster (reused when it exists; --recreate deletes it first)
//   istioctl install --set profile=demo -y   (skipped when istiod is healthy at the pinned version)
//   Istio's Prometheus, Grafana and Kiali addons from the pinned release's samples/addons
//   istio-ingressgateway -> NodePort 30000 (kind maps it to localhost:13000)
//   namespace lirmm-services labelled istio-injection=enabled, and the auth-service Secret
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KubernetesObject, V1Deployment, V1Service } from '@kubernetes/client-node';
import { applyObjects } from '../lib/apply.ts';
import { istioInstallDemo } from '../lib/istioctl.ts';
import { createKindCluster, deleteKindCluster, exportKindKubeconfig, kindClusters } from '../lib/kind.ts';
import { apiErrorMessage, isStatus, loadKubeConfig, type Kube } from '../lib/kube.ts';
import { kubeContext, type PipelineOptions } from '../lib/options.ts';
import type { Log } from '../lib/log.ts';
import { parseAllManifests } from '../lib/manifests.ts';
import { deploymentStatus } from '../lib/workloads.ts';
import {
  AUTH_SECRET_NAME,
  FIELD_MANAGER,
  INGRESS_NODE_PORT,
  INGRESS_SERVICE,
  ISTIO_ADDONS,
  ISTIO_NAMESPACE,
  ISTIO_VERSION,
  istioAddonUrl,
} from '../lib/versions.ts';

export interface KindClusterInput {
  log: Log;
  name: string;
  configPath: string;
  recreate: boolean;
  kubeconfig: string | undefined;
  /** Does the kubeconfig already have the cluster's context (kind-<name>)? */
  hasContext: () => boolean;
}

/** kind: reuse the cluster, or (re)create it. Returns what was done. */
export async function ensureKindCluster(input: KindClusterInput): Promise<'reused' | 'created' | 'recreated'> {
  const { log, name } = input;
  let exists = (await kindClusters()).includes(name);
  let deleted = false;
  if (exists && input.recreate) {
    await deleteKindCluster(log, name);
    exists = false;
    deleted = true;
  }
  if (!exists) {
    await createKindCluster(log, name, input.configPath, input.kubeconfig);
    return deleted ? 'recreated' : 'created';
  }
  log.line(`kind cluster ${name} exists, reused`);
  if (!input.hasContext()) await exportKindKubeconfig(log, name, input.kubeconfig);
  return 'reused';
}

/** istiod is Available and runs the pinned version. */
export async function istiodHealthy(kube: Kube): Promise<{ healthy: boolean; reason: string }> {
  let istiod: V1Deployment;
  try {
    istiod = await kube.apps.readNamespacedDeployment({ name: 'istiod', namespace: ISTIO_NAMESPACE });
  } catch (error) {
    if (isStatus(error, 404)) return { healthy: false, reason: 'istiod is not installed' };
    throw error;
  }
  const image = istiod.spec?.template.spec?.containers[0]?.image ?? '';
  const version = image.slice(image.lastIndexOf(':') + 1);
  if (version !== ISTIO_VERSION) return { healthy: false, reason: `istiod runs ${version || 'an unknown version'}, pinned ${ISTIO_VERSION}` };
  const status = deploymentStatus(istiod);
  if (!status.done) return { healthy: false, reason: `istiod is not ready: ${status.message}` };
  return { healthy: true, reason: `istiod ${ISTIO_VERSION} is healthy` };
}

export async function ensureIstio(kube: Kube, log: Log, kubeconfig: string | undefined): Promise<'present' | 'installed'> {
  const before = await istiodHealthy(kube);
  if (before.healthy) {
    log.line(`${before.reason}, install skipped`);
    return 'present';
  }
  log.line(`${before.reason}: installing Istio ${ISTIO_VERSION} (demo profile)`);
  await istioInstallDemo(log, kube.context, kubeconfig);
  return 'installed';
}

/** The addon manifests of the pinned release: from a local Istio directory, else downloaded. */
export async function loadIstioAddon(addon: string, istioDir: string | undefined): Promise<KubernetesObject[]> {
  let text: string;
  if (istioDir) {
    const path = join(istioDir, 'samples', 'addons', `${addon}.yaml`);
    if (!existsSync(path)) throw new Error(`${path} does not exist: --istio-dir must be an Istio ${ISTIO_VERSION} release directory`);
    text = await readFile(path, 'utf8');
  } else {
    const url = istioAddonUrl(addon);
    const response = await fetch(url, { signal: AbortSignal.timeout(30_000) }).catch((error: unknown) => {
      throw new Error(`cannot download ${url}: ${(error as Error).message} (offline? pass --istio-dir <Istio ${ISTIO_VERSION} release>)`);
    });
    if (!response.ok) throw new Error(`cannot download ${url}: HTTP ${response.status}`);
    text = await response.text();
  }
  return parseAllManifests(text) as KubernetesObject[];
}

export async function applyIstioAddons(kube: Kube, log: Log, istioDir: string | undefined): Promise<void> {
  for (const addon of ISTIO_ADDONS) {
    const objects = await loadIstioAddon(addon, istioDir);
    const applied = await applyObjects(kube, objects);
    const changed = applied.filter((item) => item.outcome !== 'unchanged').length;
    log.line(`addon ${addon}: ${applied.length} objects, ${changed} created or changed`);
  }
}

/** `kubectl patch svc istio-ingressgateway` to NodePort 30000 for port 80, through the API. */
export async function ensureIngressNodePort(kube: Kube, log: Log): Promise<'unchanged' | 'patched'> {
  let service: V1Service;
  try {
    service = await kube.core.readNamespacedService({ name: INGRESS_SERVICE, namespace: ISTIO_NAMESPACE });
  } catch (error) {
    if (isStatus(error, 404)) {
      throw new Error(`Service ${INGRESS_SERVICE} not found in ${ISTIO_NAMESPACE}: the Istio install did not create its ingress gateway`);
    }
    throw error;
  }
  const http = service.spec?.ports?.find((port) => port.port === 80);
  if (!http) throw new Error(`Service ${INGRESS_SERVICE} has no port 80 to expose`);
  if (service.spec?.type === 'NodePort' && http.nodePort === INGRESS_NODE_PORT) {
    log.line(`${INGRESS_SERVICE} already NodePort ${INGRESS_NODE_PORT}`);
    return 'unchanged';
  }
  // A strategic merge patch merges `ports` by port number, exactly like the seed's kubectl patch.
  const patch = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: INGRESS_SERVICE, namespace: ISTIO_NAMESPACE },
    spec: { type: 'NodePort', ports: [{ port: 80, nodePort: INGRESS_NODE_PORT }] },
  };
  try {
    await kube.objects.patch(patch, undefined, undefined, undefined, undefined, 'application/strategic-merge-patch+json');
  } catch (error) {
    throw new Error(`cannot set ${INGRESS_SERVICE} to NodePort ${INGRESS_NODE_PORT}: ${apiErrorMessage(error)}`);
  }
  log.line(`${INGRESS_SERVICE}: NodePort ${INGRESS_NODE_PORT} for port 80`);
  return 'patched';
}

/**
 * The namespace with istio-injection=enabled. Read first and patched only when the label is missing:
 * the manifests apply the namespace too (with more labels) under the pipeline's field manager, and
 * an apply here with fewer labels would take those away on every run.
 */
export async function ensureNamespace(kube: Kube, log: Log, namespace: string): Promise<'created' | 'labelled' | 'unchanged'> {
  const label = { 'istio-injection': 'enabled' };
  let outcome: 'created' | 'labelled' | 'unchanged';
  try {
    const existing = await kube.core.readNamespace({ name: namespace });
    if (existing.metadata?.labels?.['istio-injection'] === 'enabled') outcome = 'unchanged';
    else {
      await kube.objects.patch(
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels: label } },
        undefined,
        undefined,
        FIELD_MANAGER,
        undefined,
        'application/merge-patch+json',
      );
      outcome = 'labelled';
    }
  } catch (error) {
    if (!isStatus(error, 404)) throw error;
    await kube.core.createNamespace({ body: { metadata: { name: namespace, labels: label } } });
    outcome = 'created';
  }
  log.line(`namespace ${namespace} (istio-injection=enabled): ${outcome}`);
  return outcome;
}

export const ADMIN_EMAIL = 'admin@shopmesh.local';
export const AUTH_SECRET_KEYS = ['JWT_PRIVATE_KEY', 'ADMIN_EMAIL', 'ADMIN_PASSWORD'] as const;

/** A fresh RS256 signing key (PKCS#8 PEM), the admin e-mail and a random password. */
export function generateAuthSecretData(): Record<(typeof AUTH_SECRET_KEYS)[number], string> {
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return { JWT_PRIVATE_KEY: privateKey, ADMIN_EMAIL, ADMIN_PASSWORD: randomBytes(18).toString('base64url') };
}

/** Creates the Secret when absent; an existing one is never overwritten (its keys stay valid). */
export async function ensureAuthSecret(kube: Kube, log: Log, namespace: string): Promise<'created' | 'kept'> {
  const readHint = `kubectl -n ${namespace} get secret ${AUTH_SECRET_NAME} -o jsonpath='{.data.ADMIN_PASSWORD}' | base64 -d`;
  try {
    const existing = await kube.core.readNamespacedSecret({ name: AUTH_SECRET_NAME, namespace });
    const missing = AUTH_SECRET_KEYS.filter((key) => !existing.data?.[key]);
    if (missing.length > 0) log.line(`warning: Secret ${AUTH_SECRET_NAME} exists but lacks ${missing.join(', ')} (left as it is)`);
    log.line(`Secret ${AUTH_SECRET_NAME} exists, kept; admin password: ${readHint}`);
    return 'kept';
  } catch (error) {
    if (!isStatus(error, 404)) throw error;
  }
  try {
    await kube.core.createNamespacedSecret({
      namespace,
      body: {
        metadata: { name: AUTH_SECRET_NAME, namespace, labels: { 'app.kubernetes.io/part-of': 'shopmesh' } },
        type: 'Opaque',
        stringData: generateAuthSecretData(),
      },
    });
  } catch (error) {
    if (isStatus(error, 409)) return 'kept';
    throw error;
  }
  log.line(`Secret ${AUTH_SECRET_NAME} created: admin ${ADMIN_EMAIL}, password: ${readHint}`);
  return 'created';
}

/** Reads the admin credentials back (for smoke requests). */
export async function readAdminCredentials(kube: Kube, namespace: string): Promise<{ email: string; password: string }> {
  const secret = await kube.core.readNamespacedSecret({ name: AUTH_SECRET_NAME, namespace });
  const decode = (key: string): string => Buffer.from(secret.data?.[key] ?? '', 'base64').toString('utf8');
  return { email: decode('ADMIN_EMAIL'), password: decode('ADMIN_PASSWORD') };
}

export interface ClusterStageInput {
  log: Log;
  root: string;
  options: PipelineOptions;
  /** Connects to the target cluster (after kind has made it, for a kind target). */
  connect: () => Kube;
}

export async function runClusterStage(input: ClusterStageInput): Promise<string> {
  const { log, options } = input;
  const notes: string[] = [];
  if (options.target.kind === 'kind') {
    const outcome = await ensureKindCluster({
      log,
      name: options.clusterName,
      configPath: join(input.root, 'kind-cluster-config.yaml'),
      recreate: options.recreate,
      kubeconfig: options.kubeconfig,
      hasContext: () => hasContext(options.kubeconfig, kubeContext(options)),
    });
    notes.push(`kind ${outcome}`);
  }
  const kube = input.connect();
  notes.push(`istio ${await ensureIstio(kube, log, options.kubeconfig)}`);
  await applyIstioAddons(kube, log, options.istioDir);
  await ensureIngressNodePort(kube, log);
  await ensureNamespace(kube, log, options.namespace);
  notes.push(`secret ${await ensureAuthSecret(kube, log, options.namespace)}`);
  return notes.join(', ');
}

function hasContext(kubeconfig: string | undefined, context: string): boolean {
  try {
    loadKubeConfig({ kubeconfig, context });
    return true;
  } catch {
    return false;
  }
}
