// Accounts and refresh tokens in auth-db.
import { and, eq, gt, isNull } from 'drizzle-orm';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import type { Role } from '@shopmesh/service-kit';
import { refreshTokens, users, type schema } from './db/schema.ts';
import { hashPassword } from './passwords.ts';

type Db = NodePgDatabase<typeof schema>;

export interface Account {
  id: string;
  email: string;
  name: string;
  role: Role;
  passwordHash: string;
}

export const normaliseEmail = (email: string): string => email.trim().toLowerCase();

/** Creates an account; undefined when the e-mail is taken. */
export async function createAccount(
  db: Db,
  input: { email: string; name: string; password: string; role?: Role },
): Promise<Account | undefined> {
  const [created] = await db
    .insert(users)
    .values({
      email: normaliseEmail(input.email),
      name: input.name,
      passwordHash: await hashPassword(input.password),
      role: input.role ?? 'user',
    })
    .onConflictDoNothing({ target: users.email })
    .returning();
  return created;
}

export async function findAccountByEmail(db: Db, email: string): Promise<Account | undefined> {
  const [found] = await db.select().from(users).where(eq(users.email, normaliseEmail(email)));
  return found;
}

export async function findAccountById(db: Db, id: string): Promise<Account | undefined> {
  const [found] = await db.select().from(users).where(eq(users.id, id));
  return found;
}

/** Creates the admin account when no account has that e-mail; an existing one is left as it is. */
export async function ensureAdmin(db: Db, email: string, password: string): Promise<'created' | 'exists'> {
  if (await findAccountByEmail(db, email)) return 'exists';
  const created = await createAccount(db, { email, password, name: 'Administrator', role: 'admin' });
  return created ? 'created' : 'exists';
}

export async function storeRefreshToken(db: Db, userId: string, tokenHash: string, ttlSeconds: number): Promise<void> {
  await db.insert(refreshTokens).values({ userId, tokenHash, expiresAt: new Date(Date.now() + ttlSeconds * 1000) });
}

/**
 * Revokes a live refresh token and returns its owner's id; undefined when the token is unknown,
 * expired or already used (refresh tokens rotate: each is good for one refresh).
 */
export async function consumeRefreshToken(db: Db, tokenHash: string): Promise<string | undefined> {
  const [consumed] = await db
    .update(refreshTokens)
    .set({ revokedAt: new Date() })
    .where(
      and(eq(refreshTokens.tokenHash, tokenHash), isNull(refreshTokens.revokedAt), gt(refreshTokens.expiresAt, new Date())),
    )
    .returning({ userId: refreshTokens.userId });
  return consumed?.userId;
}
