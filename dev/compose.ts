// Docker Compose for `./dev.sh up` (without --no-docker): which compose this machine has, and the
// environment the compose file takes from the loop (the generated secrets).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { DevProfile } from './profile.ts';
import type { Topology } from './routes.ts';
import type { DevSecrets } from './secrets.ts';

export const COMPOSE_FILE = 'docker-compose.yml';

const works = (command: string[]): boolean =>
  spawnSync(command[0]!, [...command.slice(1), 'version'], { stdio: 'ignore' }).status === 0;

/** `docker compose` (v2), else `docker-compose`; throws with what to do when neither is there. */
export function composeCommand(): string[] {
  for (const candidate of [['docker', 'compose'], ['docker-compose']]) if (works(candidate)) return candidate;
  throw new Error('no Docker Compose here (neither `docker compose` nor `docker-compose`): install the compose plugin, or run ./dev.sh up --no-docker');
}

/** Runs compose on the repository's compose file with the loop's secrets in its environment. */
export function runCompose(profile: DevProfile, secrets: DevSecrets, args: string[]): void {
  const command = composeCommand();
  // Compose v1 has no --wait: it starts the containers and returns.
  const effective = command.length === 1 ? args.filter((a) => a !== '--wait') : args;
  const result = spawnSync(command[0]!, [...command.slice(1), '--file', join(profile.root, COMPOSE_FILE), ...effective], {
    cwd: profile.root,
    stdio: 'inherit',
    env: {
      ...process.env,
      ...secrets.values,
      SHOPMESH_DEV_PROXY_PORT: String(profile.proxyPort),
      DOCKER_BUILDKIT: '1',
      COMPOSE_DOCKER_CLI_BUILD: '1',
    },
  });
  if (result.status !== 0) throw new Error(`${command.join(' ')} ${effective.join(' ')} failed (exit ${result.status ?? result.signal})`);
}

/** Whether any container of the compose project runs (throws when there is no compose). */
export function composeRunning(profile: DevProfile): boolean {
  const command = composeCommand();
  const result = spawnSync(command[0]!, [...command.slice(1), '--file', join(profile.root, COMPOSE_FILE), 'ps', '--quiet'], {
    cwd: profile.root,
    encoding: 'utf8',
    env: { ...process.env, JWT_PRIVATE_KEY: '-', ADMIN_EMAIL: '-', ADMIN_PASSWORD: '-' },
  });
  return result.status === 0 && result.stdout.trim() !== '';
}

/** Compose services for a name given on the command line: a workload, a service (all its versions), or all. */
export function composeServicesFor(topology: Topology, name: string | undefined): string[] {
  if (name === undefined) return [];
  const workloads = [...topology.app, ...topology.infra];
  const matching = workloads.filter((w) => w.name === name || w.app === name).map((w) => w.name);
  if (name === 'gateway') return ['gateway'];
  if (matching.length === 0) throw new Error(`no compose service ${name}; one of: gateway, ${workloads.map((w) => w.name).join(', ')}`);
  return matching;
}
