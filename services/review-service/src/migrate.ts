import { runMigrateCommand } from '@shopmesh/service-kit/migrate';

await runMigrateCommand({ service: 'review-service', migrationsFolder: new URL('../drizzle/', import.meta.url) });
