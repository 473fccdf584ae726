// Command line of ci/pipeline.ts: flags parsed with node:util parseArgs into PipelineOptions.
import { parseArgs } from 'node:util';
import { availableParallelism } from 'node:os';
import { APP_NAMESPACE, CLUSTER_NAME, GATEWAY_URL } from './versions.ts';
import { parseNodeSelector, parseToleration, PlacementError, type Placement } from './placement.ts';
import { DEFAULT_BACKOFF, type BackoffPolicy } from './workloads.ts';

export type BuilderName = 'dagger' | 'docker';
export type Command = 'run' | 'validate' | 'diagnose';

/** Where images go: the kind cluster's nodes, or a registry the target cluster pulls from. */
export type ImageTarget = { kind: 'kind'; cluster: string } | { kind: 'registry'; registry: string };

export interface PipelineOptions {
  command: Command;
  /** Arguments after `validate` (files or folders), passed to the validator as they are. */
  validateArgs: string[];
  plan: boolean;
  only: string[] | undefined;
  skipBuild: boolean;
  skipSmoke: boolean;
  recreate: boolean;
  restart: boolean;
  /** The kubeconfig context; undefined means the kind cluster's (`kind-<cluster>`). */
  context: string | undefined;
  kubeconfig: string | undefined;
  clusterName: string;
  namespace: string;
  target: ImageTarget;
  builder: BuilderName;
  withLab: boolean;
  timeoutMs: number;
  /** When a crash loop, image pull back-off, failed init container... ends the rollout wait. */
  backoff: BackoffPolicy;
  istioDir: string | undefined;
  gatewayUrl: string;
  jobs: number;
  /** Repository checkout to build and deploy; undefined: the one this script is in. */
  root: string | undefined;
  /** File of image overrides (`from: to`) applied to the manifests when they are applied. */
  imageMap: string | undefined;
  /** Node selector and tolerations added to every workload's pods (--node-selector, --toleration). */
  placement: Placement;
  help: boolean;
}

export class UsageError extends Error {}

export const USAGE = `Usage: npx tsx ci/pipeline.ts [options]          build, deploy and check the whole shop
       npx tsx ci/pipeline.ts validate [FILE|DIR ...]  validate manifests only (default k8s/ and kind-cluster-config.yaml)
       npx tsx ci/pipeline.ts diagnose                 print pod diagnostics of the namespace

Stages: preflight, validate, cluster, build, deploy, smoke; diagnose on failure; a summary always.

Options:
  --plan                 print what every stage would do and change nothing (needs no tools)
  --only SVC[,SVC...]    build, roll and restart only these services (others keep their running image)
  --skip-build           do not build; deploy the images the current sources would produce
  --skip-smoke           stop after deploy (no requests through the gateway)
  --recreate             delete the kind cluster first and create it again
  --restart              restart the Deployments (all, or --only ones) even when their image is unchanged
  --context NAME         kubeconfig context to deploy to (default kind-<cluster>); a non-kind context
                         needs --registry, images are pushed there instead of loaded into kind
  --kubeconfig PATH      kubeconfig file (default $KUBECONFIG or ~/.kube/config)
  --registry HOST:PORT   registry to push images to (for a non-kind context)
  --builder dagger|docker  build images with Dagger (default) or with the local Docker engine
  --jobs N               images built at the same time (default: min(4, CPUs))
  --with-lab             also build and deploy the load-balancing lab's controller
  --timeout DURATION     deadline of each wait for rollouts, e.g. 600, 90s, 10m (default 10m)
  --backoff-restarts N   a crash-looping container (or failing init container) ends the wait at N
                         restarts (default ${DEFAULT_BACKOFF.restarts}): Kubernetes retries, and fewer restarts are often
                         transient (a dependency that starts later)
  --backoff-grace DURATION  any back-off (image pull, missing Secret or ConfigMap, crash loop) or an
                         unschedulable pod ends the wait once it lasts this long (default ${DEFAULT_BACKOFF.graceMs / 1000}s)
  --istio-dir PATH       local Istio release directory: its samples/addons are applied instead of
                         the pinned release's files downloaded from GitHub
  --gateway URL          base URL of the ingress gateway for smoke requests (default http://localhost:13000)
  --root DIR             another checkout of the repository to build and deploy (default: this one)
  --image-map FILE       YAML mapping "from: to" of image references: every container whose image is
                         "from" runs "to" instead (manifest files unchanged; --plan lists the changes)
  --node-selector KEY=VALUE  add this node label to every workload's nodeSelector (repeatable;
                         manifest files unchanged), e.g. for a dedicated, labelled node pool
  --toleration KEY=VALUE:EFFECT  add this toleration to every workload's pods (repeatable; also
                         KEY:EFFECT for any value), e.g. for tainted nodes of that pool
  -h, --help             this text

Environment: CLUSTER_NAME (default lirmm), NAMESPACE (default lirmm-services), NODE_IMAGE (build
argument of every Dockerfile), SHOPMESH_EXTRA_CA_FILE or NODE_EXTRA_CA_CERTS (CA bundle passed to
builds as a secret), SHOPMESH_BUILD_NETWORK (docker build --network, e.g. host).

Exit codes: 0 passed, 1 a stage failed, 2 bad usage, 3 preflight (tools missing, too old or not working).`;

/** "600" (seconds), "90s", "10m", "1h" → milliseconds. */
export function parseDuration(text: string, flag = '--timeout'): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!match) throw new UsageError(`${flag}: "${text}" is not a duration (examples: 600, 90s, 10m)`);
  const value = Number(match[1]);
  const unit = match[2] ?? 's';
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit] ?? 1000;
  return value * factor;
}

const REGISTRY_PATTERN = /^[a-z0-9.-]+(:\d+)?(\/[a-z0-9._/-]+)?$/i;

export function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): PipelineOptions {
  const [first, ...rest] = argv;
  if (first === 'validate') return { ...defaults(env), command: 'validate', validateArgs: rest };

  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        plan: { type: 'boolean' },
        only: { type: 'string', multiple: true },
        'skip-build': { type: 'boolean' },
        'skip-smoke': { type: 'boolean' },
        recreate: { type: 'boolean' },
        restart: { type: 'boolean' },
        context: { type: 'string' },
        kubeconfig: { type: 'string' },
        registry: { type: 'string' },
        builder: { type: 'string' },
        jobs: { type: 'string' },
        'with-lab': { type: 'boolean' },
        timeout: { type: 'string' },
        'backoff-restarts': { type: 'string' },
        'backoff-grace': { type: 'string' },
        'istio-dir': { type: 'string' },
        gateway: { type: 'string' },
        root: { type: 'string' },
        'image-map': { type: 'string' },
        'node-selector': { type: 'string', multiple: true },
        toleration: { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  let command: Command = 'run';
  if (positionals[0] === 'diagnose') command = 'diagnose';
  else if (positionals.length > 0) throw new UsageError(`unknown command "${positionals[0]}" (commands: validate, diagnose)`);

  const base = defaults(env);
  const builder = values.builder ?? 'dagger';
  if (builder !== 'dagger' && builder !== 'docker') throw new UsageError(`--builder must be dagger or docker, not "${builder}"`);
  const only = values.only
    ?.flatMap((list) => list.split(','))
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const jobs = values.jobs === undefined ? base.jobs : Number(values.jobs);
  if (!Number.isInteger(jobs) || jobs < 1) throw new UsageError(`--jobs must be a positive integer, not "${values.jobs}"`);

  const restarts = values['backoff-restarts'] === undefined ? base.backoff.restarts : Number(values['backoff-restarts']);
  if (!Number.isInteger(restarts) || restarts < 1) {
    throw new UsageError(`--backoff-restarts must be a positive integer, not "${values['backoff-restarts']}"`);
  }
  const graceMs = values['backoff-grace'] === undefined ? base.backoff.graceMs : parseDuration(values['backoff-grace'], '--backoff-grace');

  const context = values.context;
  const kindContext = context === undefined || context === `kind-${base.clusterName}`;
  let target: ImageTarget = base.target;
  if (values.registry !== undefined) {
    if (!REGISTRY_PATTERN.test(values.registry)) throw new UsageError(`--registry: "${values.registry}" is not HOST:PORT`);
    target = { kind: 'registry', registry: values.registry };
  } else if (!kindContext) {
    throw new UsageError(`--context ${context} is not the kind cluster's context: give --registry HOST:PORT for its images`);
  }

  let placement: Placement;
  try {
    placement = {
      nodeSelector: Object.fromEntries((values['node-selector'] ?? []).map(parseNodeSelector)),
      tolerations: (values.toleration ?? []).map(parseToleration),
    };
  } catch (error) {
    if (error instanceof PlacementError) throw new UsageError(error.message);
    throw error;
  }

  return {
    ...base,
    command,
    plan: values.plan ?? false,
    only: only && only.length > 0 ? only : undefined,
    skipBuild: values['skip-build'] ?? false,
    skipSmoke: values['skip-smoke'] ?? false,
    recreate: values.recreate ?? false,
    restart: values.restart ?? false,
    context,
    kubeconfig: values.kubeconfig,
    target,
    builder,
    jobs,
    withLab: values['with-lab'] ?? false,
    timeoutMs: values.timeout === undefined ? base.timeoutMs : parseDuration(values.timeout),
    backoff: { restarts, graceMs },
    istioDir: values['istio-dir'],
    gatewayUrl: values.gateway ?? base.gatewayUrl,
    root: values.root,
    imageMap: values['image-map'],
    placement,
    help: values.help ?? false,
  };
}

function defaults(env: NodeJS.ProcessEnv): PipelineOptions {
  const clusterName = env.CLUSTER_NAME || CLUSTER_NAME;
  return {
    command: 'run',
    validateArgs: [],
    plan: false,
    only: undefined,
    skipBuild: false,
    skipSmoke: false,
    recreate: false,
    restart: false,
    context: undefined,
    kubeconfig: undefined,
    clusterName,
    namespace: env.NAMESPACE || APP_NAMESPACE,
    target: { kind: 'kind', cluster: clusterName },
    builder: 'dagger',
    withLab: false,
    timeoutMs: 10 * 60_000,
    backoff: DEFAULT_BACKOFF,
    istioDir: undefined,
    gatewayUrl: GATEWAY_URL,
    jobs: Math.max(1, Math.min(4, availableParallelism())),
    root: undefined,
    imageMap: undefined,
    placement: { nodeSelector: {}, tolerations: [] },
    help: false,
  };
}

/** The kubeconfig context the pipeline talks to. */
export function kubeContext(options: Pick<PipelineOptions, 'context' | 'clusterName'>): string {
  return options.context ?? `kind-${options.clusterName}`;
}
