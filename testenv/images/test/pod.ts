// Runs one container of a manifest's pod template in the test environment's Docker engine the way
// a kubelet would: the image swapped by the image map, the manifest's env and envFrom (Secrets of
// the same file), securityContext (uid, gid, fsGroup, read-only root, capabilities, no privilege
// escalation), resource limits, emptyDir volumes (host folders with emptyDir's mode and fsGroup),
// and its own network namespace where the pod's service names resolve to itself, so the default
// ports and the probes' exact commands are used. Probes run as a kubelet would run them.
import { execFile } from 'node:child_process';
import { chownSync, chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { KubernetesObject, V1Container, V1Deployment, V1PodSpec, V1Probe, V1Secret } from '@kubernetes/client-node';
import { applyImageMap, loadImageMap } from '../../../ci/lib/image-map.ts';
import { loadManifests } from '../../../ci/lib/manifests.ts';

const run = promisify(execFile);

export const REPO_ROOT = join(import.meta.dirname, '..', '..', '..');
export const INFRA_MANIFESTS = join(REPO_ROOT, 'k8s/infra-manifests.yaml');
export const IMAGE_MAP = join(REPO_ROOT, 'testenv/images/image-map.yaml');

export interface DockerResult {
  code: number;
  stdout: string;
  stderr: string;
}

let dockerCli = 'docker';
let dockerEnv: NodeJS.ProcessEnv = process.env;

export function useDocker(host: string, cli: string | undefined): void {
  dockerCli = cli ?? 'docker';
  dockerEnv = { ...process.env, DOCKER_HOST: host };
}

export async function docker(args: readonly string[], timeoutMs = 120_000): Promise<DockerResult> {
  try {
    const { stdout, stderr } = await run(dockerCli, [...args], { env: dockerEnv, timeout: timeoutMs, maxBuffer: 32 << 20 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number | string; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? String(error) };
  }
}

/** A workload of the manifests and the container that runs `image` (as the manifest names it). */
export interface ManifestContainer {
  deployment: V1Deployment;
  spec: V1PodSpec;
  container: V1Container;
  secrets: Map<string, Record<string, string>>;
}

export async function manifestObjects(file = INFRA_MANIFESTS): Promise<KubernetesObject[]> {
  return (await loadManifests([file])).map((manifest) => manifest.object as KubernetesObject);
}

export function secretsOf(objects: readonly KubernetesObject[]): Map<string, Record<string, string>> {
  const secrets = new Map<string, Record<string, string>>();
  for (const object of objects) {
    if (object.kind !== 'Secret') continue;
    const secret = object as V1Secret;
    const data: Record<string, string> = { ...(secret.stringData ?? {}) };
    for (const [key, value] of Object.entries(secret.data ?? {})) data[key] = Buffer.from(value, 'base64').toString('utf8');
    secrets.set(secret.metadata?.name ?? '', data);
  }
  return secrets;
}

/** Every Deployment container whose manifest image is `image`, in file order. */
export function containersUsing(objects: readonly KubernetesObject[], image: string): ManifestContainer[] {
  const secrets = secretsOf(objects);
  const found: ManifestContainer[] = [];
  for (const object of objects) {
    if (object.kind !== 'Deployment') continue;
    const deployment = object as V1Deployment;
    const spec = deployment.spec?.template.spec;
    for (const container of spec?.containers ?? []) {
      if (container.image === image && spec) found.push({ deployment, spec, container, secrets });
    }
  }
  return found;
}

/** The image the map gives for the manifest's image (the stand-in). */
export async function mappedImage(image: string): Promise<string> {
  const map = await loadImageMap(IMAGE_MAP);
  const probe: KubernetesObject = {
    kind: 'Pod',
    metadata: { name: 'probe' },
    spec: { containers: [{ name: 'c', image }] },
  } as KubernetesObject;
  const { replacements } = applyImageMap([probe], map);
  const to = replacements[0]?.to;
  if (!to) throw new Error(`${IMAGE_MAP} has no stand-in for ${image}`);
  return to;
}

export interface RunningPod {
  name: string;
  image: string;
  container: V1Container;
  dirs: string[];
}

export interface RunOptions {
  /** Container name: unique per run. */
  name: string;
  image: string;
  /** Join the network namespace of this container (a second container of the same "pod"). */
  joinNetworkOf?: string;
  /** Host names that resolve to the pod itself (its Services). */
  hosts?: readonly string[];
  /** Environment changes on top of the manifest's (undefined removes a variable). */
  env?: Record<string, string | undefined>;
  /** Arguments after the image, replacing the manifest's args. */
  args?: readonly string[];
  /** Use the host's network instead of a namespace of its own. */
  hostNetwork?: boolean;
}

function resolveEnv(item: ManifestContainer): Map<string, string> {
  const env = new Map<string, string>();
  for (const source of item.container.envFrom ?? []) {
    const name = source.secretRef?.name;
    if (!name) throw new Error(`envFrom without secretRef in ${item.deployment.metadata?.name} is not emulated`);
    const secret = item.secrets.get(name);
    if (!secret) throw new Error(`Secret ${name} (envFrom of ${item.deployment.metadata?.name}) is not in the manifests`);
    for (const [key, value] of Object.entries(secret)) env.set(`${source.prefix ?? ''}${key}`, value);
  }
  for (const variable of item.container.env ?? []) {
    if (variable.value !== undefined) env.set(variable.name, variable.value);
    else if (variable.valueFrom?.secretKeyRef) {
      const { name, key } = variable.valueFrom.secretKeyRef;
      const value = item.secrets.get(name ?? '')?.[key];
      if (value === undefined) throw new Error(`${variable.name}: Secret ${name} key ${key} is not in the manifests`);
      env.set(variable.name, value);
    } else {
      env.set(variable.name, '');
    }
  }
  return env;
}

/** `docker run` arguments for the manifest's container (see the file's comment). */
export function dockerRunArgs(item: ManifestContainer, options: RunOptions, dirs: string[]): string[] {
  const pod = item.spec.securityContext ?? {};
  const own = item.container.securityContext ?? {};
  const uid = own.runAsUser ?? pod.runAsUser;
  const gid = own.runAsGroup ?? pod.runAsGroup;
  if ((own.runAsNonRoot ?? pod.runAsNonRoot) && uid === 0) throw new Error('runAsNonRoot with runAsUser 0');
  if ((own.runAsNonRoot ?? pod.runAsNonRoot) && uid === undefined) throw new Error('runAsNonRoot needs a numeric runAsUser here');
  const args = ['run', '-d', '--name', options.name];
  if (options.hostNetwork) args.push('--network', 'host');
  else if (options.joinNetworkOf) args.push('--network', `container:${options.joinNetworkOf}`);
  else {
    // A pod's own network namespace; the kubelet's hosts file names the pod and its Services.
    const hostname = `${item.deployment.metadata?.name ?? 'pod'}`.slice(0, 63);
    args.push('--network', 'none', '--hostname', hostname, '--add-host', `${hostname}:127.0.0.1`);
    for (const host of options.hosts ?? []) args.push('--add-host', `${host}:127.0.0.1`);
  }
  if (uid !== undefined) args.push('--user', gid === undefined ? `${uid}` : `${uid}:${gid}`);
  if (pod.fsGroup !== undefined) args.push('--group-add', `${pod.fsGroup}`);
  for (const group of pod.supplementalGroups ?? []) args.push('--group-add', `${group}`);
  if (own.readOnlyRootFilesystem) args.push('--read-only');
  for (const cap of own.capabilities?.drop ?? []) args.push('--cap-drop', cap);
  for (const cap of own.capabilities?.add ?? []) args.push('--cap-add', cap);
  if (own.allowPrivilegeEscalation === false) args.push('--security-opt', 'no-new-privileges');
  if (own.privileged) throw new Error('privileged containers are not emulated');
  const limits = item.container.resources?.limits ?? {};
  if (limits.memory) args.push('--memory', String(limits.memory).replace(/i$/, '').toLowerCase());
  if (limits.cpu) args.push('--cpus', String(limits.cpu).endsWith('m') ? String(Number.parseInt(String(limits.cpu), 10) / 1000) : String(limits.cpu));

  // emptyDir: a folder of the node, mode 0777; with fsGroup, group fsGroup and setgid.
  const volumes = new Map((item.spec.volumes ?? []).map((volume) => [volume.name, volume]));
  for (const mount of item.container.volumeMounts ?? []) {
    const volume = volumes.get(mount.name);
    if (!volume?.emptyDir) throw new Error(`volume ${mount.name}: only emptyDir is emulated`);
    const dir = mkdtempSync(join(tmpdir(), `standin-${mount.name}-`));
    dirs.push(dir);
    if (pod.fsGroup !== undefined) {
      chownSync(dir, 0, pod.fsGroup);
      chmodSync(dir, 0o2777);
    } else {
      chmodSync(dir, 0o777);
    }
    args.push('-v', `${dir}:${mount.mountPath}${mount.readOnly ? ':ro' : ''}`);
  }

  const env = resolveEnv(item);
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) env.delete(key);
    else env.set(key, value);
  }
  for (const [key, value] of env) args.push('-e', `${key}=${value}`);

  const command = item.container.command ?? [];
  if (command.length > 0) args.push('--entrypoint', command[0]!);
  args.push(options.image, ...command.slice(1), ...(options.args ?? item.container.args ?? []));
  return args;
}

export async function startPod(item: ManifestContainer, options: RunOptions): Promise<RunningPod> {
  const dirs: string[] = [];
  const result = await docker(dockerRunArgs(item, options, dirs));
  if (result.code !== 0) {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    throw new Error(`docker run ${options.name} failed: ${result.stderr}`);
  }
  return { name: options.name, image: options.image, container: item.container, dirs };
}

export async function removePod(pod: RunningPod | undefined): Promise<void> {
  if (!pod) return;
  await docker(['rm', '-f', '-v', pod.name]);
  for (const dir of pod.dirs) rmSync(dir, { recursive: true, force: true });
}

function portNumber(container: V1Container, port: number | string | undefined): number {
  if (typeof port === 'number') return port;
  const named = container.ports?.find((candidate) => candidate.name === port);
  if (!named) throw new Error(`probe port ${port} is not a port of container ${container.name}`);
  return named.containerPort;
}

/**
 * The command that performs a probe inside the pod's network namespace: an exec probe's own
 * command; a TCP connect or an HTTP GET (2xx/3xx is success) by the shell, to 127.0.0.1 as the
 * kubelet would to the pod's address.
 */
export function probeCommand(container: V1Container, probe: V1Probe): string[] {
  if (probe.exec?.command) return probe.exec.command;
  if (probe.tcpSocket) return ['bash', '-c', `exec 3<>/dev/tcp/127.0.0.1/${portNumber(container, probe.tcpSocket.port)}`];
  if (probe.httpGet) {
    const port = portNumber(container, probe.httpGet.port);
    const path = probe.httpGet.path ?? '/';
    return [
      'bash',
      '-c',
      `exec 3<>/dev/tcp/127.0.0.1/${port} && printf 'GET %s HTTP/1.0\\r\\nHost: 127.0.0.1\\r\\n\\r\\n' '${path}' >&3 && read -r _ code _ <&3 && [ "$code" -ge 200 ] && [ "$code" -lt 400 ]`,
    ];
  }
  throw new Error(`probe of ${container.name} has no exec, tcpSocket or httpGet`);
}

export async function runProbe(pod: RunningPod, probe: V1Probe): Promise<DockerResult> {
  return docker(['exec', pod.name, ...probeCommand(pod.container, probe)], ((probe.timeoutSeconds ?? 1) + 10) * 1000);
}

/** The time a probe may take to first succeed: initialDelay + period × failureThreshold. */
export function probeBudgetMs(probe: V1Probe): number {
  return ((probe.initialDelaySeconds ?? 0) + (probe.periodSeconds ?? 10) * (probe.failureThreshold ?? 3)) * 1000;
}

/** Polls the probe every second until it succeeds; throws (with the container's log) after its budget. */
export async function waitForProbe(pod: RunningPod, probe: V1Probe, budgetMs = probeBudgetMs(probe)): Promise<number> {
  const started = Date.now();
  let last: DockerResult | undefined;
  while (Date.now() - started < budgetMs) {
    last = await runProbe(pod, probe);
    if (last.code === 0) return Date.now() - started;
    const state = await docker(['inspect', '-f', '{{.State.Running}}', pod.name]);
    if (state.stdout.trim() !== 'true') break;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  const logs = await docker(['logs', '--tail', '40', pod.name]);
  throw new Error(
    `${pod.name}: probe ${JSON.stringify(probeCommand(pod.container, probe))} did not succeed within ${budgetMs / 1000} s ` +
      `(last: exit ${last?.code} ${last?.stderr.trim() ?? ''})\n--- container log ---\n${logs.stdout}${logs.stderr}`,
  );
}

/** Uid and gid of the container's main process (PID 1 after the entrypoint's exec). */
export async function mainProcessIds(pod: RunningPod): Promise<{ uid: number; gid: number; groups: number[] }> {
  const status = await docker(['exec', pod.name, 'cat', '/proc/1/status']);
  const field = (name: string): number[] =>
    (new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(status.stdout)?.[1] ?? '').trim().split(/\s+/).filter(Boolean).map(Number);
  return { uid: field('Uid')[0] ?? -1, gid: field('Gid')[0] ?? -1, groups: field('Groups') };
}

/** Waits until the container has exited, returns its exit code and log. */
export async function waitForExit(name: string, timeoutMs: number): Promise<{ code: number; log: string }> {
  const waited = await docker(['wait', name], timeoutMs);
  const logs = await docker(['logs', name]);
  if (waited.code !== 0) throw new Error(`${name} still running after ${timeoutMs / 1000} s:\n${logs.stdout}${logs.stderr}`);
  return { code: Number(waited.stdout.trim()), log: `${logs.stdout}${logs.stderr}` };
}
