import { runService } from '@shopmesh/service-kit';
import { statsService } from './app.ts';

await runService(statsService);
