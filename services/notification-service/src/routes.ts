// GET / : the signed-in user's notifications, newest first.
import { Type, currentUser, type App, type AuthGuard } from '@shopmesh/service-kit';
import type { NotificationStore } from './notifications.ts';

const Notification = Type.Object({ id: Type.String(), type: Type.String(), orderId: Type.String(), createdAt: Type.String() });

export function registerNotificationRoutes(app: App, deps: { store: NotificationStore; guard: AuthGuard }): void {
  app.get(
    '/',
    {
      onRequest: deps.guard.user,
      schema: {
        querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 100, default: 50 }) }),
        response: { 200: Type.Object({ items: Type.Array(Notification) }) },
      },
    },
    async (request) => ({ items: await deps.store.list(currentUser(request).id, request.query.limit) }),
  );
}
