// The program of the ingress-gateway stand-in pod (bundled into one file by istio-install.ts, run
// by Node in the base image): the routes of k8s/istio/virtual-service.yaml, read by the inner loop's
// reader (dev/routes.ts) when "istioctl install" ran, served by the inner loop's gateway
// (dev/proxy.ts) on port 8080, each destination reached through its Service's cluster DNS name.
import { readFileSync } from 'node:fs';
import { createGatewayProxy } from '../../../dev/proxy.ts';
import type { Route } from '../../../dev/routes.ts';

interface GatewayConfig {
  namespace: string;
  routes: Route[];
}

const config = JSON.parse(readFileSync(process.env.GATEWAY_CONFIG ?? '/etc/gateway/routes.json', 'utf8')) as GatewayConfig;
const server = createGatewayProxy({
  routes: config.routes,
  upstream: (_workload, destination) => `http://${destination.host}.${config.namespace}.svc.cluster.local:${destination.port}`,
  log: (line) => console.log(line),
});
server.listen(8080, '0.0.0.0', () => console.log(`ingress-gateway stand-in: ${config.routes.length} routes to namespace ${config.namespace} on :8080`));
