// A real image registry on loopback for the build tests: Debian's docker-registry (the CNCF
// distribution registry), started on a free port with its storage in a temporary folder.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isCI } from '../../packages/testkit/src/index.ts';

export const REGISTRY_BINARY = '/usr/bin/docker-registry';

export interface RegistryServer {
  address: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/**
 * Whether the registry package is installed, for a suite to decide when its file loads whether it
 * skips: false with a SKIP line outside CI; under CI a missing package is an error.
 */
export function registryInstalled(): boolean {
  if (existsSync(REGISTRY_BINARY)) return true;
  const message = `${REGISTRY_BINARY} is missing: apt-get install docker-registry`;
  if (isCI()) throw new Error(message);
  console.warn(`SKIP: ${message}`);
  return false;
}

/** Starts a registry (check registryInstalled() first: without the package this throws). */
export async function startRegistry(): Promise<RegistryServer> {
  if (!existsSync(REGISTRY_BINARY)) throw new Error(`${REGISTRY_BINARY} is missing: apt-get install docker-registry`);
  const dir = mkdtempSync(join(tmpdir(), 'shopmesh-registry-'));
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const config = join(dir, 'config.yml');
  writeFileSync(
    config,
    `version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, 'data')}\n  delete:\n    enabled: true\nhttp:\n  addr: ${address}\n`,
  );
  const child: ChildProcess = spawn(REGISTRY_BINARY, ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      const response = await fetch(`http://${address}/v2/`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill();
      throw new Error(`docker-registry did not start: ${stderr.slice(-500)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    address,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
