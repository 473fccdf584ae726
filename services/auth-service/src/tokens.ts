// Access tokens (short-lived RS256 JWTs) and refresh tokens (random, stored as digests).
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { TOKEN_ALGORITHM, TOKEN_AUDIENCE, TOKEN_ISSUER, type AuthUser } from '@shopmesh/service-kit';
import type { SigningKeys } from './keys.ts';

export function signAccessToken(keys: SigningKeys, user: AuthUser, ttlSeconds: number): Promise<string> {
  return new SignJWT({ email: user.email, role: user.role })
    .setProtectedHeader({ alg: TOKEN_ALGORITHM, kid: keys.kid, typ: 'at+jwt' })
    .setSubject(user.id)
    .setIssuer(TOKEN_ISSUER)
    .setAudience(TOKEN_AUDIENCE)
    .setIssuedAt()
    .setJti(randomUUID())
    .setExpirationTime(`${ttlSeconds}s`)
    .sign(keys.privateKey);
}

export const newRefreshToken = (): string => randomBytes(32).toString('base64url');

export const digestRefreshToken = (token: string): string => createHash('sha256').update(token).digest('hex');
