// The kind cluster configuration (kind.x-k8s.io/v1alpha4 Cluster), written from the fields that
// kind's config types accept (sigs.k8s.io/kind pkg/apis/config/v1alpha4); kind itself decodes
// strictly, so unknown fields are errors here too.
import type { JsonSchema, SchemaBundle } from './types.ts';

const strings: JsonSchema = { type: 'array', items: { type: 'string' } };
const stringMap: JsonSchema = { type: 'object', additionalProperties: { type: 'string' } };
const port: JsonSchema = { type: 'integer', minimum: 0, maximum: 65535 };

const object = (properties: Record<string, JsonSchema>, required: string[] = []): JsonSchema => ({
  type: 'object',
  properties,
  additionalProperties: false,
  ...(required.length > 0 ? { required } : {}),
});

const patchJson6902 = object(
  { group: { type: 'string' }, version: { type: 'string' }, kind: { type: 'string' }, patch: { type: 'string' } },
  ['version', 'kind', 'patch'],
);

const definitions: Record<string, JsonSchema> = {
  'kind.v1alpha4.Cluster': object({
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    name: { type: 'string' },
    featureGates: { type: 'object', additionalProperties: { type: 'boolean' } },
    runtimeConfig: stringMap,
    nodes: { type: 'array', items: { $ref: '#/definitions/kind.v1alpha4.Node' } },
    networking: { $ref: '#/definitions/kind.v1alpha4.Networking' },
    kubeadmConfigPatches: strings,
    kubeadmConfigPatchesJSON6902: { type: 'array', items: patchJson6902 },
    containerdConfigPatches: strings,
    containerdConfigPatchesJSON6902: strings,
  }),
  'kind.v1alpha4.Node': object({
    role: { enum: ['control-plane', 'worker'] },
    image: { type: 'string' },
    labels: stringMap,
    extraMounts: {
      type: 'array',
      items: object({
        containerPath: { type: 'string' },
        hostPath: { type: 'string' },
        readOnly: { type: 'boolean' },
        selinuxRelabel: { type: 'boolean' },
        propagation: { enum: ['None', 'HostToContainer', 'Bidirectional'] },
      }),
    },
    extraPortMappings: {
      type: 'array',
      items: object({
        containerPort: port,
        hostPort: port,
        listenAddress: { type: 'string' },
        protocol: { enum: ['TCP', 'UDP', 'SCTP'] },
      }),
    },
    kubeadmConfigPatches: strings,
    kubeadmConfigPatchesJSON6902: { type: 'array', items: patchJson6902 },
  }),
  'kind.v1alpha4.Networking': object({
    ipFamily: { enum: ['ipv4', 'ipv6', 'dual'] },
    apiServerPort: port,
    apiServerAddress: { type: 'string' },
    podSubnet: { type: 'string' },
    serviceSubnet: { type: 'string' },
    disableDefaultCNI: { type: 'boolean' },
    kubeProxyMode: { enum: ['iptables', 'ipvs', 'nftables', 'none'] },
    dnsSearch: strings,
  }),
};

export const kindClusterBundle: SchemaBundle = {
  source: 'kind.x-k8s.io/v1alpha4 (written for this project from kind\'s config types)',
  kinds: { 'kind.x-k8s.io/v1alpha4/Cluster': 'kind.v1alpha4.Cluster' },
  definitions,
};
