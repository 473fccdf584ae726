// Services as their images run them: `src/main.ts` bundled by esbuild with the shared kit inlined
// and third-party packages left as imports (the same options as packages/service-kit/build.ts),
// written under e2e/dist/<service>/ so that those imports resolve from the root node_modules.
// The services' own dist/ folders are left alone.
import { join } from 'node:path';
import { build } from 'esbuild';
import { externalPackages } from '../../packages/service-kit/build.ts';
import { REPO_ROOT } from '../../dev/profile.ts';
import type { ServiceRunner } from './shop.ts';

const BUNDLE_ROOT = join(REPO_ROOT, 'e2e', 'dist');

/** Bundles the `main` of each service in `apps`; returns the runner that starts those bundles. */
export async function bundleServices(apps: Iterable<string>): Promise<ServiceRunner> {
  await Promise.all(
    [...new Set(apps)].map((app) => {
      const serviceDir = join(REPO_ROOT, 'services', app);
      return build({
        entryPoints: [join(serviceDir, 'src', 'main.ts')],
        outdir: join(BUNDLE_ROOT, app),
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        external: externalPackages(serviceDir, join(REPO_ROOT, 'packages', 'service-kit')),
        logLevel: 'warning',
      });
    }),
  );
  return (app) => ({ command: [process.execPath, join(BUNDLE_ROOT, app, 'main.js')], cwd: join(REPO_ROOT, 'services', app) });
}
