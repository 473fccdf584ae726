// The test environment's real node (kubelet, containerd + runc, bridge CNI, kube-proxy, CoreDNS and
// a NetworkPolicy enforcer): each test one real operation through @kubernetes/client-node, with
// pods pinned to that node that run the services' base image. Nothing here is played by kwok.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AppsV1Api, CoreV1Api, KubeConfig, NetworkingV1Api } from '@kubernetes/client-node';
import type { V1Container, V1Pod, V1PodSpec } from '@kubernetes/client-node';
import { server } from '../../packages/testkit/src/index.ts';
import { realNode } from '../../packages/testkit/src/real-node.ts';

const kubeconfigPath = server('SHOPMESH_KUBECONFIG');
const node = realNode();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Retries probe until it returns a value, or fails naming what was awaited and the last state seen. */
async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, seen?: () => Promise<string>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.unreachable(`${what}: not within ${timeoutMs / 1000} s${seen ? `; last seen: ${await seen()}` : ''}`);
    await sleep(500);
  }
}

// Programs the pods run (node -e): a server whose readiness waits 6 s, and a prober that fetches a
// URL every second and prints one line per attempt.
const SERVER = `
const http = require('node:http'), os = require('node:os'); const started = Date.now();
console.log('listening on 8080 as ' + os.hostname());
http.createServer((req, res) => {
  if (req.url === '/ready') { res.statusCode = Date.now() - started > 6000 ? 200 : 503; return res.end(); }
  res.end(os.hostname());
}).listen(8080);`;
// A new connection per attempt (agent: false): policies, like conntrack, judge new connections
// only, and a kept-alive one would outlive the policy under test.
const PROBER = `
const http = require('node:http');
setInterval(() => {
  const req = http.get(process.env.URL, { agent: false, timeout: 3000 }, (res) => {
    let body = ''; res.on('data', (chunk) => (body += chunk)); res.on('end', () => console.log(Date.now() + ' ok ' + body));
  });
  req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
  req.on('error', (error) => console.log(Date.now() + ' fail ' + (error.code ?? error.name)));
}, 1000);`;

if (kubeconfigPath && node) {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const networking = kc.makeApiClient(NetworkingV1Api);
  const namespaces: string[] = [];

  async function freshNamespace(purpose: string): Promise<string> {
    const name = `node-${purpose}-${process.pid}-${Date.now().toString(36)}`;
    await core.createNamespace({ body: { metadata: { name, labels: { 'shopmesh.dev/test': 'testenv-node' } } } });
    namespaces.push(name);
    // Pods are admitted only once the namespace's default ServiceAccount exists.
    await waitFor(`ServiceAccount default in ${name}`, 30_000, () =>
      core.readNamespacedServiceAccount({ namespace: name, name: 'default' }).then(
        () => true,
        () => undefined,
      ),
    );
    return name;
  }

  const nodeContainer = (name: string, program: string, extra: Partial<V1Container> = {}): V1Container => ({
    name,
    image: node.baseImage,
    imagePullPolicy: 'Never',
    command: ['node', '-e', program],
    ...extra,
  });

  /** A pod spec on the real node; node -e ignores SIGTERM as PID 1, so deletion must not wait 30 s. */
  const onNode = (spec: V1PodSpec): V1PodSpec => node.pin({ terminationGracePeriodSeconds: 1, ...spec });

  async function createPod(namespace: string, name: string, labels: Record<string, string>, spec: V1PodSpec): Promise<void> {
    await core.createNamespacedPod({ namespace, body: { metadata: { name, labels }, spec: onNode(spec) } });
  }

  const readPod = (namespace: string, name: string): Promise<V1Pod> => core.readNamespacedPod({ namespace, name });
  const podLog = async (namespace: string, name: string, container?: string): Promise<string> =>
    String(await core.readNamespacedPodLog({ namespace, name, ...(container ? { container } : {}) }));

  async function serverDeployment(namespace: string, name: string, labels: Record<string, string>, extraContainers: V1Container[] = []) {
    await apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name },
        spec: {
          replicas: 1,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: onNode({
              containers: [
                nodeContainer('server', SERVER, {
                  ports: [{ name: 'http', containerPort: 8080 }],
                  readinessProbe: { httpGet: { path: '/ready', port: 8080 }, periodSeconds: 1, failureThreshold: 1 },
                }),
                ...extraContainers,
              ],
            }),
          },
        },
      },
    });
    await core.createNamespacedService({
      namespace,
      body: { metadata: { name }, spec: { selector: labels, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } },
    });
  }

  async function availablePod(namespace: string, deployment: string, app: string): Promise<V1Pod> {
    await waitFor(
      `Deployment ${deployment} Available`,
      120_000,
      async () => {
        const current = await apps.readNamespacedDeployment({ namespace, name: deployment });
        const available = current.status?.conditions?.find((condition) => condition.type === 'Available');
        return available?.status === 'True' && current.status?.availableReplicas === 1 ? true : undefined;
      },
      async () => JSON.stringify((await core.listNamespacedPod({ namespace, labelSelector: `app=${app}` })).items.map((pod) => pod.status)),
    );
    const pods = await core.listNamespacedPod({ namespace, labelSelector: `app=${app}` });
    const pod = pods.items.find((item) => !item.metadata?.deletionTimestamp);
    assert.ok(pod, `a pod of ${deployment}`);
    return pod;
  }

  /** The prober's lines printed after `since` (ms epoch), as [ok|fail, detail]. */
  async function probeResults(namespace: string, pod: string, container: string | undefined, since: number): Promise<[string, string][]> {
    const text = await podLog(namespace, pod, container).catch(() => '');
    return text
      .split('\n')
      .map((line) => line.split(' '))
      .filter(([time, result]) => Number(time) > since && (result === 'ok' || result === 'fail'))
      .map(([, result, ...detail]) => [result ?? '', detail.join(' ')]);
  }

  /** Waits until the last `count` attempts of a prober (after `since`) all have the expected result. */
  async function probesSettle(namespace: string, pod: string, container: string | undefined, since: number, expected: 'ok' | 'fail', count = 3) {
    return waitFor(
      `${pod}${container ? `/${container}` : ''}: ${count} attempts in a row ${expected}`,
      60_000,
      async () => {
        const results = await probeResults(namespace, pod, container, since);
        const last = results.slice(-count);
        return last.length === count && last.every(([result]) => result === expected) ? last : undefined;
      },
      async () => JSON.stringify((await probeResults(namespace, pod, container, since)).slice(-5)),
    );
  }

  test.before(async () => {
    await node.loadImages(node.baseImage);
    const current = await core.readNode({ name: node.name });
    const ready = current.status?.conditions?.find((condition) => condition.type === 'Ready');
    assert.is(ready?.status, 'True', `node ${node.name} is Ready (testenv/status node)`);
  });

  test.after(async () => {
    await Promise.allSettled(namespaces.map((name) => core.deleteNamespace({ name })));
  });

  test('a Deployment of the base image becomes Available on the real node through a real readiness probe', async () => {
    const namespace = await freshNamespace('ready');
    await serverDeployment(namespace, 'web', { app: 'web' });
    const pod = await availablePod(namespace, 'web', 'web');
    assert.is(pod.spec?.nodeName, node.name);
    assert.match(pod.status?.podIP ?? '', /^10\.245\.0\.\d+$/, 'an address from the node bridge’s range');
    const started = pod.status?.containerStatuses?.[0]?.state?.running?.startedAt;
    const ready = pod.status?.conditions?.find((condition) => condition.type === 'Ready');
    assert.ok(started && ready?.lastTransitionTime, JSON.stringify(pod.status));
    // The server answers 503 for its first 6 s: a probe that really runs makes the pod Ready only after.
    const delay = new Date(ready.lastTransitionTime).getTime() - new Date(started).getTime();
    assert.ok(delay >= 5000, `Ready ${delay} ms after the container started; the server is not ready before 6 s`);
    const events = await core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${pod.metadata?.name}` });
    assert.ok(
      events.items.some((event) => event.reason === 'Unhealthy' && /Readiness probe failed: HTTP probe failed with statuscode: 503/.test(event.message ?? '')),
      `the kubelet reported the failing probe: ${events.items.map((event) => `${event.reason}: ${event.message}`).join(' | ')}`,
    );
  });

  test('the pod log read through the API server is what the container printed', async () => {
    const namespace = await freshNamespace('log');
    const program = "console.log('first line'); console.log('computed in the container: ' + 6 * 7); console.error('to stderr');";
    await createPod(namespace, 'printer', { app: 'printer' }, { restartPolicy: 'Never', containers: [nodeContainer('printer', program)] });
    const pod = await waitFor('pod printer Succeeded', 90_000, async () => {
      const current = await readPod(namespace, 'printer');
      if (current.status?.phase === 'Failed') assert.unreachable(`printer failed: ${JSON.stringify(current.status)}`);
      return current.status?.phase === 'Succeeded' ? current : undefined;
    });
    assert.is(pod.spec?.nodeName, node.name);
    assert.is(await podLog(namespace, 'printer'), 'first line\ncomputed in the container: 42\nto stderr\n');
  });

  test('one pod reaches another through a Service name (CoreDNS resolves it, kube-proxy forwards it)', async () => {
    const namespace = await freshNamespace('svc');
    await serverDeployment(namespace, 'echo', { app: 'echo' });
    const serverPod = await availablePod(namespace, 'echo', 'echo');
    const service = await core.readNamespacedService({ namespace, name: 'echo' });
    const program = `(async () => {
      const { address } = await require('node:dns').promises.lookup('echo');
      const res = await fetch('http://echo/');
      console.log(JSON.stringify({ address, status: res.status, body: await res.text() }));
    })().catch((error) => { console.log(JSON.stringify({ error: String(error), cause: String(error.cause) })); process.exit(1); });`;
    await createPod(namespace, 'client', { app: 'client' }, { restartPolicy: 'Never', containers: [nodeContainer('client', program)] });
    await waitFor('pod client finished', 90_000, async () => {
      const phase = (await readPod(namespace, 'client')).status?.phase;
      return phase === 'Succeeded' || phase === 'Failed' ? phase : undefined;
    });
    const output = JSON.parse((await podLog(namespace, 'client')).trim()) as Record<string, unknown>;
    assert.equal(output, { address: service.spec?.clusterIP, status: 200, body: serverPod.metadata?.name });
    assert.match(String(service.spec?.clusterIP), /^10\.96\./);
  });

  test('NetworkPolicy: a deny is enforced, an allow lets through, and a pod reaching itself through its own Service is subject to policy', async () => {
    const namespace = await freshNamespace('netpol');
    // The server pod also probes its own Service from a second container (same pod, same address).
    await serverDeployment(namespace, 'guarded', { app: 'guarded' }, [nodeContainer('self', PROBER, { env: [{ name: 'URL', value: 'http://guarded/' }] })]);
    const serverPod = await availablePod(namespace, 'guarded', 'guarded');
    const serverName = serverPod.metadata?.name ?? '';
    const prober = (name: string, labels: Record<string, string>) =>
      createPod(namespace, name, { app: name, ...labels }, { containers: [nodeContainer('probe', PROBER, { env: [{ name: 'URL', value: 'http://guarded/' }] })] });
    await prober('friend', { role: 'friend' });
    await prober('stranger', {});

    // Without a policy every pod, the server itself too, gets through.
    const start = Date.now();
    for (const [pod, container] of [['friend', undefined], ['stranger', undefined], [serverName, 'self']] as const) {
      const [[, body] = ['', '']] = await probesSettle(namespace, pod, container, start, 'ok');
      assert.is(body, serverName);
    }

    // Only role=friend may connect to app=guarded.
    await networking.createNamespacedNetworkPolicy({
      namespace,
      body: {
        metadata: { name: 'guarded-from-friends' },
        spec: {
          podSelector: { matchLabels: { app: 'guarded' } },
          policyTypes: ['Ingress'],
          ingress: [{ _from: [{ podSelector: { matchLabels: { role: 'friend' } } }], ports: [{ port: 8080 }] }],
        },
      },
    });
    const denied = Date.now();
    await probesSettle(namespace, 'stranger', undefined, denied, 'fail');
    await probesSettle(namespace, serverName, 'self', denied, 'fail');
    // The friend keeps getting through (a slow attempt on a busy machine is no refusal).
    await probesSettle(namespace, 'friend', undefined, denied, 'ok');
    const friend = await probeResults(namespace, 'friend', undefined, denied);
    assert.not.ok(friend.some(([, detail]) => detail === 'ECONNREFUSED'), `friend never refused: ${JSON.stringify(friend)}`);

    // Allowing the server's own pods lets it reach itself again; the stranger stays out.
    await networking.createNamespacedNetworkPolicy({
      namespace,
      body: {
        metadata: { name: 'guarded-from-itself' },
        spec: {
          podSelector: { matchLabels: { app: 'guarded' } },
          policyTypes: ['Ingress'],
          ingress: [{ _from: [{ podSelector: { matchLabels: { app: 'guarded' } } }] }],
        },
      },
    });
    const allowed = Date.now();
    await probesSettle(namespace, serverName, 'self', allowed, 'ok');
    // At least three of the stranger's probes since the allow (it probes on its own clock).
    let stranger = await probeResults(namespace, 'stranger', undefined, allowed);
    for (let waited = 0; stranger.length < 3 && waited < 60_000; waited += 2_000) {
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      stranger = await probeResults(namespace, 'stranger', undefined, allowed);
    }
    assert.ok(stranger.length >= 3 && stranger.every(([result]) => result === 'fail'), `stranger stayed out: ${JSON.stringify(stranger)}`);
  });

  test('an init container that exits 1 keeps the main container from ever starting', async () => {
    const namespace = await freshNamespace('init');
    await createPod(namespace, 'guarded-start', { app: 'guarded-start' }, {
      restartPolicy: 'Never',
      initContainers: [nodeContainer('migrate', "console.log('migration failed'); process.exit(1);")],
      containers: [nodeContainer('main', "console.log('main started'); setInterval(() => {}, 1000);")],
    });
    const pod = await waitFor('pod guarded-start Failed', 90_000, async () => {
      const current = await readPod(namespace, 'guarded-start');
      return current.status?.phase === 'Failed' ? current : undefined;
    });
    const init = pod.status?.initContainerStatuses?.[0];
    assert.is(init?.state?.terminated?.exitCode, 1);
    assert.is(await podLog(namespace, 'guarded-start', 'migrate'), 'migration failed\n');
    const main = pod.status?.containerStatuses?.[0];
    assert.not.ok(main?.state?.running, 'main never ran');
    assert.not.ok(main?.state?.terminated?.startedAt, 'main never started');
    assert.is(main?.restartCount ?? 0, 0);
    const mainLog = await podLog(namespace, 'guarded-start', 'main').catch((error: unknown) => `unavailable: ${String(error)}`);
    assert.not.match(mainLog, 'main started');
  });
}

test.run();
