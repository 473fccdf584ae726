// The RS256 signing key (from JWT_PRIVATE_KEY) and the public JWKS derived from it.
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, createLocalJWKSet, type JSONWebKeySet, type JWK, type JWTVerifyGetKey } from 'jose';
import { ConfigError, TOKEN_ALGORITHM } from '@shopmesh/service-kit';

export interface SigningKeys {
  privateKey: KeyObject;
  kid: string;
  jwks: JSONWebKeySet;
  /** The same key set for verifying tokens locally (auth-service's own `/me`). */
  verifyKeys: JWTVerifyGetKey;
}

export async function loadSigningKeys(pkcs8Pem: string): Promise<SigningKeys> {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: pkcs8Pem, format: 'pem' });
  } catch (error) {
    throw new ConfigError([`environment variable JWT_PRIVATE_KEY is invalid: ${(error as Error).message}`]);
  }
  if (privateKey.asymmetricKeyType !== 'rsa' || (privateKey.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) {
    throw new ConfigError(['environment variable JWT_PRIVATE_KEY is invalid: expected an RSA key of 2048 bits or more']);
  }
  const publicJwk = createPublicKey(privateKey).export({ format: 'jwk' }) as JWK;
  const kid = await calculateJwkThumbprint(publicJwk);
  const jwks: JSONWebKeySet = { keys: [{ ...publicJwk, kid, alg: TOKEN_ALGORITHM, use: 'sig' }] };
  return { privateKey, kid, jwks, verifyKeys: createLocalJWKSet(jwks) };
}
