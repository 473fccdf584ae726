// The stand-in images of testenv/images/, run in the test environment's Docker engine as the
// manifests of k8s/infra-manifests.yaml run their public images (env, Secrets, securityContext,
// emptyDir volumes, limits; see pod.ts), each in a network namespace of its own on the default
// ports, probed with the probes the manifests give. Containers and folders are named per run and
// removed afterwards.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { KubernetesObject, V1Container, V1Deployment, V1PodSpec } from '@kubernetes/client-node';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { server } from '../../../packages/testkit/src/index.ts';
import { loadImageMap, normalizeImage } from '../../../ci/lib/image-map.ts';
import {
  containersUsing,
  docker,
  IMAGE_MAP,
  mainProcessIds,
  manifestObjects,
  mappedImage,
  probeBudgetMs,
  removePod,
  REPO_ROOT,
  runProbe,
  startPod,
  useDocker,
  waitForExit,
  waitForProbe,
  type ManifestContainer,
  type RunningPod,
} from './pod.ts';

const runFile = promisify(execFile);
const dockerHost = server('DOCKER_HOST');
const RUN = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
const containerName = (what: string): string => `standin-test-${RUN}-${what}`;
let objects: KubernetesObject[] = [];
const started: RunningPod[] = [];

const PUBLIC = {
  postgres: 'postgres:16.10-alpine',
  redis: 'redis:7.4.6-alpine',
  zookeeper: 'confluentinc/cp-zookeeper:7.9.0',
  kafka: 'confluentinc/cp-kafka:7.9.0',
  opensearch: 'opensearchproject/opensearch:2.19.1',
};

async function exec(pod: RunningPod, command: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const envArgs = Object.entries(env).flatMap(([key, value]) => ['-e', `${key}=${value}`]);
  return docker(['exec', ...envArgs, pod.name, ...command], 120_000);
}

function only(image: string): ManifestContainer {
  const found = containersUsing(objects, image);
  assert.ok(found.length > 0, `k8s/infra-manifests.yaml runs ${image}`);
  return found[0]!;
}

async function start(item: ManifestContainer, what: string, options: Partial<Parameters<typeof startPod>[1]> = {}): Promise<RunningPod> {
  const pod = await startPod(item, { name: containerName(what), image: await mappedImage(item.container.image ?? ''), ...options });
  started.push(pod);
  return pod;
}

async function stop(pod: RunningPod): Promise<void> {
  await removePod(pod);
  started.splice(started.indexOf(pod), 1);
}

/** Every probe of the container, the start-up one first, each within the budget the manifest gives it. */
async function passesProbes(pod: RunningPod, container: V1Container): Promise<void> {
  const first = container.startupProbe ?? container.readinessProbe;
  assert.ok(first, `${container.name} has a startup or readiness probe`);
  const tookMs = await waitForProbe(pod, first!);
  console.log(`  ${pod.name}: ${container.startupProbe ? 'startup' : 'readiness'} probe passed after ${(tookMs / 1000).toFixed(1)} s (budget ${probeBudgetMs(first!) / 1000} s)`);
  for (const probe of [container.readinessProbe, container.livenessProbe]) {
    if (!probe) continue;
    // Once started, a probe must pass within its own failure budget.
    await waitForProbe(pod, probe, Math.min(probeBudgetMs(probe), 60_000));
  }
}

async function assertRunsAs(pod: RunningPod, spec: V1PodSpec, container: V1Container): Promise<void> {
  const ids = await mainProcessIds(pod);
  const uid = container.securityContext?.runAsUser ?? spec.securityContext?.runAsUser;
  const gid = container.securityContext?.runAsGroup ?? spec.securityContext?.runAsGroup;
  assert.is(ids.uid, uid, `${pod.name}: uid of the main process`);
  if (gid !== undefined) assert.is(ids.gid, gid, `${pod.name}: gid of the main process`);
  if (spec.securityContext?.fsGroup !== undefined) assert.ok(ids.groups.includes(spec.securityContext.fsGroup), `fsGroup among ${ids.groups}`);
}

test.before(async () => {
  if (!dockerHost) return;
  useDocker(dockerHost, server('DOCKER_CLI'));
  objects = await manifestObjects();
  // Builds what is missing (cached: seconds when nothing changed).
  await runFile(join(REPO_ROOT, 'testenv/images/build'), [], { timeout: 30 * 60_000, maxBuffer: 8 << 20 });
});

test.after(async () => {
  for (const pod of [...started]) await removePod(pod);
});

test('the image map names one stand-in per public image of the infrastructure manifests, and `build --list` agrees', async () => {
  if (!dockerHost) return;
  const map = await loadImageMap(IMAGE_MAP);
  const { stdout } = await runFile(join(REPO_ROOT, 'testenv/images/build'), ['--list']);
  const listed = stdout.trim().split('\n').map((line) => line.trim().split(/\s+/));
  assert.equal(
    map.entries.map((entry) => `${entry.from} ${entry.to}`).sort(),
    listed.map(([, from, to]) => `${from} ${to}`).sort(),
  );
  const used = new Set(
    objects
      .filter((object) => object.kind === 'Deployment')
      .flatMap((object) => (object as V1Deployment).spec?.template.spec?.containers.map((container) => normalizeImage(container.image ?? '')) ?? []),
  );
  const mapped = new Set(map.entries.map((entry) => normalizeImage(entry.from)));
  const missing = [...used].filter((image) => !mapped.has(image));
  assert.equal(missing, [], 'images of k8s/infra-manifests.yaml without a stand-in');
  for (const entry of map.entries) {
    const inspect = await docker(['image', 'inspect', '-f', '{{index .Config.Labels "org.shopmesh.standin-for"}}', entry.to]);
    assert.is(inspect.stdout.trim(), entry.from, `${entry.to} is built and labelled as the stand-in for ${entry.from}`);
  }
});

test('postgres stand-in with auth-db\'s manifest: uid/gid 70, pg_isready probes on 5432, POSTGRES_DB owned by POSTGRES_USER, PGDATA initialised', async () => {
  if (!dockerHost) return;
  const item = only(PUBLIC.postgres);
  const pod = await start(item, 'postgres');
  await passesProbes(pod, item.container);
  await assertRunsAs(pod, item.spec, item.container);
  const secret = item.secrets.get(item.container.envFrom?.[0]?.secretRef?.name ?? '')!;
  const query = await exec(pod, ['psql', '-h', '127.0.0.1', '-U', secret.POSTGRES_USER!, '-d', secret.POSTGRES_DB!, '-Atc',
    'SELECT current_database(), pg_get_userbyid(datdba), current_setting(\'data_directory\'), current_setting(\'port\') FROM pg_database WHERE datname = current_database()']);
  assert.is(query.code, 0, query.stderr);
  const pgdata = item.container.env?.find((variable) => variable.name === 'PGDATA')?.value;
  assert.is(query.stdout.trim(), `${secret.POSTGRES_DB}|${secret.POSTGRES_USER}|${pgdata}|5432`);
  await stop(pod);
});

test('postgres stand-in enforces POSTGRES_PASSWORD for connections from outside the pod (host network, PGPORT of this run)', async () => {
  if (!dockerHost) return;
  const item = only(PUBLIC.postgres);
  const port = 20000 + Math.floor(Math.random() * 20000);
  const pod = await start(item, 'postgres-host', { hostNetwork: true, env: { PGPORT: String(port) } });
  await waitForProbe(pod, item.container.startupProbe!);
  const secret = item.secrets.get(item.container.envFrom?.[0]?.secretRef?.name ?? '')!;
  // A non-loopback address of this machine: pg_hba's `host all all all scram-sha-256` applies
  // (loopback is trusted inside the pod, as in the public image).
  const { networkInterfaces } = await import('node:os');
  const address = Object.values(networkInterfaces()).flat().find((info) => info && info.family === 'IPv4' && !info.internal)?.address;
  assert.ok(address, 'this machine has a non-loopback IPv4 address');
  const pg = (await import('pg')).default;
  const connect = async (password: string): Promise<string> => {
    const client = new pg.Client({ host: address, port, user: secret.POSTGRES_USER, password, database: secret.POSTGRES_DB });
    try {
      await client.connect();
      return (await client.query('SELECT current_user AS user')).rows[0].user as string;
    } finally {
      await client.end().catch(() => undefined);
    }
  };
  assert.is(await connect(secret.POSTGRES_PASSWORD!), secret.POSTGRES_USER);
  await connect('not-the-password').then(
    () => assert.unreachable('a wrong password was accepted'),
    (error: Error) => assert.match(error.message, /password authentication failed/),
  );
  await stop(pod);
});

test('postgres stand-in without POSTGRES_PASSWORD exits 1 naming it (bad environment)', async () => {
  if (!dockerHost) return;
  const item = only(PUBLIC.postgres);
  const pod = await start(item, 'postgres-nopassword', { env: { POSTGRES_PASSWORD: undefined } });
  const { code, log } = await waitForExit(pod.name, 60_000);
  assert.is(code, 1, log);
  assert.match(log, /POSTGRES_PASSWORD/);
  await stop(pod);
});

test('redis stand-in with the manifest: uid 999 gid 1000, redis-cli probe, snapshots in /data survive a container restart', async () => {
  if (!dockerHost) return;
  const item = only(PUBLIC.redis);
  const pod = await start(item, 'redis');
  await passesProbes(pod, item.container);
  await assertRunsAs(pod, item.spec, item.container);
  const key = `standin-${RUN}`;
  assert.is((await exec(pod, ['redis-cli', '-h', '127.0.0.1', 'SET', key, 'kept'])).stdout.trim(), 'OK');
  assert.is((await exec(pod, ['redis-cli', '-h', '127.0.0.1', 'SAVE'])).stdout.trim(), 'OK');
  assert.is((await docker(['restart', '-t', '5', pod.name])).code, 0);
  await waitForProbe(pod, item.container.readinessProbe!);
  assert.is((await exec(pod, ['redis-cli', '-h', '127.0.0.1', 'GET', key])).stdout.trim(), 'kept');
  assert.is((await exec(pod, ['redis-cli', '-h', '127.0.0.1', 'CONFIG', 'GET', 'protected-mode'])).stdout.trim(), 'protected-mode\nno');
  await stop(pod);
});

test('cp-zookeeper and cp-kafka stand-ins with the manifests (one network, as through their Services; Kafka started 8 s before ZooKeeper): uid 1000, TCP probes, properties from the environment, produce and consume through kafka-svc:9092', async () => {
  if (!dockerHost) return;
  const zkItem = only(PUBLIC.zookeeper);
  const kafkaItem = only(PUBLIC.kafka);
  // Pods start in any order: the broker's image waits for ZooKeeper (cub zk-ready).
  const kafka = await start(kafkaItem, 'kafka', { hosts: ['zookeeper-svc', 'kafka-svc'] });
  await new Promise((resolve) => setTimeout(resolve, 8000));
  const zk = await start(zkItem, 'zookeeper', { joinNetworkOf: kafka.name });
  await passesProbes(zk, zkItem.container);
  await assertRunsAs(zk, zkItem.spec, zkItem.container);
  const zkProperties = (await exec(zk, ['cat', '/etc/kafka/zookeeper.properties'])).stdout;
  assert.match(zkProperties, /^clientPort=2181$/m);
  assert.match(zkProperties, /^tickTime=2000$/m);
  assert.match(zkProperties, /^admin\.enableServer=false$/m);
  assert.match((await exec(zk, ['cat', '/proc/1/cmdline'])).stdout, /-Xmx128m/);
  assert.is.not((await exec(zk, ['bash', '-c', 'exec 3<>/dev/tcp/127.0.0.1/8080'])).code, 0, 'no AdminServer on 8080 (ZOOKEEPER_ADMIN_ENABLE_SERVER=false)');

  await passesProbes(kafka, kafkaItem.container);
  await assertRunsAs(kafka, kafkaItem.spec, kafkaItem.container);
  const properties = (await exec(kafka, ['cat', '/etc/kafka/kafka.properties'])).stdout;
  // The variables of the image's own scripts are not broker properties.
  const scriptVariables = ['KAFKA_HEAP_OPTS', 'KAFKA_CUB_ZK_TIMEOUT', 'KAFKA_OPTS', 'KAFKA_LOG4J_ROOT_LOGLEVEL', 'KAFKA_LOG4J_LOGGERS'];
  for (const variable of kafkaItem.container.env ?? []) {
    if (scriptVariables.includes(variable.name)) continue;
    const property = variable.name.slice('KAFKA_'.length).toLowerCase().replaceAll('_', '.');
    assert.ok(properties.split('\n').includes(`${property}=${variable.value}`), `${variable.name} -> ${property} in\n${properties}`);
  }
  assert.not.match(properties, /heap|cub\./);
  assert.match(properties, /^log\.dirs=\/var\/lib\/kafka\/data$/m);
  assert.match((await exec(kafka, ['cat', '/proc/1/cmdline'])).stdout, /-Xmx256m/);

  const topic = `standin-${RUN}`;
  const tools = { KAFKA_HEAP_OPTS: '-Xmx64m' };
  const produced = await exec(kafka, ['bash', '-c', `printf 'first\\nsecond\\n' | kafka-console-producer --bootstrap-server kafka-svc:9092 --topic ${topic}`], tools);
  assert.is(produced.code, 0, produced.stderr);
  const consumed = await exec(kafka, ['kafka-console-consumer', '--bootstrap-server', 'kafka-svc:9092', '--topic', topic,
    '--group', `${topic}-group`, '--from-beginning', '--max-messages', '2', '--timeout-ms', '60000'], tools);
  assert.is(consumed.code, 0, consumed.stderr);
  assert.equal(consumed.stdout.trim().split('\n'), ['first', 'second']);
  const kafkaLog = await docker(['logs', kafka.name]);
  assert.match(`${kafkaLog.stdout}${kafkaLog.stderr}`, /cub zk-ready: ZooKeeper at zookeeper-svc:2181 answered after/);
  await stop(zk);
  await stop(kafka);
});

test('cp-kafka stand-in refuses bad environments with the message of the Confluent image', async () => {
  if (!dockerHost) return;
  const item = only(PUBLIC.kafka);
  // ZooKeeper unreachable: `cub zk-ready` gives up after KAFKA_CUB_ZK_TIMEOUT seconds.
  const startedAt = Date.now();
  const noZk = await start(item, 'kafka-nozk', { env: { KAFKA_CUB_ZK_TIMEOUT: '4', KAFKA_ZOOKEEPER_CONNECT: '127.0.0.1:2181' } });
  const waited = await waitForExit(noZk.name, 60_000);
  assert.is(waited.code, 1, waited.log);
  assert.match(waited.log, /ZooKeeper at 127\.0\.0\.1:2181 is not ready after 4 s/);
  assert.ok(Date.now() - startedAt < 40_000, 'the timeout is honoured, not the default 40 s');
  await stop(noZk);

  const cases: [Record<string, string | undefined>, RegExp][] = [
    [{ KAFKA_ZOOKEEPER_CONNECT: undefined }, /KAFKA_ZOOKEEPER_CONNECT is required/],
    [{ KAFKA_PORT: '9092' }, /port is deprecated\. Please use KAFKA_ADVERTISED_LISTENERS instead/],
    [{ KAFKA_CUB_ZK_TIMEOUT: 'soon' }, /timeout must be a whole number of seconds, not "soon"/],
  ];
  for (const [env, message] of cases) {
    const pod = await start(item, `kafka-bad-${Object.keys(env)[0]!.toLowerCase().replaceAll('_', '-')}`, { env });
    const { code, log } = await waitForExit(pod.name, 60_000);
    assert.is(code, 1, log);
    assert.match(log, message);
    await stop(pod);
  }
});

test('cp-zookeeper stand-in without ZOOKEEPER_CLIENT_PORT exits 1 naming the variables it needs', async () => {
  if (!dockerHost) return;
  const pod = await start(only(PUBLIC.zookeeper), 'zookeeper-noport', { env: { ZOOKEEPER_CLIENT_PORT: undefined } });
  const { code, log } = await waitForExit(pod.name, 60_000);
  assert.is(code, 1, log);
  assert.match(log, /one of ZOOKEEPER_CLIENT_PORT ZOOKEEPER_SECURE_CLIENT_PORT is required/);
  await stop(pod);
});

test('cp-kafka stand-in: KAFKA_* names become properties with Confluent\'s rules (_ -> ., __ -> _, ___ -> -)', async () => {
  if (!dockerHost) return;
  const result = await docker(['run', '--rm', '--network', 'none', '--name', containerName('dub'),
    '-e', 'KAFKA_LOG_RETENTION_HOURS=24', '-e', 'KAFKA_FOO__BAR=1', '-e', 'KAFKA_FOO___BAR=2', '-e', 'KAFKA_HEAP_OPTS=-Xmx1g',
    await mappedImage(PUBLIC.kafka), 'dub', 'env-to-props', 'KAFKA_', '', 'KAFKA_HEAP_OPTS']);
  assert.is(result.code, 0, result.stderr);
  const lines = result.stdout.trim().split('\n');
  for (const expected of ['log.retention.hours=24', 'foo_bar=1', 'foo-bar=2']) assert.ok(lines.includes(expected), `${expected} in ${lines}`);
  assert.not.ok(lines.some((line) => line.startsWith('heap')), 'excluded variables stay out');
});

/** The search engine's pod, as k8s/infra-manifests.yaml describes it. */
function opensearchItem(): ManifestContainer {
  const found = containersUsing(objects, PUBLIC.opensearch);
  if (!found[0]) throw new Error(`no container of k8s/infra-manifests.yaml runs ${PUBLIC.opensearch}`);
  return found[0];
}

test('opensearch stand-in (the search Deployment\'s pod): uid 1000, cluster health probe, settings from the environment, index and search, data under /usr/share/opensearch/data', async () => {
  if (!dockerHost) return;
  const item = opensearchItem();
  const pod = await start(item, 'opensearch');
  await passesProbes(pod, item.container);
  await assertRunsAs(pod, item.spec, item.container);
  const clusterName = item.container.env?.find((variable) => variable.name === 'cluster.name')?.value ?? 'docker-cluster';
  const root = await exec(pod, ['curl', '-fsS', 'http://127.0.0.1:9200/']);
  assert.is(JSON.parse(root.stdout).cluster_name, clusterName);
  assert.is(JSON.parse(root.stdout).version.number, '2.19.1');
  const heap = await exec(pod, ['curl', '-fsS', 'http://127.0.0.1:9200/_nodes/_local/jvm']);
  const jvm = Object.values(JSON.parse(heap.stdout).nodes as Record<string, { jvm: { mem: { heap_max_in_bytes: number } } }>)[0]!.jvm;
  assert.is(jvm.mem.heap_max_in_bytes, 384 * 1024 * 1024, 'OPENSEARCH_JAVA_OPTS sets the heap');
  const indexed = await exec(pod, ['curl', '-fsS', '-XPUT', '-H', 'content-type: application/json', '-d', '{"name":"blue mug"}',
    'http://127.0.0.1:9200/standin-products/_doc/1?refresh=true']);
  assert.is(indexed.code, 0, indexed.stderr);
  const found = await exec(pod, ['curl', '-fsS', 'http://127.0.0.1:9200/standin-products/_search?q=name:mug']);
  assert.is(JSON.parse(found.stdout).hits.total.value, 1);
  const listing = await exec(pod, ['ls', '/usr/share/opensearch/data/nodes/0/indices']);
  assert.is(listing.code, 0, 'the node keeps its data under /usr/share/opensearch/data');
  await stop(pod);
});

test('opensearch stand-in refuses to start without DISABLE_SECURITY_PLUGIN=true (it has no security plugin)', async () => {
  if (!dockerHost) return;
  const item = opensearchItem();
  const pod = await start(item, 'opensearch-security', { env: { DISABLE_SECURITY_PLUGIN: 'false' } });
  const { code, log } = await waitForExit(pod.name, 60_000);
  assert.is(code, 1, log);
  assert.match(log, /DISABLE_SECURITY_PLUGIN=false: this stand-in has no security plugin; set DISABLE_SECURITY_PLUGIN=true/);
  await stop(pod);
  const noDemo = await start(item, 'opensearch-demo', { env: { DISABLE_INSTALL_DEMO_CONFIG: undefined } });
  const demo = await waitForExit(noDemo.name, 60_000);
  assert.is(demo.code, 1, demo.log);
  assert.match(demo.log, /OPENSEARCH_INITIAL_ADMIN_PASSWORD/);
  await stop(noDemo);
});

test('a probe that cannot pass is reported as failing (the probe runner is not vacuous)', async () => {
  if (!dockerHost) return;
  const item = only(PUBLIC.redis);
  const pod = await start(item, 'redis-wrongport', { args: ['--port', '6380'] });
  const readiness = item.container.readinessProbe!;
  await new Promise((resolve) => setTimeout(resolve, 2000));
  assert.is.not((await runProbe(pod, readiness)).code, 0, 'redis-cli ping on 6379 fails while redis listens on 6380');
  await waitForProbe(pod, item.container.livenessProbe!, 3000).then(
    () => assert.unreachable('the TCP probe of 6379 passed'),
    (error: Error) => assert.match(error.message, /did not succeed within 3 s/),
  );
  await stop(pod);
});

test.run();
