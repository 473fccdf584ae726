import { runService } from '@shopmesh/service-kit';
import { searchService } from './app.ts';

await runService(searchService);
