import { runService } from '@shopmesh/service-kit';
import { productService } from './app.ts';

await runService(productService);
