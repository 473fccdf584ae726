// Internal routes, for order-service only: the mesh policy (k8s/istio/authorization-policies.yaml)
// admits no other caller under /internal/, and the gateway does not route there.
//   PUT    /internal/reservations/:orderId  {items: [{productId, quantity}]} -> 201 reserved (200 the same again)
//   DELETE /internal/reservations/:orderId  -> 200 released (idempotent; before a reservation it forbids one)
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import { Type, type App } from '@shopmesh/service-kit';
import type { ProductCache } from './cache.ts';
import type { schema } from './db/schema.ts';
import { Reservation, ReservationRequest, releaseStock, reserveStock, type ReservationOutcome } from './reservations.ts';

export interface InternalRoutesDeps {
  db: NodePgDatabase<typeof schema>;
  invalidationCache?: ProductCache;
  onEventQueued(): void;
}

const OrderParams = Type.Object({ orderId: Type.String({ format: 'uuid' }) });

export function registerInternalRoutes(app: App, deps: InternalRoutesDeps): void {
  const afterChange = async (outcome: ReservationOutcome) => {
    if (!outcome.changed) return;
    deps.onEventQueued();
    await Promise.all(outcome.productIds.map((id) => deps.invalidationCache?.invalidate(id)));
  };

  app.put(
    '/internal/reservations/:orderId',
    { schema: { params: OrderParams, body: ReservationRequest, response: { 200: Reservation, 201: Reservation } } },
    async (request, reply) => {
      const outcome = await reserveStock(deps.db, request.params.orderId, request.body);
      await afterChange(outcome);
      return reply.status(outcome.changed ? 201 : 200).send(outcome.reservation);
    },
  );

  app.delete(
    '/internal/reservations/:orderId',
    { schema: { params: OrderParams, response: { 200: Reservation } } },
    async (request) => {
      const outcome = await releaseStock(deps.db, request.params.orderId);
      await afterChange(outcome);
      return outcome.reservation;
    },
  );
}
