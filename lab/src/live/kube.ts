// The run's own namespace in the real kube-apiserver, holding main-routing-vs exactly as
// k8s/istio/virtual-service.yaml declares it (only the namespace changed), and what the
// controller recorded there.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { undoOnInterrupt } from './cleanup.ts';

const ROOT = new URL('../../../', import.meta.url).pathname;
export const VIRTUAL_SERVICE_MANIFEST = join(ROOT, 'k8s/istio/virtual-service.yaml');
const VS = { group: 'networking.istio.io', version: 'v1', plural: 'virtualservices' } as const;

/** main-routing-vs of the manifest, moved to `namespace`. */
export function mainRoutingVirtualService(namespace: string): Record<string, unknown> {
  const documents = parseAllDocuments(readFileSync(VIRTUAL_SERVICE_MANIFEST, 'utf8')).map((d) => d.toJS() as Record<string, unknown> | null);
  const found = documents.find((d) => d?.kind === 'VirtualService' && (d.metadata as { name?: string } | undefined)?.name === 'main-routing-vs');
  if (!found) throw new Error(`${VIRTUAL_SERVICE_MANIFEST}: no VirtualService main-routing-vs`);
  return { ...found, metadata: { ...(found.metadata as Record<string, unknown>), namespace } };
}

export class RunNamespace {
  private readonly core: CoreV1Api;
  private readonly custom: CustomObjectsApi;
  private forget: (() => void) | undefined;

  constructor(
    kubeConfig: KubeConfig,
    readonly name: string,
  ) {
    this.core = kubeConfig.makeApiClient(CoreV1Api);
    this.custom = kubeConfig.makeApiClient(CustomObjectsApi);
  }

  async create(): Promise<void> {
    this.forget = undoOnInterrupt(() => this.delete());
    await this.core.createNamespace({ body: { metadata: { name: this.name, labels: { 'shopmesh.dev/test': 'lab-live' } } } });
    await this.custom.createNamespacedCustomObject({ ...VS, namespace: this.name, body: mainRoutingVirtualService(this.name) });
  }

  /** Reasons of the Events recorded about main-routing-vs, oldest first. */
  async eventReasons(): Promise<string[]> {
    const list = await this.core.listNamespacedEvent({ namespace: this.name, fieldSelector: 'involvedObject.name=main-routing-vs' });
    return list.items
      .sort((a, b) => String(a.firstTimestamp ?? a.eventTime ?? '').localeCompare(String(b.firstTimestamp ?? b.eventTime ?? '')))
      .map((e) => e.reason ?? '');
  }

  async delete(): Promise<void> {
    this.forget?.();
    await this.core.deleteNamespace({ name: this.name }).catch(() => undefined);
  }
}
