import { runService } from '@shopmesh/service-kit';
import { notificationService } from './app.ts';

await runService(notificationService);
