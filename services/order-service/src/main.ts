import { runService } from '@shopmesh/service-kit';
import { orderService } from './app.ts';

await runService(orderService);
