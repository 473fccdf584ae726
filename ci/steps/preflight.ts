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

export class MissingToolsError extends Error {}

export async function runPreflight(options: PipelineOptions, log: Log): Promise<string> {
  const missing: ToolRequirement[] = [];
  const found: string[] = [];
  for (const tool of requiredTools(options)) {
    const path = tool.name === 'docker' ? findOnPath(dockerCli()) : findOnPath(tool.name);
    if (!path) {
      if (tool.name === 'dagger') {
        log.line('dagger CLI not on PATH: the SDK will download its pinned CLI and start an engine in Docker (needs internet)');
      } else if (tool.optional) {
        log.line(`${tool.name}: not found (optional: ${tool.why})`);
      } else {
        missing.push(tool);
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
      throw new Error(`${tool.name} (${path}) does not work: ${(error as Error).message.split('\n').slice(0, 3).join(' ')}`);
    }
    log.line(`${tool.name}: ${version} (${path}; tested with ${TESTED_TOOL_VERSIONS[tool.name]})`);
    if (tool.name === 'istioctl' && version !== ISTIO_VERSION) {
      log.line(`warning: istioctl ${version} is not the pinned Istio ${ISTIO_VERSION}; install that version (${INSTALL.istioctl})`);
    }
    if (tool.name === 'dagger') process.env._EXPERIMENTAL_DAGGER_CLI_BIN ??= path;
    found.push(tool.name);
  }
  if (options.builder === 'dagger' && !options.skipBuild && process.env.DAGGER_SESSION_PORT) {
    log.line(`dagger: session from dagger run (port ${process.env.DAGGER_SESSION_PORT})`);
  }
  if (missing.length > 0) {
    const lines = missing.map((tool) => `  ${tool.name} (${tool.why}): ${tool.install}`);
    throw new MissingToolsError(`missing tools:\n${lines.join('\n')}`);
  }
  return found.join(', ');
}
