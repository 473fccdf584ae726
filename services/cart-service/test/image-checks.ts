// The container checks every service image must pass, as uvu tests: it builds with the test
// environment's Docker engine on the base image, runs as uid 1000 without build tools, exits 1
// naming its missing variables, applies its schema (services with a database), answers /healthz,
// and /readyz with every dependency ok once pointed at real servers, and stops cleanly on SIGTERM.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { server } from '@shopmesh/testkit';
import { createTestDatabase, freeTcpPort, uniqueSuffix } from '@shopmesh/service-kit/testing';
import {
  buildServiceImage,
  docker,
  inspectServiceImage,
  runContainer,
  waitForStatus,
  type DockerEngine,
} from '@shopmesh/service-kit/testing-docker';

export interface ImageSpec {
  service: string;
  /** Variables the service cannot start without; each must be named when missing. */
  requiredVars: string[];
  /** Readiness checks /readyz must report as ok. */
  readinessChecks: string[];
  /** Real servers and peers for the container; `databaseUrl` is set for services with a database. */
  dependencies(databaseUrl: string | undefined): Promise<{ env: Record<string, string>; close(): Promise<void> }>;
  /** The service has a PostgreSQL database (and so a dist/migrate.js). */
  hasDatabase: boolean;
}

export function imageSuite(spec: ImageSpec): void {
  const dockerHost = server('DOCKER_HOST');
  const baseImage = server('BASE_IMAGE');
  const postgresUrl = server('POSTGRES_URL');
  const ready = Boolean(dockerHost && baseImage && postgresUrl);
  const images = suite(`${spec.service} image`);
  const it = ready ? images : images.skip;
  const repoRoot = new URL('../../..', import.meta.url).pathname;
  const tag = `shopmesh/${spec.service}:test`;
  const engine = (): DockerEngine => ({ host: dockerHost!, cli: server('DOCKER_CLI') ?? 'docker' });

  it('builds: uid 1000, WORKDIR /app, node dist/main.js, no HEALTHCHECK, no build tools', async () => {
    const built = await buildServiceImage({ engine: engine(), repoRoot, service: spec.service, baseImage: baseImage!, tag });
    assert.is(built.code, 0, built.stderr.slice(-3000));
    assert.equal(await inspectServiceImage(engine(), tag), {
      uid: '1000',
      cmd: '["node","dist/main.js"]',
      workingDir: '/app',
      hasHealthcheck: false,
      devTools: [],
    });
  });

  it('without configuration: exits 1 naming every missing variable', async () => {
    const result = await docker(engine(), ['run', '--rm', '--network', 'host', tag]);
    assert.is(result.code, 1);
    for (const name of spec.requiredVars) assert.ok(result.stderr.includes(name), `${name} named in: ${result.stderr}`);
  });

  it(`${spec.hasDatabase ? 'applies its schema, then ' : ''}answers /healthz and /readyz (all ok) and stops on SIGTERM`, async () => {
    const database = spec.hasDatabase ? await createTestDatabase(postgresUrl!, `${spec.service.split('-')[0]}_image`) : undefined;
    const dependencies = await spec.dependencies(database?.url);
    try {
      if (database) {
        const migrate = await docker(engine(), ['run', '--rm', '--network', 'host', '-e', `DATABASE_URL=${database.url}`, tag, 'node', 'dist/migrate.js']);
        assert.is(migrate.code, 0, migrate.stderr + migrate.stdout);
      }
      const port = await freeTcpPort();
      const container = await runContainer(engine(), {
        tag,
        name: `${spec.service}-image-${uniqueSuffix()}`,
        env: { PORT: String(port), HOST: '127.0.0.1', ...dependencies.env },
      });
      try {
        const url = `http://127.0.0.1:${port}`;
        assert.is(await waitForStatus(`${url}/healthz`), 200, await container.logs());
        assert.is(await waitForStatus(`${url}/readyz`), 200, await container.logs());
        const readiness = (await (await fetch(`${url}/readyz`)).json()) as { checks: Record<string, string> };
        assert.equal(readiness.checks, Object.fromEntries(spec.readinessChecks.map((name) => [name, 'ok'])));
        assert.is(await container.stop(), 0, 'SIGTERM ends the process cleanly');
      } finally {
        await container.remove();
      }
    } finally {
      await dependencies.close();
      await database?.drop();
    }
  });

  images.run();
}
