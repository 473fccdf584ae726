// The weights of the owned route of a VirtualService as the kube-apiserver holds them, read again
// every `pollMs` (the controller patches them): what the live gateway splits traffic by.
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { findOwnedRoute, type OwnedRouteRef } from '../actuator/owned-route.ts';
import type { Weights } from '../core/weights.ts';

const VS = { group: 'networking.istio.io', version: 'v1', plural: 'virtualservices' } as const;

export class RouteWeightsWatcher {
  private readonly api: CustomObjectsApi;
  private timer: NodeJS.Timeout | undefined;
  private current: Weights | undefined;
  /** The last error reading the VirtualService (the weights in force are kept). */
  lastError: string | undefined;

  constructor(
    kubeConfig: KubeConfig,
    private readonly ref: OwnedRouteRef,
    private readonly pollMs = 1000,
    private readonly onChange: (weights: Weights) => void = () => undefined,
  ) {
    this.api = kubeConfig.makeApiClient(CustomObjectsApi);
  }

  get weights(): Weights | undefined {
    return this.current;
  }

  async read(): Promise<Weights> {
    const object = await this.api.getNamespacedCustomObject({ ...VS, namespace: this.ref.namespace, name: this.ref.virtualService });
    const { weights } = findOwnedRoute(object, this.ref);
    const changed = !this.current || this.ref.subsets.some((s) => this.current?.[s] !== weights[s]);
    this.current = weights;
    if (changed) this.onChange(weights);
    return weights;
  }

  /** Reads once (throws when it cannot), then every pollMs until stop(). */
  async start(): Promise<Weights> {
    const first = await this.read();
    const poll = (): void => {
      this.timer = setTimeout(() => {
        this.read().then(
          () => (this.lastError = undefined),
          (error: unknown) => (this.lastError = error instanceof Error ? error.message : String(error)),
        ).finally(() => {
          if (this.timer) poll();
        });
      }, this.pollMs);
    };
    poll();
    return first;
  }

  stop(): void {
    const timer = this.timer;
    this.timer = undefined;
    clearTimeout(timer);
  }
}
