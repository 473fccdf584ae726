// Asks an image registry (Docker Registry HTTP API v2) whether it already has a tag.
const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

/** Loopback registries speak plain HTTP (as Docker allows them to); others HTTPS. */
export function registryBaseUrl(registry: string): string {
  const host = registry.split('/')[0] ?? registry;
  const loopback = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/.test(host);
  return `${loopback ? 'http' : 'https'}://${host}`;
}

/** `127.0.0.1:5000/shopmesh/x:tag` → does the registry have that manifest? */
export async function registryHasImage(ref: string, timeoutMs = 5000): Promise<boolean> {
  const colon = ref.lastIndexOf(':');
  const slash = ref.indexOf('/');
  const host = ref.slice(0, slash);
  const repository = ref.slice(slash + 1, colon);
  const tag = ref.slice(colon + 1);
  try {
    const response = await fetch(`${registryBaseUrl(host)}/v2/${repository}/manifests/${tag}`, {
      method: 'HEAD',
      headers: { Accept: MANIFEST_TYPES },
      signal: AbortSignal.timeout(timeoutMs),
    });
    return response.ok;
  } catch {
    return false;
  }
}
