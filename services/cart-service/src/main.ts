import { runService } from '@shopmesh/service-kit';
import { cartService } from './app.ts';

await runService(cartService);
