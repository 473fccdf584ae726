// Where the inner loop keeps its state and how it stays apart from the tests that share the same
// local servers: its own database names, Redis db index, Elasticsearch index and consumer groups.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface DevProfile {
  /** The repository's root. */
  root: string;
  /** State: generated secrets, pid files, logs (SHOPMESH_DEV_HOME). */
  home: string;
  runDir: string;
  logDir: string;
  /** Prefix of everything the loop creates in shared servers: `dev` → database `dev_auth` (SHOPMESH_DEV_PREFIX). */
  prefix: string;
  /** Added to every service port, to run a second loop beside the first (SHOPMESH_DEV_PORT_OFFSET). */
  portOffset: number;
  /** The gateway's port (SHOPMESH_DEV_PROXY_PORT, default 13000 like the cluster's). */
  proxyPort: number;
  /** The Redis database the services use (SHOPMESH_DEV_REDIS_DB; tests use 0). */
  redisDb: number;
  /** LOG_LEVEL given to every service (SHOPMESH_DEV_LOG_LEVEL; default: the manifests' level). */
  logLevel: string | undefined;
}

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

export class DevConfigError extends Error {}

function integerVar(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new DevConfigError(`${name}=${raw}: expected an integer from ${min} to ${max}`);
  }
  return value;
}

export function devProfile(env: NodeJS.ProcessEnv = process.env): DevProfile {
  const home = env.SHOPMESH_DEV_HOME || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'shopmesh', 'dev');
  const prefix = env.SHOPMESH_DEV_PREFIX || 'dev';
  if (!/^[a-z][a-z0-9_]{0,20}$/.test(prefix)) {
    throw new DevConfigError(`SHOPMESH_DEV_PREFIX=${prefix}: use lower-case letters, digits and _ (it names databases)`);
  }
  return {
    root: REPO_ROOT,
    home,
    runDir: join(home, 'run'),
    logDir: join(home, 'log'),
    prefix,
    portOffset: integerVar(env, 'SHOPMESH_DEV_PORT_OFFSET', 0, 0, 50_000),
    proxyPort: integerVar(env, 'SHOPMESH_DEV_PROXY_PORT', 13000, 1, 65_535),
    redisDb: integerVar(env, 'SHOPMESH_DEV_REDIS_DB', 13, 0, 15),
    logLevel: env.SHOPMESH_DEV_LOG_LEVEL || undefined,
  };
}
