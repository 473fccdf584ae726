import { runService } from '@shopmesh/service-kit';
import { searchService } from './app.ts';
import { runReindexCommand } from './reindex-command.ts';

// `node dist/main.js reindex`: rebuild the index from product-service and exit.
if (process.argv[2] === 'reindex') await runReindexCommand();
else await runService(searchService);
