// The one way the pipeline reaches the Kubernetes API: a KubeConfig for the chosen context and the
// typed clients made from it. Everything that talks to a cluster goes through @kubernetes/client-node.
import { ApiException, AppsV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { ManifestObjectApi } from './manifest-object-api.ts';
import { isRecord } from './records.ts';

export interface KubeTarget {
  /** A kubeconfig file; default $KUBECONFIG or ~/.kube/config. */
  kubeconfig?: string | undefined;
  /** A context of that file; default its current context. */
  context?: string | undefined;
}

export interface Kube {
  config: KubeConfig;
  context: string;
  core: CoreV1Api;
  apps: AppsV1Api;
  /** The generic object API; `applyAsWritten` for manifests (see manifest-object-api.ts). */
  objects: ManifestObjectApi;
}

export class KubeConfigError extends Error {}

export function loadKubeConfig(target: KubeTarget): KubeConfig {
  const config = new KubeConfig();
  try {
    if (target.kubeconfig) config.loadFromFile(target.kubeconfig);
    else config.loadFromDefault();
  } catch (error) {
    const source = target.kubeconfig ?? process.env.KUBECONFIG ?? '~/.kube/config';
    throw new KubeConfigError(`cannot load the kubeconfig ${source}: ${(error as Error).message}`);
  }
  if (target.context) {
    if (!config.getContextObject(target.context)) {
      const known = config.getContexts().map((context) => context.name);
      throw new KubeConfigError(
        `kubeconfig has no context "${target.context}" (contexts: ${known.join(', ') || 'none'})`,
      );
    }
    config.setCurrentContext(target.context);
  }
  if (!config.getCurrentCluster()) throw new KubeConfigError('kubeconfig has no current cluster');
  return config;
}

export function kubeClients(config: KubeConfig): Kube {
  return {
    config,
    context: config.getCurrentContext(),
    core: config.makeApiClient(CoreV1Api),
    apps: config.makeApiClient(AppsV1Api),
    objects: ManifestObjectApi.makeApiClient(config),
  };
}

export function connectKube(target: KubeTarget): Kube {
  return kubeClients(loadKubeConfig(target));
}

export function isStatus(error: unknown, code: number): boolean {
  return error instanceof ApiException && error.code === code;
}

/** A short, readable reason from an API error (the Status message when there is one). */
export function apiErrorMessage(error: unknown): string {
  if (error instanceof ApiException) {
    const body: unknown = typeof error.body === 'string' ? safeJson(error.body) : error.body;
    const message = isRecord(body) && typeof body.message === 'string' ? body.message : String(error.body);
    return `HTTP ${error.code}: ${message}`;
  }
  return error instanceof Error ? error.message : String(error);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export { isRecord };

/** Quick reachability probe (the plan uses it: compare with the cluster only when reachable). */
export async function isReachable(kube: Kube, timeoutMs = 3000): Promise<boolean> {
  const probe = kube.core.listNamespace({ limit: 1 }).then(
    () => true,
    () => false,
  );
  const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), timeoutMs).unref());
  return Promise.race([probe, timeout]);
}
