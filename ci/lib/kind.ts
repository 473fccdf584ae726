// Every call to the `kind` CLI (and to the nodes it runs as Docker containers), in one place.
import { dockerCli } from './docker.ts';
import type { Log } from './log.ts';
import { quietShell, run, shellFor } from './shell.ts';

export async function kindClusters(): Promise<string[]> {
  const output = await run('kind get clusters', () => quietShell()`kind get clusters`);
  return output.stdout
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('No kind clusters'));
}

/** `--kubeconfig PATH` when the pipeline was given one (kind writes the context there). */
const kubeconfigFlag = (kubeconfig: string | undefined): string[] => (kubeconfig ? ['--kubeconfig', kubeconfig] : []);

export async function createKindCluster(log: Log, name: string, configPath: string, kubeconfig?: string): Promise<void> {
  const $ = shellFor(log, { stream: true });
  await run('kind create cluster', () =>
    $`kind create cluster --name ${name} --config ${configPath} --wait 120s ${kubeconfigFlag(kubeconfig)}`,
  );
}

export async function deleteKindCluster(log: Log, name: string): Promise<void> {
  const $ = shellFor(log, { stream: true });
  await run('kind delete cluster', () => $`kind delete cluster --name ${name}`);
}

/** Writes the cluster's context (`kind-<name>`) into the kubeconfig, for a cluster made elsewhere. */
export async function exportKindKubeconfig(log: Log, name: string, kubeconfig?: string): Promise<void> {
  const $ = shellFor(log);
  await run('kind export kubeconfig', () => $`kind export kubeconfig --name ${name} ${kubeconfigFlag(kubeconfig)}`);
}

export async function kindNodes(name: string): Promise<string[]> {
  const output = await run('kind get nodes', () => quietShell()`kind get nodes --name ${name}`);
  return output.stdout
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('No kind nodes'));
}

/** Image references the node's containerd has (`docker.io/shopmesh/x:tag`), via crictl inside the node. */
export async function imagesOnNode(node: string): Promise<Set<string>> {
  const output = await run(`listing images on ${node}`, () => quietShell()`${dockerCli()} exec ${node} crictl images -o json`);
  const parsed = JSON.parse(output.stdout) as { images?: { repoTags?: string[] }[] };
  return new Set((parsed.images ?? []).flatMap((image) => image.repoTags ?? []));
}

/** A failed load, with what to try: the nodes must be running and have room for the image. */
function loadFailure(error: unknown, cluster: string, retry: string): Error {
  const message = error instanceof Error ? error.message : String(error);
  return new Error(
    `${message}\n  what to do: check that the cluster's nodes run (docker ps --filter label=io.x-k8s.kind.cluster=${cluster}) ` +
      `and have disk space (docker system df), then rerun the pipeline or just: ${retry}`,
  );
}

export async function kindLoadDockerImage(log: Log, cluster: string, image: string, nodes: readonly string[]): Promise<void> {
  const $ = shellFor(log);
  const list = nodes.join(',');
  await run(`kind load docker-image ${image}`, () => $`kind load docker-image ${image} --name ${cluster} --nodes ${list}`).catch((error: unknown) => {
    throw loadFailure(error, cluster, `kind load docker-image ${image} --name ${cluster} --nodes ${list}`);
  });
}

export async function kindLoadImageArchive(log: Log, cluster: string, archive: string, nodes: readonly string[]): Promise<void> {
  const $ = shellFor(log);
  const list = nodes.join(',');
  await run(`kind load image-archive ${archive}`, () => $`kind load image-archive ${archive} --name ${cluster} --nodes ${list}`).catch((error: unknown) => {
    throw loadFailure(error, cluster, `kind load image-archive ${archive} --name ${cluster} --nodes ${list}`);
  });
}
