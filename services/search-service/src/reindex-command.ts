// `reindex`: deletes the product index, creates it with its mapping and fills it from
// product-service's catalogue, then exits (0 done, 1 failed, with the reason on stderr).
import { ConfigError, loadConfig } from '@shopmesh/service-kit';
import { indexConfigSchema } from './config.ts';
import { createProductIndex } from './product-index.ts';
import { reindexFromCatalogue } from './reindex.ts';

export async function runReindexCommand(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  let config;
  try {
    config = loadConfig(indexConfigSchema, env);
  } catch (error) {
    process.stderr.write(`reindex: ${error instanceof ConfigError ? error.message : String(error)}\n`);
    process.exit(1);
  }
  const index = createProductIndex({ url: config.ELASTICSEARCH_URL, index: config.ELASTICSEARCH_INDEX });
  try {
    const outcome = await reindexFromCatalogue({ index, productServiceUrl: config.PRODUCT_SERVICE_URL, recreate: true });
    process.stdout.write(`reindex: ${outcome.indexed} products indexed into ${config.ELASTICSEARCH_INDEX}\n`);
    process.exitCode = 0;
  } catch (error) {
    process.stderr.write(`reindex failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  } finally {
    await index.close();
  }
}
