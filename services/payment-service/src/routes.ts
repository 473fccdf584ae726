// POST /charges and POST /voids (internal: called by order-service with the order id as
// Idempotency-Key).
import type { onRequestAsyncHookHandler } from 'fastify';
import type { Counter } from 'prom-client';
import { MAX_CHARGE_CENTS, Type, type App } from '@shopmesh/service-kit';
import type { ChargeLedger } from './charges.ts';

const OrderId = Type.String({ minLength: 1, maxLength: 100 });
const ChargeBody = Type.Object(
  { orderId: OrderId, amount: Type.Integer({ minimum: 1, maximum: MAX_CHARGE_CENTS, description: 'cents' }) },
  { additionalProperties: false },
);
const VoidBody = Type.Object({ orderId: OrderId }, { additionalProperties: false });
const KeyHeaders = Type.Object({ 'idempotency-key': Type.String({ minLength: 1, maxLength: 200 }) });
const Charge = Type.Object({
  id: Type.String(),
  orderId: Type.String(),
  amount: Type.Integer(),
  status: Type.Union([Type.Literal('succeeded'), Type.Literal('failed')]),
  createdAt: Type.String(),
});
const Void = Type.Object({ orderId: Type.String(), status: Type.Literal('voided'), voidedAt: Type.String() });

export function registerPaymentRoutes(app: App, ledger: ChargeLedger, charges: Counter<'status'>, caller: onRequestAsyncHookHandler): void {
  app.post(
    '/charges',
    { onRequest: caller, schema: { headers: KeyHeaders, body: ChargeBody, response: { 201: Charge } } },
    async (request, reply) => {
      const { charge, replayed } = await ledger.charge(request.headers['idempotency-key'], request.body);
      if (!replayed) charges.inc({ status: charge.status });
      reply.header('idempotent-replayed', String(replayed));
      return reply.status(201).send(charge);
    },
  );

  // The key will never be charged: 200 with the void, or with the charge made before it.
  app.post(
    '/voids',
    { onRequest: caller, schema: { headers: KeyHeaders, body: VoidBody, response: { 200: Type.Union([Charge, Void]) } } },
    async (request, reply) => {
      const { result, voided } = await ledger.void(request.headers['idempotency-key'], request.body.orderId);
      reply.header('idempotent-replayed', String(!voided));
      return result;
    },
  );
}
