// Every call to the `docker` CLI, in one place (builds with the local engine, pushes, image checks).
// DOCKER_CLI names another docker binary than the one on PATH (e.g. a CLI that still has the
// built-in BuildKit client: recent CLIs need the buildx plugin for `DOCKER_BUILDKIT=1 docker build`).
import type { Log } from './log.ts';
import { quietShell, run, shellFor } from './shell.ts';

export const dockerCli = (): string => process.env.DOCKER_CLI || 'docker';

export async function dockerServerVersion(): Promise<string> {
  const output = await run('docker version', () => quietShell()`${dockerCli()} version --format {{.Server.Version}}`);
  return output.stdout.trim();
}

export async function dockerImageExists(ref: string): Promise<boolean> {
  const output = await quietShell()({ nothrow: true })`${dockerCli()} image inspect --format {{.Id}} ${ref}`;
  return output.exitCode === 0;
}

export interface DockerBuildRequest {
  root: string;
  dockerfile: string;
  tags: readonly string[];
  buildArgs: Readonly<Record<string, string>>;
  /** Build secrets: id → file on the host. */
  secrets: Readonly<Record<string, string>>;
  /** `--network` of RUN steps (e.g. host, where the engine has no bridge network). */
  network?: string | undefined;
}

export async function dockerBuild(log: Log, request: DockerBuildRequest): Promise<void> {
  const flags = [
    '-f',
    request.dockerfile,
    ...request.tags.flatMap((tag) => ['-t', tag]),
    ...Object.entries(request.buildArgs).flatMap(([name, value]) => ['--build-arg', `${name}=${value}`]),
    ...Object.entries(request.secrets).flatMap(([id, file]) => ['--secret', `id=${id},src=${file}`]),
    ...(request.network ? ['--network', request.network] : []),
  ];
  // BuildKit: needed for build secrets, and it skips stages the target does not need.
  const $ = shellFor(log)({ cwd: request.root, env: { ...process.env, DOCKER_BUILDKIT: '1' } });
  await run(`docker build ${request.dockerfile}`, () => $`${dockerCli()} build ${flags} .`);
}

export async function dockerPush(log: Log, ref: string): Promise<void> {
  const $ = shellFor(log);
  await run(`docker push ${ref}`, () => $`${dockerCli()} push ${ref}`);
}

export async function dockerTag(log: Log, source: string, target: string): Promise<void> {
  const $ = shellFor(log);
  await run(`docker tag ${target}`, () => $`${dockerCli()} tag ${source} ${target}`);
}
