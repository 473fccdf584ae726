process.env.SERVICE_VERSION = 'v641449690'; // reload probe of dev/test/loop.test.ts, removed by it
import { runService } from '@shopmesh/service-kit';
import { reviewService } from './app.ts';

await runService(reviewService);
