// The bootstrap every service uses: configuration, logs, metrics, health, validation, errors,
// and graceful shutdown around the routes the service registers in `setup`.
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type, type Static, type TObject } from '@sinclair/typebox';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import type { Registry } from 'prom-client';
import { ConfigError, baseConfigSchema, loadConfig, type BaseConfig } from './config.ts';
import { installErrorHandling, replyWithError } from './errors.ts';
import { installHealth, type ReadinessCheck } from './health.ts';
import { installBodyLimitDrain } from './body-limit.ts';
import { REQUEST_ID_HEADER, installAccessLog, installRequestIdEcho, installRequestTrace, loggingOptions } from './logging.ts';
import type { DestinationStream } from 'pino';
import { installMetrics } from './metrics.ts';
import { installFault } from './fault.ts';
import { installValidation } from './validation.ts';

/** A Fastify instance whose route schemas (TypeBox) type `request.body`, `request.query`... */
export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export interface ServiceContext<Config> {
  app: App;
  /** The validated configuration: the kit's PORT, HOST, LOG_LEVEL, SERVICE_VERSION plus the service's own. */
  config: Config;
  log: FastifyBaseLogger;
  /** Adds a dependency to `/readyz` (it is down when the function throws or takes over 2 s). */
  addReadinessCheck(name: string, check: ReadinessCheck): void;
  /**
   * Runs `close` at shutdown, after the server stopped accepting and in-flight requests finished.
   * Hooks run one at a time in reverse order of registration: register a resource's close right
   * after creating it, and whatever is built on it later (a relay on a pool) is closed before it.
   */
  onClose(close: () => Promise<unknown>): void;
  /** The registry `/metrics` serves, for the service's own metrics. */
  metrics: Registry;
}

/** What the kit's helpers that wire a store or broker into a service take (`connectPostgres(service, ...)`). */
export type ServiceHooks = Pick<ServiceContext<unknown>, 'log' | 'addReadinessCheck' | 'onClose'>;

export interface ServiceDefinition<S extends TObject> {
  name: string;
  /** The service's port (ARCHITECTURE.md); PORT overrides it. */
  port: number;
  /** TypeBox object of the service's own environment variables. */
  config: S;
  /** Largest accepted request body in bytes (default 64 KiB); larger ones get a 413. */
  bodyLimit?: number;
  /** Connects stores, adds readiness checks and close hooks, registers routes. */
  setup(context: ServiceContext<BaseConfig & Static<S>>): Promise<void> | void;
}

export function defineService<S extends TObject>(definition: ServiceDefinition<S>): ServiceDefinition<S> {
  return definition;
}

export interface BuildOptions {
  /** Defaults to process.env. Tests pass their own. */
  env?: NodeJS.ProcessEnv;
  /** Where the JSON log lines go (default stdout); tests read them. */
  logStream?: DestinationStream;
}

export interface BuiltService<Config> {
  app: App;
  config: Config;
  /** Marks /readyz as draining (503); runService calls it on SIGTERM before closing. */
  drain(): void;
}

/** Builds the app without listening (tests use `app.inject` or `app.listen({ port: 0 })`). */
export async function buildService<S extends TObject>(
  definition: ServiceDefinition<S>,
  options: BuildOptions = {},
): Promise<BuiltService<BaseConfig & Static<S>>> {
  const schema = Type.Object({ ...baseConfigSchema(definition.port).properties, ...definition.config.properties });
  const config = loadConfig(schema, options.env ?? process.env) as BaseConfig & Static<S>;

  const bodyLimit = definition.bodyLimit ?? 64 * 1024;
  const app = Fastify({
    ...loggingOptions({ name: definition.name, version: config.SERVICE_VERSION, level: config.LOG_LEVEL, stream: options.logStream }),
    bodyLimit,
    // Never `true`: that takes the left-most X-Forwarded-For entry, which the client writes itself.
    // A function, because Fastify ignores a bare hop count. `hop` 0 is the socket's peer.
    trustProxy: config.TRUSTED_PROXY_HOPS === 0 ? false : (_address: string, hop: number) => hop < config.TRUSTED_PROXY_HOPS,
    // The router's refusals (bad URL, over-long parameter) skip the hooks: echo the request id here.
    frameworkErrors: (error, request, reply) => replyWithError(error, request, reply.header(REQUEST_ID_HEADER, request.id)),
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.decorateRequest('user', null);
  // The OpenAPI document is built from the route schemas registered from here on (`app.swagger()`);
  // `npm run openapi` writes each service's into services/<name>/openapi.json.
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: definition.name, version: config.SERVICE_VERSION, description: `${definition.name}; errors are {"error": {"code", "message", "field"?}}` },
    },
  });
  installRequestTrace(app);
  installValidation(app);
  installErrorHandling(app);
  installRequestIdEcho(app);
  installBodyLimitDrain(app, bodyLimit);
  installAccessLog(app);
  const metrics = installMetrics(app, { service: definition.name, version: config.SERVICE_VERSION });
  if (config.FAULT_FILE) installFault(app, config.FAULT_FILE, app.log);
  const readiness = installHealth(app);
  // While draining, answers close their connection: a kept-alive idle socket would otherwise
  // hold the server open until its keep-alive timeout.
  let draining = false;
  app.addHook('onSend', async (_request, reply) => {
    if (draining) reply.header('connection', 'close');
  });
  const drain = (): void => {
    draining = true;
    readiness.drain();
  };

  const closeHooks: (() => Promise<unknown>)[] = [];
  app.addHook('onClose', () => closeInReverse(closeHooks));

  await definition.setup({
    app,
    config,
    log: app.log,
    addReadinessCheck: readiness.add,
    onClose: (close) => void closeHooks.push(close),
    metrics,
  });
  await app.ready();
  return { app, config, drain };
}

/** Runs every hook, last registered first; a failing one does not stop the others. */
async function closeInReverse(hooks: (() => Promise<unknown>)[]): Promise<void> {
  const failures: unknown[] = [];
  for (const close of [...hooks].reverse()) {
    await close().catch((error: unknown) => failures.push(error));
  }
  if (failures.length > 0) throw failures[0];
}

/**
 * In-flight requests get this long to finish after SIGTERM: longer than the longest request (an
 * order waits up to 10 s for payment-service), shorter than the pods' termination grace period.
 */
export const SHUTDOWN_TIMEOUT_MS = 20_000;

/**
 * The `main.ts` of a service: builds, listens on HOST:PORT, and on SIGTERM/SIGINT stops
 * accepting, finishes in-flight requests, closes pools and exits. A configuration problem
 * stops the process with status 1 and a message naming the variables.
 */
export async function runService<S extends TObject>(definition: ServiceDefinition<S>): Promise<void> {
  let service: BuiltService<BaseConfig & Static<S>>;
  try {
    service = await buildService(definition);
  } catch (error) {
    const message = error instanceof ConfigError ? error.message : `start-up failed: ${String(error)}`;
    const problems = error instanceof ConfigError ? error.problems : undefined;
    // The logger may not exist yet: write one pino-shaped JSON line by hand.
    process.stderr.write(
      `${JSON.stringify({ level: 60, time: Date.now(), service: definition.name, msg: message, problems })}\n`,
    );
    process.exit(1);
  }
  const { app, config } = service;

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down');
    service.drain();
    const force = setTimeout(() => {
      app.log.error('shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS);
    force.unref();
    try {
      await app.close();
      process.exit(0);
    } catch (error) {
      app.log.error({ err: error }, 'error during shutdown');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));

  await app.listen({ port: config.PORT, host: config.HOST });
}
