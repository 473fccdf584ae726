import { runService } from '@shopmesh/service-kit';
import { paymentService } from './app.ts';

await runService(paymentService);
