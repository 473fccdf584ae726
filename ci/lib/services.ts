// The project's services: every folder of services/ that has a Dockerfile (no second list anywhere).
import { readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface ServiceFolder {
  /** The folder's name, which is also the image name (`shopmesh/<name>`) and the Kubernetes app label. */
  name: string;
  /** Absolute path of the folder. */
  dir: string;
  /** Absolute path of its Dockerfile. */
  dockerfile: string;
}

/** Services under `<root>/services/`, sorted by name; none when the folder does not exist. */
export async function discoverServices(root: string): Promise<ServiceFolder[]> {
  const servicesDir = resolve(root, 'services');
  let entries;
  try {
    entries = await readdir(servicesDir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return entries
    .filter((entry) => entry.isDirectory() && existsSync(join(servicesDir, entry.name, 'Dockerfile')))
    .map((entry) => {
      const dir = join(servicesDir, entry.name);
      return { name: entry.name, dir, dockerfile: join(dir, 'Dockerfile') };
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
