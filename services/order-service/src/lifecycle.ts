// The order's lifecycle, the one place that says which status may follow which:
//
//   pending ──> paid            the charge succeeded
//           ├─> payment_failed  the charge was declined, or payment-service refused it (4xx, with its reason)
//           └─> cancelled       no outcome before the deadline (the charge voided), or the stock was gone
//
// Only `pending` moves; the three others are final. An order that reaches payment_failed or
// cancelled gives its reserved stock back; a paid order keeps it. A pending order whose stock could
// not be reserved while it was being placed is discarded instead (the request answers 409; it was
// never announced), which only the repository's `discard` does.
export const orderStatuses = ['pending', 'paid', 'payment_failed', 'cancelled'] as const;
export type OrderStatus = (typeof orderStatuses)[number];
export type FinalStatus = Exclude<OrderStatus, 'pending'>;

const NEXT: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  pending: ['paid', 'payment_failed', 'cancelled'],
  paid: [],
  payment_failed: [],
  cancelled: [],
};

export const canMove = (from: OrderStatus, to: OrderStatus): boolean => NEXT[from].includes(to);

export class IllegalTransitionError extends Error {
  constructor(from: OrderStatus, to: OrderStatus) {
    super(`an order cannot go from ${from} to ${to}`);
    this.name = 'IllegalTransitionError';
  }
}

export function assertMove(from: OrderStatus, to: OrderStatus): void {
  if (!canMove(from, to)) throw new IllegalTransitionError(from, to);
}

/** Whether an order in this status gives its reserved stock back. */
export const releasesStock = (status: OrderStatus): boolean => status === 'payment_failed' || status === 'cancelled';

/** The event announcing that an order reached `status`. */
export const eventOnReaching = {
  paid: 'order.paid',
  payment_failed: 'order.payment_failed',
  cancelled: 'order.cancelled',
} as const satisfies Record<FinalStatus, string>;
