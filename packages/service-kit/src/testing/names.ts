import { randomBytes } from 'node:crypto';

/** A unique suffix for names (emails, topics, group ids) so concurrent tests never collide. */
export const uniqueSuffix = (): string => randomBytes(4).toString('hex');
