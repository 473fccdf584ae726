// The `src/migrate.ts` of a service with a database: what its init container runs.
import { fileURLToPath } from 'node:url';
import { Type } from '@sinclair/typebox';
import { pino } from 'pino';
import { ConfigError, loadConfig, urlVar } from './config.ts';
import { applyMigrations } from './db.ts';

/**
 * Reads DATABASE_URL, waits for the database, applies the committed migrations in
 * `migrationsFolder` (a path or file: URL), exits 0; any problem exits 1 with a message.
 */
export async function runMigrateCommand(options: { service: string; migrationsFolder: string | URL }): Promise<void> {
  const log = pino({ base: { service: options.service, task: 'migrate' } });
  try {
    const config = loadConfig(
      Type.Object({
        DATABASE_URL: urlVar(['postgres', 'postgresql']),
        MIGRATE_TIMEOUT_MS: Type.Integer({ minimum: 1_000, default: 120_000 }),
      }),
    );
    const folder =
      typeof options.migrationsFolder === 'string' ? options.migrationsFolder : fileURLToPath(options.migrationsFolder);
    await applyMigrations({ url: config.DATABASE_URL, migrationsFolder: folder, log, timeoutMs: config.MIGRATE_TIMEOUT_MS });
    process.exit(0);
  } catch (error) {
    log.fatal(error instanceof ConfigError ? { problems: error.problems } : { err: error }, error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
}
