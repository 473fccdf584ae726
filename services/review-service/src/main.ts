import { runService } from '@shopmesh/service-kit';
import { reviewService } from './app.ts';

await runService(reviewService);
