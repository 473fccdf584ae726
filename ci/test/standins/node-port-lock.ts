// The ingress gateway's NodePort 30000 and the Service istio-system/istio-ingressgateway are
// cluster-wide: tests that create, patch or delete them, or send traffic through them, hold this
// lock (flock on a file of the test environment) so that concurrent runs take turns.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { loadTestEnv } from '../../../packages/testkit/src/index.ts';

export const GATEWAY_NODE_PORT = 30000;

/** Waits for the lock; kill() on the returned process (or this process ending) releases it. */
export async function lockNodePort(): Promise<ChildProcess> {
  const home = loadTestEnv().SHOPMESH_TESTENV_HOME ?? '/tmp';
  const holder = spawn('flock', ['-x', '-o', join(home, 'run', `nodeport-${GATEWAY_NODE_PORT}.lock`), '-c', 'echo locked; exec cat'], {
    // The lock lasts as long as this process keeps the pipe open (it ends with the process, too).
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    holder.stdout?.once('data', () => resolve());
    holder.once('exit', (code) => reject(new Error(`flock exited ${code}`)));
  });
  return holder;
}
