// Memory of a namespace's pods on the real node, from the kubelet's summary API (through the API
// server's node proxy): the working set of every container, as `kubectl top` reports it.
import type { Kube } from '../../lib/kube.ts';

interface Summary {
  pods?: { podRef: { name: string; namespace: string }; containers?: { memory?: { workingSetBytes?: number } }[] }[];
}

export async function shopMemory(kube: Kube, namespace: string, node = 'shopmesh-node'): Promise<string> {
  const answer: unknown = await kube.core.connectGetNodeProxyWithPath({ name: node, path: 'stats/summary' });
  const summary = (typeof answer === 'string' ? JSON.parse(answer) : answer) as Summary;
  const pods = (summary.pods ?? []).filter((pod) => pod.podRef.namespace === namespace);
  const bytes = (pod: (typeof pods)[number]): number => (pod.containers ?? []).reduce((sum, c) => sum + (c.memory?.workingSetBytes ?? 0), 0);
  const mib = (value: number): string => `${(value / 1024 / 1024).toFixed(0)} MiB`;
  const total = pods.reduce((sum, pod) => sum + bytes(pod), 0);
  const largest = [...pods].sort((a, b) => bytes(b) - bytes(a)).slice(0, 4).map((pod) => `${pod.podRef.name.replace(/-[a-z0-9]+-[a-z0-9]+$/, '')} ${mib(bytes(pod))}`);
  return `${mib(total)} in ${pods.length} pods (largest: ${largest.join(', ')})`;
}
