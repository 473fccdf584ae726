// `GET /healthz` (the process answers) and `GET /readyz` (every dependency answers).
import type { FastifyInstance } from 'fastify';

export type ReadinessCheck = () => Promise<unknown>;

export interface Readiness {
  add(name: string, check: ReadinessCheck): void;
  /** Marks the service as draining: /readyz answers 503 from now on (set on SIGTERM). */
  drain(): void;
}

const CHECK_TIMEOUT_MS = 2_000;

async function runCheck(check: ReadinessCheck): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([check(), timeout]);
    return 'ok';
  } catch (error) {
    return `down: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    clearTimeout(timer);
  }
}

export function installHealth(app: FastifyInstance): Readiness {
  const checks = new Map<string, ReadinessCheck>();
  let draining = false;

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    if (draining) {
      return reply.status(503).send({ error: { code: 'shutting_down', message: 'the service is shutting down' } });
    }
    const names = [...checks.keys()];
    const results = await Promise.all([...checks.values()].map(runCheck));
    const report = Object.fromEntries(names.map((name, i) => [name, results[i]]));
    const down = names.filter((_, i) => results[i] !== 'ok');
    if (down.length === 0) return { status: 'ready', checks: report };
    return reply.status(503).send({
      error: { code: 'not_ready', message: `dependencies unavailable: ${down.join(', ')}` },
      checks: report,
    });
  });

  return {
    add(name, check) {
      checks.set(name, check);
    },
    drain() {
      draining = true;
    },
  };
}
