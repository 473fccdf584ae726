// Building and running a service's image with the test environment's Docker engine.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface DockerEngine {
  /** DOCKER_HOST of the engine (unix socket). */
  host: string;
  /** The docker client to use (the test environment's DOCKER_CLI; it builds with BuildKit). */
  cli: string;
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the docker client; never throws on a non-zero exit (the result carries the code). */
export async function docker(engine: DockerEngine, args: string[], timeoutMs = 600_000): Promise<CommandResult> {
  try {
    const { stdout, stderr } = await run(engine.cli, args, {
      env: { ...process.env, DOCKER_HOST: engine.host, DOCKER_BUILDKIT: '1' },
      maxBuffer: 64 * 1024 * 1024,
      timeout: timeoutMs,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number | string; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : 1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? String(error) };
  }
}

/** The CA bundle passed as the `extra_ca` build secret: NODE_EXTRA_CA_CERTS, else the system's. */
export function extraCaBundle(): string | undefined {
  const candidates = [process.env.NODE_EXTRA_CA_CERTS, '/etc/ssl/certs/ca-certificates.crt'];
  return candidates.find((path): path is string => !!path && existsSync(path));
}

/**
 * `docker build -f services/<name>/Dockerfile <repo root>` with NODE_IMAGE=baseImage, on the
 * host network (the test engine has no bridge), with the extra CA secret when one exists.
 */
export async function buildServiceImage(options: {
  engine: DockerEngine;
  repoRoot: string;
  service: string;
  baseImage: string;
  tag: string;
}): Promise<CommandResult> {
  const ca = extraCaBundle();
  return docker(options.engine, [
    'build',
    '--network', 'host',
    '--build-arg', `NODE_IMAGE=${options.baseImage}`,
    ...(ca ? ['--secret', `id=extra_ca,src=${ca}`] : []),
    '-f', join(options.repoRoot, 'services', options.service, 'Dockerfile'),
    '-t', options.tag,
    options.repoRoot,
  ]);
}
