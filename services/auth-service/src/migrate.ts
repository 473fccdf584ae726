import { runMigrateCommand } from '@shopmesh/service-kit/migrate';

await runMigrateCommand({ service: 'auth-service', migrationsFolder: new URL('../drizzle/', import.meta.url) });
