// Every name and pinned version the pipeline relies on, in one place.

/** The Istio release installed by `istioctl install` and whose samples/addons are applied. */
export const ISTIO_VERSION = '1.28.0';
/** Addons of the pinned release (samples/addons/<name>.yaml), applied after Istio itself. */
export const ISTIO_ADDONS = ['prometheus', 'grafana', 'kiali'] as const;
/** Where the addons come from when no local Istio directory (`--istio-dir`) is given. */
export const istioAddonUrl = (addon: string, version = ISTIO_VERSION): string =>
  `https://raw.githubusercontent.com/istio/istio/${version}/samples/addons/${addon}.yaml`;

/** Versions the pipeline is known to work with; preflight prints what it finds beside them. */
export const TESTED_TOOL_VERSIONS = {
  docker: '20.10',
  kind: '0.30.0',
  kubectl: '1.34',
  istioctl: ISTIO_VERSION,
  dagger: '0.21.9',
} as const;

export const CLUSTER_NAME = 'lirmm';
export const APP_NAMESPACE = 'lirmm-services';
export const ISTIO_NAMESPACE = 'istio-system';
export const INGRESS_SERVICE = 'istio-ingressgateway';
/** kind-cluster-config.yaml maps this node port to localhost:13000. */
export const INGRESS_NODE_PORT = 30000;
export const GATEWAY_URL = 'http://localhost:13000';
/** The one field manager of every server-side apply the pipeline makes. */
export const FIELD_MANAGER = 'shopmesh-pipeline';
export const AUTH_SECRET_NAME = 'auth-service-secrets';
/** Images are written `shopmesh/<name>:dev` in the manifests; the pipeline swaps the tag. */
export const IMAGE_REPOSITORY_PREFIX = 'shopmesh';
export const MANIFEST_IMAGE_TAG = 'dev';
/** Build secret id carrying extra CA certificates (Dockerfiles mount it with this id). */
export const CA_BUILD_SECRET_ID = 'extra_ca';
