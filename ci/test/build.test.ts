// The build stage with --builder docker against the test environment's real Docker engine (the
// Dagger engine cannot run here; both builders share this stage's logic: digest tags, skip when
// present, bounded parallelism). Images go to a real registry on loopback; for the kind target,
// kind and the nodes' crictl are strict stand-ins at the process boundary (ci/test/strict-stand-in.ts).
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { server } from '../../packages/testkit/src/index.ts';
import type { ImageBuilder } from '../lib/builder.ts';
import { dockerBuilder } from '../lib/docker-build.ts';
import { imageSources, planImages, type PlannedImage } from '../lib/image-sources.ts';
import { Log, memorySink } from '../lib/log.ts';
import type { ImageTarget } from '../lib/options.ts';
import { registryHasImage } from '../lib/registry.ts';
import { quietShell } from '../lib/shell.ts';
import { caBundleFromEnv, runBuildStage } from '../steps/build.ts';
import { makeTree, removeTree, REPO_ROOT } from './fixtures.ts';
import { registryInstalled, startRegistry, type RegistryServer } from './registry-server.ts';
import { callLog, standInCalls, unexpectedCalls, writeStandIn, type StandInRule } from './strict-stand-in.ts';

const build = suite('build stage, docker builder (real Docker engine, real registry)');
const dockerHost = server('DOCKER_HOST');
const baseImage = server('BASE_IMAGE');
let registry: RegistryServer | undefined;
// Known when the file loads (the registry itself starts in `before`), so a skip is decided here.
const available = dockerHost !== undefined && baseImage !== undefined && registryInstalled();
let tiny = '';

/** A repository of four small services whose build takes about two seconds each (RUN sleep 2). */
function tinyRepository(): string {
  const run = `${Date.now()}-${Math.random()}`;
  const files: Record<string, string> = { 'package.json': '{"name":"tiny"}', 'package-lock.json': '{}' };
  for (const name of ['alpha', 'bravo', 'charlie', 'delta']) {
    files[`services/${name}/Dockerfile`] =
      'ARG NODE_IMAGE=node:22-bookworm-slim\nFROM ${NODE_IMAGE}\n' +
      `COPY services/${name}/src /app/src\nRUN sleep 2\nUSER 1000:1000\nCMD ["node", "/app/src/main.js"]\n`;
    files[`services/${name}/src/main.js`] = `console.log(${JSON.stringify(`${name} ${run}`)});\n`;
  }
  return makeTree(files, 'shopmesh-tiny-');
}

async function planned(root: string, target: ImageTarget, only?: string[]): Promise<PlannedImage[]> {
  const images = planImages(root, await imageSources(root, { withLab: false }), { NODE_IMAGE: baseImage ?? '' }, target);
  return only ? images.filter((image) => only.includes(image.name)) : images;
}

async function stage(root: string, images: PlannedImage[], target: ImageTarget, builder: ImageBuilder = dockerBuilder('host'), jobs = 2) {
  const { sink, lines } = memorySink();
  const result = await runBuildStage({
    root,
    images,
    target,
    builder,
    jobs,
    buildArgs: { NODE_IMAGE: baseImage ?? '' },
    caFile: caBundleFromEnv(),
    log: new Log(sink),
  });
  return { outcomes: Object.fromEntries(result.outcomes), lines };
}

build.before(async () => {
  if (!available) return;
  process.env.DOCKER_HOST = dockerHost;
  const cli = server('DOCKER_CLI');
  if (cli) process.env.DOCKER_CLI = cli;
  registry = await startRegistry();
  tiny = tinyRepository();
});

build.after(async () => {
  await registry?.stop();
  if (tiny) removeTree(tiny);
});

(available ? build : build.skip)('a real service image (the first of services/) is built from its Dockerfile and pushed; the next run finds it and skips it', async () => {
  const target: ImageTarget = { kind: 'registry', registry: registry!.address };
  const [image] = await planned(REPO_ROOT, target, ['auth-service']);
  if (!image) throw new Error('services/auth-service/Dockerfile is missing');
  // A tag left by an earlier run would be pushed without a build: untag it (the layer cache stays).
  await quietShell()({ nothrow: true })`${process.env.DOCKER_CLI ?? 'docker'} image rm ${image.tag} ${image.ref}`;
  const first = await stage(REPO_ROOT, [image], target);
  assert.equal(first.outcomes, { 'auth-service': 'built' }, first.lines.join('\n'));
  assert.ok(await registryHasImage(image.ref), `${image.ref} is in the registry`);
  const inspect = await quietShell()`${process.env.DOCKER_CLI ?? 'docker'} image inspect --format ${'{{.Config.User}} {{json .Config.Cmd}} {{.Config.WorkingDir}}'} ${image.tag}`;
  assert.is(inspect.stdout.trim(), '1000:1000 ["node","dist/main.js"] /app');

  const second = await stage(REPO_ROOT, [image], target);
  assert.equal(second.outcomes, { 'auth-service': 'present' });
  assert.ok(second.lines.some((line) => line.includes('already present, skipped')));
});

(available ? build : build.skip)('at most --jobs images build at the same time, and they do build side by side', async () => {
  const target: ImageTarget = { kind: 'registry', registry: registry!.address };
  const images = await planned(tiny, target);
  assert.is(images.length, 4);
  const real = dockerBuilder('host');
  let active = 0;
  let most = 0;
  const observed: ImageBuilder = {
    ...real,
    async build(job) {
      most = Math.max(most, ++active);
      try {
        return await real.build(job);
      } finally {
        active--;
      }
    },
  };
  const result = await stage(tiny, images, target, observed, 2);
  assert.equal(Object.values(result.outcomes), ['built', 'built', 'built', 'built']);
  assert.is(most, 2, `${most} builds ran at once with --jobs 2`);
  for (const image of images) assert.ok(await registryHasImage(image.ref), image.ref);
});

(available ? build : build.skip)('an image already in the local engine is pushed to a registry that lacks it, without a rebuild', async () => {
  const other = await startRegistry();
  try {
    const target: ImageTarget = { kind: 'registry', registry: other.address };
    const images = await planned(tiny, target, ['alpha']);
    const result = await stage(tiny, images, target);
    assert.equal(result.outcomes, { alpha: 'loaded' }, result.lines.join('\n'));
    assert.ok(result.lines.some((line) => line.includes('is in the local Docker engine, not rebuilt')));
    assert.ok(await registryHasImage(images[0]?.ref ?? ''));
  } finally {
    await other.stop();
  }
});

// kind's three nodes cannot run here: kind answers for them and keeps, per node, the images it
// loaded (a file each, beside the stand-ins); docker is the real CLI on the real engine except for
// `exec <node> crictl images`, answered from those files. Every other call is refused (exit 97).
const NODE_LIST = 'lirmm-control-plane\nlirmm-worker\nlirmm-worker2\n';
const KIND_RULES: StandInRule[] = [
  { args: /get nodes --name lirmm/, stdout: NODE_LIST },
  {
    args: /load docker-image \S+ --name lirmm --nodes [\w,-]+/,
    run: '"$SHOPMESH_REAL_DOCKER" image inspect "$3" > /dev/null || { echo "image $3 not present locally" >&2; exit 1; }; for node in ${7//,/ }; do echo "docker.io/$3" >> "$STANDIN_DIR/nodes/$node"; done',
  },
];
const DOCKER_RULES: StandInRule[] = [
  {
    args: /exec lirmm-(control-plane|worker|worker2) crictl images -o json/,
    run: 'tags=$(sed \'s/.*/"&"/\' "$STANDIN_DIR/nodes/$2" 2>/dev/null | paste -sd, -); echo "{\\"images\\": [{\\"repoTags\\": [$tags]}]}"',
  },
  // What the build stage asks the engine itself.
  { args: /(version|image inspect|build|push|tag) .*/, run: 'exec "$SHOPMESH_REAL_DOCKER" "$@"' },
];

/** Strict kind and docker stand-ins in a new folder, first on PATH; node lirmm-worker2 has `preloaded`. */
function kindStandIns(preloaded: string): { work: string; restore: () => void } {
  const work = makeTree({ [`nodes/lirmm-worker2`]: preloaded });
  const saved = { PATH: process.env.PATH, DOCKER_CLI: process.env.DOCKER_CLI };
  process.env.SHOPMESH_REAL_DOCKER = process.env.DOCKER_CLI ?? 'docker';
  const kindRules = KIND_RULES.map((rule) => (rule.args.source.startsWith('load') ? { ...rule, failVariant: 'load', failMessage: 'ERROR: failed to load image: command "docker exec --privileged -i lirmm-worker ctr --namespace=k8s.io images import" failed with error: exit status 1' } : rule));
  writeStandIn(work, 'kind', kindRules);
  process.env.DOCKER_CLI = writeStandIn(work, 'docker', DOCKER_RULES);
  process.env.PATH = `${join(work, 'bin')}:${process.env.PATH}`;
  const restore = (): void => {
    process.env.PATH = saved.PATH;
    if (saved.DOCKER_CLI) process.env.DOCKER_CLI = saved.DOCKER_CLI;
    else delete process.env.DOCKER_CLI;
    delete process.env.SHOPMESH_STANDIN_FAIL;
    removeTree(work);
  };
  return { work, restore };
}

const kindCalls = (work: string): string[] => standInCalls(work).filter((call) => call.tool === 'kind').map((call) => ['kind', ...call.args].join(' '));

(available ? build : build.skip)('kind target (kind and the nodes\' crictl: strict stand-ins): built, loaded into the nodes that lack it, then skipped', async () => {
  const target: ImageTarget = { kind: 'kind', cluster: 'lirmm' };
  const [image] = await planned(tiny, target, ['bravo']);
  if (!image) throw new Error('no image');
  // The worker2 node already has it (an earlier partial load): only the other two get it.
  const { work, restore } = kindStandIns(`docker.io/${image.tag}\n`);
  try {
    const first = await stage(tiny, [image], target);
    assert.ok(['built', 'loaded'].includes(first.outcomes.bravo ?? ''), first.lines.join('\n'));
    assert.equal(kindCalls(work), [
      'kind get nodes --name lirmm',
      `kind load docker-image ${image.tag} --name lirmm --nodes lirmm-control-plane,lirmm-worker`,
    ]);
    assert.ok(existsSync(join(work, 'nodes/lirmm-control-plane')));
    assert.equal(unexpectedCalls(work), []);

    writeFileSync(callLog(work), '');
    const second = await stage(tiny, [image], target);
    assert.equal(second.outcomes, { bravo: 'present' });
    assert.equal(kindCalls(work), ['kind get nodes --name lirmm']);
    assert.equal(unexpectedCalls(work), []);
  } finally {
    restore();
  }
});

(available ? build : build.skip)('kind load fails (strict kind stand-in, failing variant): the stage names the image and kind\'s message, and the node has nothing', async () => {
  const target: ImageTarget = { kind: 'kind', cluster: 'lirmm' };
  const [image] = await planned(tiny, target, ['alpha']);
  if (!image) throw new Error('no image');
  const { work, restore } = kindStandIns('');
  try {
    process.env.SHOPMESH_STANDIN_FAIL = 'kind:load';
    const error = await stage(tiny, [image], target).then(
      () => undefined,
      (caught: unknown) => caught as Error,
    );
    assert.ok(error, 'the stage must fail when kind cannot load the image');
    assert.match(error.message, `kind load docker-image ${image.tag} failed: exit 1`);
    assert.match(error.message, 'failed to load image');
    assert.match(error.message, `what to do: check that the cluster's nodes run`);
    assert.match(error.message, `kind load docker-image ${image.tag} --name lirmm --nodes lirmm-control-plane,lirmm-worker,lirmm-worker2`);
    assert.not.ok(existsSync(join(work, 'nodes/lirmm-control-plane')));
    assert.equal(unexpectedCalls(work), []);
  } finally {
    restore();
  }
});

build.run();
