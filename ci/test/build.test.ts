// The build stage with --builder docker against the test environment's real Docker engine (the
// Dagger engine cannot run here; both builders share this stage's logic: digest tags, skip when
// present, bounded parallelism). Images go to a real registry on loopback; for the kind target,
// kind and the nodes' crictl are recording stand-ins at the process boundary.
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
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

const KIND_STAND_IN = `#!/usr/bin/env bash
# Stand-in for kind: three nodes; "load" records the call and marks the image present on the nodes.
echo "kind $*" >> "$SHOPMESH_FAKE_LOG"
case "$1 $2" in
  "get nodes") printf '%s\\n' lirmm-control-plane lirmm-worker lirmm-worker2 ;;
  "load docker-image")
    image=$3; nodes=
    args=("$@"); for i in "\${!args[@]}"; do [[ \${args[$i]} == --nodes ]] && nodes=\${args[$((i + 1))]}; done
    "$SHOPMESH_REAL_DOCKER" image inspect "$image" > /dev/null || { echo "image $image not present locally" >&2; exit 1; }
    for node in \${nodes//,/ }; do echo "docker.io/$image" >> "$SHOPMESH_FAKE_STATE/$node"; done ;;
  *) echo "unexpected kind call: $*" >&2; exit 2 ;;
esac
`;

const DOCKER_STAND_IN = `#!/usr/bin/env bash
# The real docker CLI, except "exec <node> crictl images" answered from the stand-in nodes' state.
if [[ $1 == exec && $3 == crictl ]]; then
  echo "docker exec $2 crictl $4 $5 $6" >> "$SHOPMESH_FAKE_LOG"
  tags=$(sed 's/.*/"&"/' "$SHOPMESH_FAKE_STATE/$2" 2>/dev/null | paste -sd, -)
  echo "{\\"images\\": [{\\"repoTags\\": [$tags]}]}"
  exit 0
fi
exec "$SHOPMESH_REAL_DOCKER" "$@"
`;

(available ? build : build.skip)('kind target (kind and the nodes\' crictl: recording stand-ins): built, loaded into the nodes that lack it, then skipped', async () => {
  const work = makeTree({ 'bin/kind': KIND_STAND_IN, 'bin/docker': DOCKER_STAND_IN, 'commands.log': '', 'nodes/lirmm-worker2': '' });
  const saved = { PATH: process.env.PATH, DOCKER_CLI: process.env.DOCKER_CLI };
  try {
    chmodSync(join(work, 'bin/kind'), 0o755);
    chmodSync(join(work, 'bin/docker'), 0o755);
    process.env.SHOPMESH_REAL_DOCKER = process.env.DOCKER_CLI ?? 'docker';
    process.env.SHOPMESH_FAKE_LOG = join(work, 'commands.log');
    process.env.SHOPMESH_FAKE_STATE = join(work, 'nodes');
    process.env.PATH = `${join(work, 'bin')}:${process.env.PATH}`;
    process.env.DOCKER_CLI = join(work, 'bin/docker');
    const target: ImageTarget = { kind: 'kind', cluster: 'lirmm' };
    const [image] = await planned(tiny, target, ['bravo']);
    if (!image) throw new Error('no image');
    // The worker2 node already has it (an earlier partial load): only the other two get it.
    writeFileSync(join(work, 'nodes/lirmm-worker2'), `docker.io/${image.tag}\n`);

    const first = await stage(tiny, [image], target);
    assert.ok(['built', 'loaded'].includes(first.outcomes.bravo ?? ''), first.lines.join('\n'));
    const calls = readFileSync(join(work, 'commands.log'), 'utf8').split('\n').filter(Boolean);
    assert.equal(calls.filter((call) => call.startsWith('kind')), [
      'kind get nodes --name lirmm',
      `kind load docker-image ${image.tag} --name lirmm --nodes lirmm-control-plane,lirmm-worker`,
    ]);
    assert.ok(existsSync(join(work, 'nodes/lirmm-control-plane')));

    writeFileSync(join(work, 'commands.log'), '');
    const second = await stage(tiny, [image], target);
    assert.equal(second.outcomes, { bravo: 'present' });
    const again = readFileSync(join(work, 'commands.log'), 'utf8').split('\n').filter(Boolean);
    assert.not.ok(again.some((call) => call.includes('load')), again.join('\n'));
  } finally {
    process.env.PATH = saved.PATH;
    if (saved.DOCKER_CLI) process.env.DOCKER_CLI = saved.DOCKER_CLI;
    else delete process.env.DOCKER_CLI;
    removeTree(work);
  }
});

build.run();
