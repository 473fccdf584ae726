// preflight: the tools the chosen options need, found on PATH with their versions. A missing one
// is named with how to install it; all missing tools are reported in one message.
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { dockerCli, dockerServerVersion } from '../lib/docker.ts';
import { istioctlVersion } from '../lib/istioctl.ts';
import type { Log } from '../lib/log.ts';
import type { PipelineOptions } from '../lib/options.ts';
import { quietShell } from '../lib/shell.ts';
import { ISTIO_VERSION, TESTED_TOOL_VERSIONS } from '../lib/versions.ts';

export interface ToolRequirement {
  name: 'docker' | 'kind' | 'istioctl' | 'kubectl' | 'dagger';
  why: string;
  install: string;
  optional?: boolean;
}

const INSTALL = {
  docker: 'install Docker Engine: https://docs.docker.com/engine/install/ (Debian/Ubuntu: apt-get install docker.io)',
  kind: `go install sigs.k8s.io/kind@v${TESTED_TOOL_VERSIONS.kind} (or a release binary: https://kind.sigs.k8s.io/docs/user/quick-start/#installation)`,
  istioctl: `curl -L https://istio.io/downloadIstio | ISTIO_VERSION=${ISTIO_VERSION} sh - && export PATH="$PWD/istio-${ISTIO_VERSION}/bin:$PATH"`,
  kubectl: 'https://kubernetes.io/docs/tasks/tools/ (optional: the pipeline talks to the API itself; handy to inspect)',
  dagger: 'curl -fsSL https://dl.dagger.io/dagger/install.sh | BIN_DIR=$HOME/.local/bin sh, then `dagger run npx tsx ci/pipeline.ts`; or use --builder docker',
} as const;

/** What the options need, and why. */
export function requiredTools(options: PipelineOptions): ToolRequirement[] {
  const tools: ToolRequirement[] = [];
  const building = !options.skipBuild;
  const kindTarget = options.target.kind === 'kind';
  if (kindTarget || building) {
    const why = [kindTarget ? 'kind nodes are Docker containers' : '', building ? `${options.builder === 'dagger' ? 'the Dagger engine runs' : 'images are built'} in Docker` : '']
      .filter(Boolean)
      .join('; ');
    tools.push({ name: 'docker', why, install: INSTALL.docker });
  }
  if (kindTarget) tools.push({ name: 'kind', why: `creates and loads images into the cluster ${options.clusterName}`, install: INSTALL.kind });
  tools.push({ name: 'istioctl', why: `installs Istio ${ISTIO_VERSION} when istiod is missing`, install: INSTALL.istioctl });
  if (building && options.builder === 'dagger' && !process.env.DAGGER_SESSION_PORT) {
    tools.push({ name: 'dagger', why: 'starts the engine that builds the images', install: INSTALL.dagger, optional: true });
  }
  tools.push({ name: 'kubectl', why: 'not used by the pipeline; for inspecting the cluster', install: INSTALL.kubectl, optional: true });
  return tools;
}

export function findOnPath(name: string, path = process.env.PATH ?? ''): string | undefined {
  if (isAbsolute(name)) return isExecutable(name) ? name : undefined;
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function toolVersion(name: ToolRequirement['name']): Promise<string> {
  const $ = quietShell();
  switch (name) {
    case 'docker':
      return `server ${await dockerServerVersion()}`;
    case 'kind':
      return (await $`kind version`).stdout.trim();
    case 'istioctl':
      return istioctlVersion();
    case 'kubectl': {
      const output = await $`kubectl version --client -o json`;
      return (JSON.parse(output.stdout) as { clientVersion?: { gitVersion?: string } }).clientVersion?.gitVersion ?? '?';
    }
    case 'dagger':
      return (await $`dagger version`).stdout.trim();
  }
}

/** Exit code of the pipeline when preflight fails: a tool is missing, too old or not working. */
export const PREFLIGHT_EXIT_CODE = 3;

/** One or more tools missing, too old or not working; the message lists every one of them. */
export class MissingToolsError extends Error {}

/** The oldest version that works; an older one is a preflight failure (kubectl, dagger: none). */
export const MINIMUM_VERSIONS: Partial<Record<ToolRequirement['name'], string>> = {
  docker: '20.10',
  kind: TESTED_TOOL_VERSIONS.kind,
  istioctl: ISTIO_VERSION,
};

/** The first dotted version number in a tool's output (`kind v0.30.0 go1.24 linux/amd64` -> 0.30.0). */
export function versionNumber(text: string): number[] | undefined {
  const match = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  return match ? [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)] : undefined;
}

/** Negative when a < b. */
export function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

const NOT_WORKING_HINT: Partial<Record<ToolRequirement['name'], string>> = {
  docker: 'start the Docker daemon (systemctl start docker, or Docker Desktop), or point DOCKER_HOST at one you can reach',
};

/** The tools the options need, checked all at once: every problem is reported together. */
export async function runPreflight(options: PipelineOptions, log: Log): Promise<string> {
  const problems: string[] = [];
  const found: string[] = [];
  for (const tool of requiredTools(options)) {
    const path = tool.name === 'docker' ? findOnPath(dockerCli()) : findOnPath(tool.name);
    const minimum = MINIMUM_VERSIONS[tool.name];
    const wanted = `${tool.name} ${minimum ?? TESTED_TOOL_VERSIONS[tool.name]}${minimum && tool.name !== 'istioctl' ? '+' : ''}`;
    if (!path) {
      if (tool.name === 'dagger') {
        log.line('dagger CLI not on PATH: the SDK will download its pinned CLI and start an engine in Docker (needs internet)');
      } else if (tool.optional) {
        log.line(`${tool.name}: not found (optional: ${tool.why})`);
      } else {
        problems.push(`  ${wanted} (${tool.why}): not found; ${tool.install}`);
      }
      continue;
    }
    let version: string;
    try {
      version = await toolVersion(tool.name);
    } catch (error) {
      if (tool.optional) {
        log.line(`${tool.name}: ${path}, version unknown`);
        continue;
      }
      const why = (error as Error).message.split('\n').filter(Boolean).slice(0, 3).join(' ');
      problems.push(`  ${wanted} (${tool.why}): ${path} does not work (${why}); ${NOT_WORKING_HINT[tool.name] ?? tool.install}`);
      continue;
    }
    log.line(`${tool.name}: ${version} (${path}; tested with ${TESTED_TOOL_VERSIONS[tool.name]})`);
    const have = versionNumber(version);
    const least = minimum ? versionNumber(minimum) : undefined;
    if (have && least && compareVersions(have, least) < 0) {
      problems.push(`  ${wanted} (${tool.why}): found ${version}, too old; ${tool.install}`);
      continue;
    }
    if (tool.name === 'istioctl' && version !== ISTIO_VERSION) {
      log.line(`warning: istioctl ${version} is not the pinned Istio ${ISTIO_VERSION}; install that version (${INSTALL.istioctl})`);
    }
    if (tool.name === 'dagger') process.env._EXPERIMENTAL_DAGGER_CLI_BIN ??= path;
    found.push(tool.name);
  }
  if (options.builder === 'dagger' && !options.skipBuild && process.env.DAGGER_SESSION_PORT) {
    log.line(`dagger: session from dagger run (port ${process.env.DAGGER_SESSION_PORT})`);
  }
  if (problems.length > 0) {
    throw new MissingToolsError(`${problems.length} tool${problems.length > 1 ? 's' : ''} missing, too old or not working:\n${problems.join('\n')}`);
  }
  return found.join(', ');
}
