// The test environment's real Kubernetes node (kubelet + containerd, `testenv/components/node.sh`):
// where it is, how tests pin pods to it, and how images of the environment's Docker engine reach it.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { V1PodSpec } from '@kubernetes/client-node';
import { loadTestEnv, server } from './index.ts';

const run = promisify(execFile);
/** This checkout's loader (the same script `testenv/node-load-image` a developer runs). */
const LOADER = join(import.meta.dirname, '..', '..', '..', 'testenv', 'node-load-image');

export interface RealNode {
  name: string;
  ip: string;
  /** Label key and value the node carries (kwok nodes do not); its NoExecute taint has the same key and value. */
  label: [string, string];
  /** The base image every test pod on the node runs (the services' Node 22 image). */
  baseImage: string;
  /** Pod spec fields that put a pod on the real node: its label as nodeSelector, a toleration of its taint. */
  pin(spec: V1PodSpec): V1PodSpec;
  /** Hands images of the environment's Docker engine to the node's containerd (skips ones already there). */
  loadImages(...images: string[]): Promise<void>;
}

/** The real node, or undefined outside CI when the environment has none (the suite is skipped). */
export function realNode(): RealNode | undefined {
  const name = server('SHOPMESH_NODE_NAME');
  if (!name) return undefined;
  const env = loadTestEnv();
  const [key = 'shopmesh.dev/real-node', value = 'true'] = (env.SHOPMESH_NODE_LABEL ?? 'shopmesh.dev/real-node=true').split('=');
  return {
    name,
    ip: env.SHOPMESH_NODE_IP ?? '',
    label: [key, value],
    baseImage: env.BASE_IMAGE ?? 'shopmesh/node:22',
    pin: (spec) => ({
      ...spec,
      nodeSelector: { ...spec.nodeSelector, [key]: value },
      tolerations: [...(spec.tolerations ?? []), { key, operator: 'Equal', value, effect: 'NoExecute' }],
    }),
    loadImages: async (...images) => {
      await run(LOADER, images, { timeout: 300_000 });
    },
  };
}
