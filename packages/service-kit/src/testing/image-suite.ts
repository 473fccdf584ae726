// The container checks every service image must pass, as one uvu suite a service's
// test/image.test.ts configures: the image builds on the test environment's base image and runs
// as uid 1000 without build tools; a bad configuration exits 1 naming the variables; a service
// with PostgreSQL applies its schema with dist/migrate.js; the container answers /healthz and
// /readyz (every dependency ok) against real servers, and stops cleanly on SIGTERM.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { server } from '@shopmesh/testkit';
import { createTestDatabase } from './database.ts';
import { buildServiceImage, docker, inspectServiceImage, runContainer, waitForStatus, type DockerEngine } from './docker.ts';
import { uniqueSuffix } from './names.ts';
import { freeTcpPort } from './network.ts';

export interface ImageDependencies {
  /** Variables pointing the container at them. */
  env: Record<string, string>;
  close?(): Promise<void>;
}

export interface ImageContainer {
  /** Variables of this container on top of the dependencies' (SERVICE_VERSION, for instance). */
  env?: Record<string, string>;
  /** The checks /readyz must report, all ok. */
  readinessChecks: string[];
}

export interface ImageSuiteSpec<Need extends string> {
  service: string;
  /** Test servers (test environment keys) the containers need; without them or Docker the suite is skipped. */
  needs: Need[];
  /** The service has PostgreSQL: dist/migrate.js applies its schema to a fresh database first. */
  hasDatabase: boolean;
  /** `node dist/main.js` with `env` (none by default) exits 1 with each of `mentions` in its error output. */
  misconfigured: { env?: Record<string, string>; mentions: string[] };
  /** Real servers and peers the containers use; `databaseUrl` is the migrated database, when there is one. */
  dependencies?(context: { servers: Record<Need, string>; databaseUrl: string | undefined }): Promise<ImageDependencies>;
  /** The containers to run, one after the other. */
  containers: ImageContainer[];
  /** More checks against a running, ready container (its base URL). */
  probe?(url: string): Promise<void>;
}

const REPO_ROOT = new URL('../../../../', import.meta.url).pathname;

/** Registers and runs the suite `<service> image`. */
export function imageSuite<Need extends string>(spec: ImageSuiteSpec<Need>): void {
  const dockerHost = server('DOCKER_HOST');
  const baseImage = server('BASE_IMAGE');
  const needs: string[] = spec.hasDatabase ? [...new Set([...spec.needs, 'POSTGRES_URL'])] : spec.needs;
  const servers = Object.fromEntries(needs.map((key) => [key, server(key)]));
  const ready = Boolean(dockerHost && baseImage && Object.values(servers).every(Boolean));
  const images = suite(`${spec.service} image`);
  const it = ready ? images : images.skip;
  // A tag of this run's own: another checkout's run of the same suite builds other sources.
  const tag = `shopmesh/${spec.service}:test-${uniqueSuffix()}`;
  const engine = (): DockerEngine => ({ host: dockerHost!, cli: server('DOCKER_CLI') ?? 'docker' });
  images.after(async () => {
    if (ready) await docker(engine(), ['rmi', tag]);
  });

  it('builds: uid 1000, WORKDIR /app, node dist/main.js, no HEALTHCHECK, no build tools', async () => {
    const built = await buildServiceImage({ engine: engine(), repoRoot: REPO_ROOT, service: spec.service, baseImage: baseImage!, tag });
    assert.is(built.code, 0, built.stderr.slice(-3000));
    assert.equal(await inspectServiceImage(engine(), tag), {
      uid: '1000',
      cmd: '["node","dist/main.js"]',
      workingDir: '/app',
      hasHealthcheck: false,
      devTools: [],
    });
  });

  it(`misconfigured: exits 1 naming ${spec.misconfigured.mentions.join(', ')}`, async () => {
    const envArgs = Object.entries(spec.misconfigured.env ?? {}).flatMap(([key, value]) => ['-e', `${key}=${value}`]);
    const result = await docker(engine(), ['run', '--rm', '--network', 'host', ...envArgs, tag]);
    assert.is(result.code, 1, result.stderr);
    for (const mention of spec.misconfigured.mentions) {
      assert.ok(result.stderr.includes(mention), `"${mention}" in: ${result.stderr}`);
    }
  });

  const steps = spec.hasDatabase ? 'applies its schema with dist/migrate.js, then answers' : 'answers';
  it(`${steps} /healthz and /readyz (all ok) against real servers, and stops cleanly on SIGTERM`, async () => {
    const database = spec.hasDatabase ? await createTestDatabase(servers.POSTGRES_URL!, `${spec.service}_image`) : undefined;
    try {
      if (database) {
        const migrate = await docker(engine(), ['run', '--rm', '--network', 'host', '-e', `DATABASE_URL=${database.url}`, tag, 'node', 'dist/migrate.js']);
        assert.is(migrate.code, 0, migrate.stderr + migrate.stdout);
      }
      const dependencies = (await spec.dependencies?.({ servers: servers as Record<Need, string>, databaseUrl: database?.url })) ?? { env: {} };
      try {
        for (const container of spec.containers) await checkContainer(container, dependencies.env);
      } finally {
        await dependencies.close?.();
      }
    } finally {
      await database?.drop();
    }
  });

  async function checkContainer(container: ImageContainer, dependencyEnv: Record<string, string>): Promise<void> {
    const port = await freeTcpPort();
    const running = await runContainer(engine(), {
      tag,
      name: `${spec.service}-image-${uniqueSuffix()}`,
      env: { PORT: String(port), HOST: '127.0.0.1', ...dependencyEnv, ...container.env },
    });
    try {
      const url = `http://127.0.0.1:${port}`;
      assert.is(await waitForStatus(`${url}/healthz`), 200, await running.logs());
      assert.is(await waitForStatus(`${url}/readyz`, 200, 60_000), 200, await running.logs());
      const readiness = (await (await fetch(`${url}/readyz`)).json()) as { checks: Record<string, string> };
      assert.equal(readiness.checks, Object.fromEntries(container.readinessChecks.map((name) => [name, 'up'])));
      await spec.probe?.(url);
      assert.is(await running.stop(), 0, 'SIGTERM ends the process cleanly');
    } finally {
      await running.remove();
    }
  }

  images.run();
}
