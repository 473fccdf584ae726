import { runService } from '@shopmesh/service-kit';
import { authService } from './app.ts';

await runService(authService);
