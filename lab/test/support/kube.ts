// Real kube-apiserver fixtures for the lab's tests: throwaway namespaces and a main-routing-vs
// shaped like the cluster's (several prefix routes; the product-service one split v1/v2).
import { CoreV1Api, CustomObjectsApi, KubeConfig, type CoreV1Event } from '@kubernetes/client-node';

export const VS = { group: 'networking.istio.io', version: 'v1', plural: 'virtualservices' } as const;

export interface VirtualServiceObject {
  metadata: { name: string; namespace: string; resourceVersion?: string; uid?: string; labels?: Record<string, string> };
  spec: { hosts: string[]; gateways: string[]; http: Record<string, unknown>[] };
}

export function mainRoutingVs(namespace: string, productSubsets: readonly string[] = ['v1', 'v2']): VirtualServiceObject {
  const prefixRoute = (name: string, prefix: string, host: string, port: number): Record<string, unknown> => ({
    name,
    match: [{ uri: { prefix } }],
    rewrite: { uri: '/' },
    route: [{ destination: { host, port: { number: port } } }],
  });
  return {
    metadata: { name: 'main-routing-vs', namespace },
    spec: {
      hosts: ['*'],
      gateways: ['lirmm-gateway'],
      http: [
        prefixRoute('auth-service', '/auth/', 'auth-service-svc', 3001),
        {
          name: 'product-service',
          match: [{ uri: { prefix: '/products/' } }],
          rewrite: { uri: '/' },
          route: productSubsets.map((subset) => ({
            destination: { host: 'product-service-svc', subset, port: { number: 3002 } },
            weight: Math.round(100 / productSubsets.length),
          })),
        },
        prefixRoute('cart-service', '/cart/', 'cart-service-svc', 3003),
      ],
    },
  };
}

export class KubeFixture {
  readonly kubeConfig = new KubeConfig();
  readonly core: CoreV1Api;
  readonly custom: CustomObjectsApi;
  private readonly namespaces: string[] = [];

  constructor(kubeconfigPath: string) {
    this.kubeConfig.loadFromFile(kubeconfigPath);
    this.core = this.kubeConfig.makeApiClient(CoreV1Api);
    this.custom = this.kubeConfig.makeApiClient(CustomObjectsApi);
  }

  async namespace(name: string): Promise<string> {
    await this.core.createNamespace({ body: { metadata: { name, labels: { 'shopmesh.dev/test': 'lab' } } } });
    this.namespaces.push(name);
    return name;
  }

  async createVirtualService(object: VirtualServiceObject): Promise<VirtualServiceObject> {
    return (await this.custom.createNamespacedCustomObject({
      ...VS,
      namespace: object.metadata.namespace,
      body: { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', ...object },
    })) as VirtualServiceObject;
  }

  async getVirtualService(namespace: string, name = 'main-routing-vs'): Promise<VirtualServiceObject> {
    return (await this.custom.getNamespacedCustomObject({ ...VS, namespace, name })) as VirtualServiceObject;
  }

  async eventsAbout(namespace: string, name = 'main-routing-vs'): Promise<CoreV1Event[]> {
    const list = await this.core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${name}` });
    return list.items;
  }

  async cleanup(): Promise<void> {
    for (const name of this.namespaces.splice(0)) {
      await this.core.deleteNamespace({ name }).catch(() => undefined);
    }
  }
}

/** The owned route's weights of a VirtualService object, by subset. */
export function productWeights(vs: VirtualServiceObject): Record<string, unknown> {
  const route = vs.spec.http.find((r) => r.name === 'product-service') as { route: { destination: { subset: string }; weight?: number }[] };
  return Object.fromEntries(route.route.map((d) => [d.destination.subset, d.weight]));
}
