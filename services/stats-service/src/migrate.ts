import { runMigrateCommand } from '@shopmesh/service-kit/migrate';

await runMigrateCommand({ service: 'stats-service', migrationsFolder: new URL('../drizzle/', import.meta.url) });
