// Strict stand-ins (ci/test/strict-stand-in.ts) for what cannot run on this machine, wired to the
// test environment's real node (testenv/components/node.sh):
//   kind      the existing test cluster answers as the kind cluster: `get clusters`, `get nodes`,
//             `create cluster`/`export kubeconfig` (write the kind-<name> context), and `load
//             docker-image`/`load image-archive` import into the real node's containerd, as kind does
//             into its node containers. Failing variant kind:load.
//   istioctl  `version`, and `install` deploys the ingress-gateway and istiod stand-ins
//             (istio-install.ts). Failing variant istioctl:install.
//   docker    the real engine for what the pipeline asks of it (version, image inspect, build, tag,
//             push), and `docker exec <node> crictl images -o json` answered from the real node's
//             containerd (a kind node is a container; this one is not). Failing variant docker:build.
// Every other call exits 97 printing itself.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ISTIO_VERSION, TESTED_TOOL_VERSIONS } from '../../lib/versions.ts';
import { REPO_ROOT } from '../fixtures.ts';
import { writeStandIn } from '../strict-stand-in.ts';
import type { InstallConfig } from './istio-install.ts';

export interface RealNodeStandInsConfig {
  /** Folder for the stand-ins (bin/, rules, call log). */
  dir: string;
  /** The kind cluster name the pipeline is given (CLUSTER_NAME). */
  cluster: string;
  nodeName: string;
  /** The kubeconfig the pipeline uses (--kubeconfig) and the cluster and user its kind context gets. */
  kubeconfig: string;
  kubeCluster: string;
  kubeUser: string;
  realDocker: string;
  containerdSocket: string;
  ctr: string;
  install: Omit<InstallConfig, 'kubeconfig' | 'context'>;
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const shellQuote = (text: string): string => `'${text.replaceAll("'", "'\\''")}'`;

/** Writes bin/kind, bin/istioctl and bin/docker under config.dir; returns the bin folder. */
export function writeRealNodeStandIns(config: RealNodeStandInsConfig): string {
  const { dir, cluster, nodeName } = config;
  const name = escape(cluster);
  const kubeconfigFlag = '(?: --kubeconfig \\S+)?';
  const ctr = `${shellQuote(config.ctr)} -a ${shellQuote(config.containerdSocket)} -n k8s.io`;
  const writeContext =
    `kubectl config --kubeconfig ${shellQuote(config.kubeconfig)} set-context kind-${cluster} ` +
    `--cluster=${shellQuote(config.kubeCluster)} --user=${shellQuote(config.kubeUser)} >/dev/null`;
  const loadFailure = (what: string): string =>
    `ERROR: failed to load image: command "docker exec --privileged -i ${nodeName} ctr --namespace=k8s.io images import --all-platforms --digests --snapshotter=overlayfs -" failed with error: exit status 1 (stand-in variant load, ${what})`;

  writeStandIn(dir, 'kind', [
    { args: /version/, stdout: `kind v${TESTED_TOOL_VERSIONS.kind} go1.24.6 linux/amd64\n` },
    { args: /get clusters/, stdout: `${cluster}\n` },
    { args: new RegExp(`get nodes --name ${name}`), stdout: `${nodeName}\n` },
    { args: new RegExp(`export kubeconfig --name ${name}${kubeconfigFlag}`), run: writeContext },
    { args: new RegExp(`create cluster --name ${name} --config \\S+ --wait 120s${kubeconfigFlag}`), run: writeContext },
    {
      args: new RegExp(`load docker-image \\S+ --name ${name} --nodes ${escape(nodeName)}`),
      run: `exec ${shellQuote(join(REPO_ROOT, 'testenv/node-load-image'))} "$3"`,
      failVariant: 'load',
      failMessage: loadFailure('docker-image'),
    },
    {
      args: new RegExp(`load image-archive \\S+ --name ${name} --nodes ${escape(nodeName)}`),
      run: `exec ${ctr} images import "$3"`,
      failVariant: 'load',
      failMessage: loadFailure('image-archive'),
    },
  ]);

  const installConfig = join(dir, 'istio-install.json');
  writeFileSync(installConfig, JSON.stringify({ ...config.install, kubeconfig: config.kubeconfig, context: `kind-${cluster}` } satisfies InstallConfig));
  writeStandIn(dir, 'istioctl', [
    { args: /version --remote=false --short/, stdout: `${ISTIO_VERSION}\n` },
    {
      args: new RegExp(`install --set profile=demo -y --context kind-${name}${kubeconfigFlag}`),
      run: `cd ${shellQuote(REPO_ROOT)} && exec ${shellQuote(process.execPath)} --import tsx ci/test/standins/istio-install.ts ${shellQuote(installConfig)}`,
      failVariant: 'install',
      failMessage: 'Error: failed to install manifests: errors occurred during operation: creating default tag would conflict (stand-in variant install)',
    },
  ]);

  const real = `exec ${shellQuote(config.realDocker)} "$@"`;
  writeStandIn(dir, 'docker', [
    { args: /version --format \{\{\.Server\.Version\}\}/, run: real },
    { args: /image inspect --format \{\{\.Id\}\} \S+/, run: real },
    { args: /build -f \S+ (?:-t \S+ )+(?:--build-arg \S+ )*(?:--secret \S+ )?(?:--network \S+ )?\./, run: real, failVariant: 'build', failMessage: 'ERROR: failed to solve: process "/bin/sh -c npm ci" did not complete successfully: exit code: 1 (stand-in variant build)' },
    { args: /tag \S+ \S+/, run: real },
    { args: /push \S+/, run: real },
    {
      args: new RegExp(`exec ${escape(nodeName)} crictl images -o json`),
      run: `${ctr} images ls -q | grep -v '^sha256:' | jq -R . | jq -s '{images: [.[] | {repoTags: [.]}]}'`,
    },
  ]);
  return join(dir, 'bin');
}
