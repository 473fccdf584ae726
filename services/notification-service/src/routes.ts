// GET / : the signed-in user's notifications, newest first, a page at a time (`nextCursor` -> `?cursor=`).
import { CursorParam, Type, currentUser, decodeCursor, encodeCursor, type App, type AuthGuard } from '@shopmesh/service-kit';
import type { NotificationStore } from './notifications.ts';

/** Where a page ended: the last notification's time (ms) and id. */
const NotificationPosition = Type.Tuple([Type.Integer({ minimum: 0 }), Type.String({ minLength: 1, maxLength: 128 })]);

const Notification = Type.Object({ id: Type.String(), type: Type.String(), orderId: Type.String(), createdAt: Type.String() });

export function registerNotificationRoutes(app: App, deps: { store: NotificationStore; guard: AuthGuard }): void {
  app.get(
    '/',
    {
      onRequest: deps.guard.user,
      schema: {
        querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 100, default: 50 }), cursor: Type.Optional(CursorParam) }),
        response: { 200: Type.Object({ items: Type.Array(Notification), nextCursor: Type.Optional(Type.String()) }) },
      },
    },
    async (request) => {
      const { limit, cursor } = request.query;
      const after = cursor === undefined ? undefined : decodeCursor(NotificationPosition, cursor);
      const page = await deps.store.list(currentUser(request).id, limit, after);
      return { items: page.items, ...(page.next ? { nextCursor: encodeCursor(page.next) } : {}) };
    },
  );
}
