// POST /charges (internal: called by order-service with the order id as Idempotency-Key).
import type { onRequestAsyncHookHandler } from 'fastify';
import type { Counter } from 'prom-client';
import { Type, type App } from '@shopmesh/service-kit';
import type { ChargeBook } from './charges.ts';

const ChargeBody = Type.Object(
  {
    orderId: Type.String({ minLength: 1, maxLength: 100 }),
    amount: Type.Integer({ minimum: 1, maximum: 100_000_000, description: 'cents' }),
  },
  { additionalProperties: false },
);
const ChargeHeaders = Type.Object({ 'idempotency-key': Type.String({ minLength: 1, maxLength: 200 }) });
const Charge = Type.Object({
  id: Type.String(),
  orderId: Type.String(),
  amount: Type.Integer(),
  status: Type.Union([Type.Literal('succeeded'), Type.Literal('failed')]),
  createdAt: Type.String(),
});

export function registerPaymentRoutes(app: App, book: ChargeBook, charges: Counter<'status'>, caller: onRequestAsyncHookHandler): void {
  app.post(
    '/charges',
    { onRequest: caller, schema: { headers: ChargeHeaders, body: ChargeBody, response: { 201: Charge } } },
    async (request, reply) => {
      const { charge, replayed } = await book.charge(request.headers['idempotency-key'], request.body);
      if (!replayed) charges.inc({ status: charge.status });
      reply.header('idempotent-replayed', String(replayed));
      return reply.status(201).send(charge);
    },
  );
}
