// Stock reservations at product-service's internal API (only order-service may call it: the mesh
// policy says so). Both calls are idempotent by order id, so any of them may be retried.
import { DependencyUnavailableError, createHttpClient } from '@shopmesh/service-kit';

export interface StockLine {
  productId: string;
  quantity: number;
}

/** Why product-service refused a reservation (409): its error, with the line at fault. */
export interface StockRefusal {
  code: string;
  message: string;
  field?: string;
}

export interface StockClient {
  /** Reserves every line, or none: undefined when reserved, the refusal otherwise. */
  reserve(orderId: string, lines: StockLine[]): Promise<StockRefusal | undefined>;
  /** Gives the order's stock back (also forbids a reservation that has not arrived yet). */
  release(orderId: string): Promise<void>;
}

interface ErrorAnswer {
  error?: { code?: unknown; message?: unknown; field?: unknown };
}

export function createStockClient(baseUrl: string): StockClient {
  const client = createHttpClient({ name: 'product-service', baseUrl });
  const path = (orderId: string) => `/internal/reservations/${encodeURIComponent(orderId)}`;
  const broken = (what: string, status: number, body: unknown) =>
    new DependencyUnavailableError('product-service', new Error(`${what} answered ${status}: ${JSON.stringify(body)}`));
  return {
    async reserve(orderId, lines) {
      const items = lines.map(({ productId, quantity }) => ({ productId, quantity }));
      const response = await client.request<ErrorAnswer>('PUT', path(orderId), { body: { items } });
      if (response.status === 200 || response.status === 201) return undefined;
      const error = response.body?.error;
      if (response.status === 409 && typeof error?.code === 'string' && typeof error.message === 'string') {
        return { code: error.code, message: error.message, ...(typeof error.field === 'string' ? { field: error.field } : {}) };
      }
      throw broken('PUT /internal/reservations', response.status, response.body);
    },
    async release(orderId) {
      const response = await client.request('DELETE', path(orderId));
      if (response.status !== 200) throw broken('DELETE /internal/reservations', response.status, response.body);
    },
  };
}
