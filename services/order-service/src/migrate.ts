import { runMigrateCommand } from '@shopmesh/service-kit/migrate';

await runMigrateCommand({ service: 'order-service', migrationsFolder: new URL('../drizzle/', import.meta.url) });
