// The values the cluster takes from the Secret `auth-service-secrets`, for the inner loop: the JWT
// signing key, generated once and kept, and the admin account, taken from ADMIN_EMAIL and
// ADMIN_PASSWORD when the developer sets them, else generated once and kept (and printed by `up`).
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DevConfigError } from './profile.ts';

export interface DevSecrets {
  /** Keys of the Secret the manifests reference but do not define, by key. */
  values: Readonly<Record<'JWT_PRIVATE_KEY' | 'ADMIN_EMAIL' | 'ADMIN_PASSWORD', string>>;
  /** Whether the admin account came from the developer's environment or was generated. */
  adminFrom: 'environment' | 'generated';
}

const KEY_FILE = 'jwt-private-key.pem';
const ADMIN_FILE = 'admin.json';

function readOrCreate(path: string, create: () => string): string {
  if (existsSync(path)) return readFileSync(path, 'utf8');
  const value = create();
  writeFileSync(path, value, { mode: 0o600 });
  return value;
}

export function ensureDevSecrets(home: string, env: NodeJS.ProcessEnv = process.env): DevSecrets {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const privateKey = readOrCreate(join(home, KEY_FILE), () =>
    generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  );
  const email = env.ADMIN_EMAIL || undefined;
  const password = env.ADMIN_PASSWORD || undefined;
  if ((email === undefined) !== (password === undefined)) {
    throw new DevConfigError('set both ADMIN_EMAIL and ADMIN_PASSWORD, or neither (then an admin account is generated)');
  }
  if (email !== undefined && password !== undefined) {
    return { values: { JWT_PRIVATE_KEY: privateKey, ADMIN_EMAIL: email, ADMIN_PASSWORD: password }, adminFrom: 'environment' };
  }
  const generated = JSON.parse(
    readOrCreate(join(home, ADMIN_FILE), () =>
      JSON.stringify({ email: 'admin@shopmesh.dev', password: randomBytes(12).toString('base64url') }),
    ),
  ) as { email: string; password: string };
  return {
    values: { JWT_PRIVATE_KEY: privateKey, ADMIN_EMAIL: generated.email, ADMIN_PASSWORD: generated.password },
    adminFrom: 'generated',
  };
}
