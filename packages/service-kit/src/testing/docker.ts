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

export interface RunningContainer {
  name: string;
  logs(): Promise<string>;
  /** docker stop (SIGTERM, then SIGKILL after `graceSeconds`); resolves with the exit code. */
  stop(graceSeconds?: number): Promise<number>;
  remove(): Promise<void>;
}

/** `docker run -d` on the host network with the given environment. */
export async function runContainer(
  engine: DockerEngine,
  options: { tag: string; name: string; env: Record<string, string>; command?: string[] },
): Promise<RunningContainer> {
  const envArgs = Object.entries(options.env).flatMap(([key, value]) => ['-e', `${key}=${value}`]);
  const started = await docker(engine, ['run', '-d', '--name', options.name, '--network', 'host', ...envArgs, options.tag, ...(options.command ?? [])]);
  if (started.code !== 0) throw new Error(`docker run ${options.tag} failed: ${started.stderr}`);
  return {
    name: options.name,
    async logs() {
      const logs = await docker(engine, ['logs', options.name]);
      return logs.stdout + logs.stderr;
    },
    async stop(graceSeconds = 10) {
      await docker(engine, ['stop', '-t', String(graceSeconds), options.name]);
      const state = await docker(engine, ['inspect', '--format', '{{.State.ExitCode}}', options.name]);
      return Number(state.stdout.trim());
    },
    async remove() {
      await docker(engine, ['rm', '-f', options.name]);
    },
  };
}

/** Polls `url` until it answers `status`; resolves with the last status seen (0: no answer). */
export async function waitForStatus(url: string, status = 200, timeoutMs = 30_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last = 0;
  while (Date.now() < deadline) {
    last = await fetch(url).then((response) => response.status, () => 0);
    if (last === status) return last;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return last;
}

export interface ImageFacts {
  /** `id -u` inside the image. */
  uid: string;
  cmd: string;
  workingDir: string;
  hasHealthcheck: boolean;
  /** Build-only tools found in node_modules (should be none). */
  devTools: string[];
}

/** What every service image must satisfy, read from the image itself. */
export async function inspectServiceImage(engine: DockerEngine, tag: string): Promise<ImageFacts> {
  const inspect = await docker(engine, ['image', 'inspect', '--format', '{{json .Config.Cmd}}|{{.Config.WorkingDir}}|{{json .Config.Healthcheck}}', tag]);
  const [cmd = '', workingDir = '', healthcheck = 'null'] = inspect.stdout.trim().split('|');
  const uid = await docker(engine, ['run', '--rm', '--network', 'host', tag, 'id', '-u']);
  const tools = await docker(engine, ['run', '--rm', '--network', 'host', tag, 'sh', '-c', 'ls node_modules']);
  const devToolNames = new Set(['typescript', 'eslint', 'tsx', 'drizzle-kit', 'esbuild', 'uvu']);
  return {
    uid: uid.stdout.trim(),
    cmd,
    workingDir,
    hasHealthcheck: healthcheck !== 'null',
    devTools: tools.stdout.split('\n').filter((name) => devToolNames.has(name)),
  };
}
