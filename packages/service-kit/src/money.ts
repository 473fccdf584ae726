// Limits on amounts of money that more than one service must agree on.

/**
 * The largest amount payment-service charges at once, in integer cents. order-service refuses an
 * order whose total exceeds it (instead of storing an order that can never be paid).
 */
export const MAX_CHARGE_CENTS = 100_000_000;
