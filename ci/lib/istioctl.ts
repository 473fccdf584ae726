// Every call to the `istioctl` CLI, in one place.
import type { Log } from './log.ts';
import { quietShell, run, shellFor } from './shell.ts';

export async function istioInstallDemo(log: Log, context: string, kubeconfig?: string): Promise<void> {
  const $ = shellFor(log, { stream: true });
  const kubeconfigFlag = kubeconfig ? ['--kubeconfig', kubeconfig] : [];
  await run('istioctl install', () => $`istioctl install --set profile=demo -y --context ${context} ${kubeconfigFlag}`);
}

/** The client's version (`1.28.0`). */
export async function istioctlVersion(): Promise<string> {
  const output = await run('istioctl version', () => quietShell()`istioctl version --remote=false --short`);
  return output.stdout.trim().split('\n')[0]?.trim() ?? '';
}
