// `GET /healthz` (the process answers) and `GET /readyz` (the service's own store answers).
//
// Readiness is for the service's own store only (its database, its Redis, its search index): not
// Kafka (the outbox keeps writes going without it, and consumers catch up), not the services it
// calls (their failures are answered 503 per request; a peer's outage must not take this service
// out of every Service's endpoints in a cascade), not an optional cache. The answer says only up or
// down, per check and overall; why a check failed goes to the log, never to the caller.
import type { FastifyInstance } from 'fastify';

export type ReadinessCheck = () => Promise<unknown>;

export interface Readiness {
  add(name: string, check: ReadinessCheck): void;
  /** Marks the service as draining: /readyz answers 503 from now on (set on SIGTERM). */
  drain(): void;
}

/** A check that has not answered by then is down. Probes must wait longer than this. */
export const READINESS_CHECK_TIMEOUT_MS = 2_000;

export type CheckState = 'up' | 'down';

export interface ReadinessAnswer {
  status: CheckState;
  checks: Record<string, CheckState>;
}

async function runCheck(check: ReadinessCheck): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${READINESS_CHECK_TIMEOUT_MS} ms`)), READINESS_CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([check(), timeout]);
    return undefined;
  } catch (error) {
    return error ?? new Error('failed');
  } finally {
    clearTimeout(timer);
  }
}

export function installHealth(app: FastifyInstance): Readiness {
  const checks = new Map<string, ReadinessCheck>();
  let draining = false;

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (request, reply) => {
    if (draining) return reply.status(503).send({ status: 'down', checks: {} } satisfies ReadinessAnswer);
    const names = [...checks.keys()];
    const failures = await Promise.all([...checks.values()].map(runCheck));
    const answer: ReadinessAnswer = { status: 'up', checks: {} };
    names.forEach((name, i) => {
      const failure = failures[i];
      answer.checks[name] = failure === undefined ? 'up' : 'down';
      if (failure !== undefined) {
        answer.status = 'down';
        request.log.warn({ check: name, err: failure }, `readiness check ${name} failed`);
      }
    });
    return reply.status(answer.status === 'up' ? 200 : 503).send(answer);
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
