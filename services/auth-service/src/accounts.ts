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

/** Stores a refresh token; without `familyId` it starts a new family (a login). */
export async function storeRefreshToken(db: Db, userId: string, tokenHash: string, ttlSeconds: number, familyId?: string): Promise<void> {
  await db
    .insert(refreshTokens)
    .values({ userId, tokenHash, expiresAt: new Date(Date.now() + ttlSeconds * 1000), ...(familyId ? { familyId } : {}) });
}

export type ConsumedRefreshToken =
  | { outcome: 'consumed'; userId: string; familyId: string }
  /** Already used: someone replays it. Its whole family has just been revoked. */
  | { outcome: 'reused' }
  /** Unknown or expired. */
  | { outcome: 'invalid' };

/**
 * Revokes a live refresh token and returns its owner and family (refresh tokens rotate: each is
 * good for one refresh). A token presented again after its use revokes every live token of its
 * family: either the owner or a thief holds a copy, and the server cannot tell which is which.
 */
export function consumeRefreshToken(db: Db, tokenHash: string): Promise<ConsumedRefreshToken> {
  return db.transaction(async (tx) => {
    const now = new Date();
    const [consumed] = await tx
      .update(refreshTokens)
      .set({ revokedAt: now })
      .where(and(eq(refreshTokens.tokenHash, tokenHash), isNull(refreshTokens.revokedAt), gt(refreshTokens.expiresAt, now)))
      .returning({ userId: refreshTokens.userId, familyId: refreshTokens.familyId });
    if (consumed) return { outcome: 'consumed', ...consumed };
    const [known] = await tx
      .select({ familyId: refreshTokens.familyId, revokedAt: refreshTokens.revokedAt })
      .from(refreshTokens)
      .where(eq(refreshTokens.tokenHash, tokenHash));
    if (!known?.revokedAt) return { outcome: 'invalid' };
    await tx
      .update(refreshTokens)
      .set({ revokedAt: now })
      .where(and(eq(refreshTokens.familyId, known.familyId), isNull(refreshTokens.revokedAt)));
    return { outcome: 'reused' };
  });
}
