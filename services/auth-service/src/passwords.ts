// Password hashing with argon2id (memory-hard), at OWASP's recommended minimum cost.
import { hash, verify } from '@node-rs/argon2';

// The library's default algorithm is argon2id (its Algorithm enum is a const enum, which this
// project's isolatedModules setting cannot reference); the tests check the `$argon2id$` prefix.
const COST = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export const hashPassword = (password: string): Promise<string> => hash(password, COST);

export const verifyPassword = (passwordHash: string, password: string): Promise<boolean> =>
  verify(passwordHash, password).catch(() => false);

// Verified against when the e-mail is unknown, so a login takes as long whether or not it exists.
let decoyHash: Promise<string> | undefined;
export async function spendVerifyTime(password: string): Promise<void> {
  decoyHash ??= hashPassword('decoy password, never a real one');
  await verifyPassword(await decoyHash, password);
}
