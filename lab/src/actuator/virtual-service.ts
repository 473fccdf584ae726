// The controller's only way to act: read main-routing-vs, check the route it owns, patch that
// route's weights (JSON patch guarded by the resourceVersion), and record an Event.
import {
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import type { Weights } from '../core/weights.ts';
import { EventRecorder, type ControllerEvent } from './events.ts';
import { findOwnedRoute, weightPatch, type OwnedRouteRef, type RouteSnapshot } from './owned-route.ts';

const VIRTUAL_SERVICE = { group: 'networking.istio.io', version: 'v1', plural: 'virtualservices' } as const;

export class VirtualServiceConflictError extends Error {}

export class VirtualServiceActuator {
  private readonly objects: CustomObjectsApi;
  private readonly events: EventRecorder;

  constructor(
    kubeConfig: KubeConfig,
    readonly ref: OwnedRouteRef,
  ) {
    this.objects = kubeConfig.makeApiClient(CustomObjectsApi);
    this.events = new EventRecorder(kubeConfig.makeApiClient(CoreV1Api));
  }

  /** Reads the VirtualService and checks the owned route (throws OwnedRouteError when it is not as expected). */
  async read(): Promise<RouteSnapshot> {
    const object: unknown = await this.objects.getNamespacedCustomObject({
      ...VIRTUAL_SERVICE,
      namespace: this.ref.namespace,
      name: this.ref.virtualService,
    });
    return findOwnedRoute(object, this.ref);
  }

  /** Writes the weights of the owned route only; fails with VirtualServiceConflictError if the object changed since `snapshot`. */
  async apply(snapshot: RouteSnapshot, weights: Weights): Promise<RouteSnapshot> {
    const patch = weightPatch(snapshot, this.ref, weights);
    let updated: unknown;
    try {
      updated = await this.objects.patchNamespacedCustomObject(
        { ...VIRTUAL_SERVICE, namespace: this.ref.namespace, name: this.ref.virtualService, body: patch, fieldManager: 'shopmesh-lab-controller' },
        setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
      );
    } catch (error) {
      const code = (error as { code?: number }).code;
      // A failed `test` operation is answered 422 (or 409 on a resourceVersion race).
      if (code === 409 || code === 422) {
        throw new VirtualServiceConflictError(
          `VirtualService ${this.ref.namespace}/${this.ref.virtualService} changed since it was read (resourceVersion ${snapshot.resourceVersion}); not patched, will re-read next interval`,
        );
      }
      throw error;
    }
    return findOwnedRoute(updated, this.ref);
  }

  async recordEvent(snapshot: RouteSnapshot | undefined, event: ControllerEvent): Promise<void> {
    await this.events.record(
      {
        namespace: this.ref.namespace,
        name: this.ref.virtualService,
        ...(snapshot ? { uid: snapshot.uid, resourceVersion: snapshot.resourceVersion } : {}),
      },
      event,
    );
  }
}
