// Builds the service in the current directory: bundles src/main.ts (and src/migrate.ts when it
// exists) into dist/ with the workspace code (this kit) inlined and third-party packages left
// as imports, installed in the image by `npm ci --omit=dev`. Every service's `build` script runs this.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

interface PackageJson {
  name: string;
  dependencies?: Record<string, string>;
}

const readPackage = (dir: string): PackageJson => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));

/** Third-party runtime dependencies of the service and of the workspace packages it uses. */
export function externalPackages(serviceDir: string, kitDir: string): string[] {
  const names = new Set<string>();
  for (const pkg of [readPackage(serviceDir), readPackage(kitDir)]) {
    for (const name of Object.keys(pkg.dependencies ?? {})) {
      if (!name.startsWith('@shopmesh/')) names.add(name);
    }
  }
  return [...names].flatMap((name) => [name, `${name}/*`]).sort();
}

export async function buildService(serviceDir: string): Promise<string[]> {
  const entryPoints = ['src/main.ts', 'src/migrate.ts'].map((file) => join(serviceDir, file)).filter(existsSync);
  if (entryPoints.length === 0) throw new Error(`${serviceDir}: no src/main.ts to build`);
  rmSync(join(serviceDir, 'dist'), { recursive: true, force: true });
  await build({
    entryPoints,
    outdir: join(serviceDir, 'dist'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: true,
    external: externalPackages(serviceDir, import.meta.dirname),
    logLevel: 'warning',
  });
  return entryPoints;
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('service-kit/build.ts')) {
  const dir = process.cwd();
  const built = await buildService(dir);
  console.log(`${readPackage(dir).name}: built ${built.map((entry) => entry.slice(dir.length + 1)).join(', ')} into dist/`);
}
