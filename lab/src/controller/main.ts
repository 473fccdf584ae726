// Entry point of the lab controller: configuration from the environment (checked first), then
// the loop and the /metrics and /healthz server; SIGTERM stops both cleanly.
import { KubeConfig } from '@kubernetes/client-node';
import { VirtualServiceActuator } from '../actuator/virtual-service.ts';
import { findPolicy } from '../policies/index.ts';
import { IstioPrometheusTelemetry } from '../telemetry/prometheus.ts';
import { ConfigError, loadConfig, type ControllerConfig } from './config.ts';
import { createControllerServer } from './http.ts';
import { jsonLogger, type LogLevel } from './log.ts';
import { Controller } from './loop.ts';
import { ControllerMetrics } from './metrics.ts';

export function buildController(config: ControllerConfig, kubeConfig: KubeConfig, metrics: ControllerMetrics, log = jsonLogger()): Controller {
  const { guardrails } = config;
  return new Controller({
    observer: new IstioPrometheusTelemetry({
      prometheusUrl: config.prometheusUrl,
      selector: { namespace: config.namespace, workloadRegex: config.workloadRegex },
      subsets: guardrails.subsets,
      windowSeconds: config.windowSeconds,
      staleAfterSeconds: guardrails.staleAfterSeconds,
      timeoutMs: config.prometheusTimeoutMs,
    }),
    actuator: new VirtualServiceActuator(kubeConfig, {
      namespace: config.namespace,
      virtualService: config.virtualService,
      route: config.route,
      host: config.destinationHost,
      subsets: guardrails.subsets,
    }),
    policy: findPolicy(config.policy).create({ subsets: guardrails.subsets, seed: config.seed }),
    guardrails,
    metrics,
    log,
    route: config.route,
  });
}

async function main(): Promise<void> {
  let config: ControllerConfig;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  const log = jsonLogger((process.env.LOG_LEVEL as LogLevel | undefined) ?? 'info');
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromDefault();
  const metrics = new ControllerMetrics();
  const controller = buildController(config, kubeConfig, metrics, log);
  const server = createControllerServer(metrics.registry, controller, 3 * config.intervalSeconds * 1000 + 30_000);
  server.listen(config.port, () => {
    log('info', 'lab controller started', {
      port: config.port,
      policy: config.policy,
      virtualService: `${config.namespace}/${config.virtualService}`,
      route: config.route,
      intervalSeconds: config.intervalSeconds,
      windowSeconds: config.windowSeconds,
    });
  });
  controller.start(config.intervalSeconds * 1000);
  const shutdown = (signal: string): void => {
    log('info', `received ${signal}, stopping`);
    void controller.stop().then(() => server.close(() => process.exit(0)));
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
