import { runMigrateCommand } from '@shopmesh/service-kit/migrate';

await runMigrateCommand({ service: 'product-service', migrationsFolder: new URL('../drizzle/', import.meta.url) });
