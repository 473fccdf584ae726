// The loop's builder: bundles each service the way its image is built (packages/service-kit/
// build.ts: workspace code inlined, third-party packages left as imports) and rebuilds a service
// the moment one of its own source files is saved. `node --watch` runs each bundle, so a save
// restarts exactly the services whose bundle changed, and a plain node process starts about three
// times faster than one compiling TypeScript on the fly.
import { appendFileSync, mkdirSync, readFileSync, watch, writeFileSync, type FSWatcher } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { context, type BuildContext, type Metafile, type OutputFile } from 'esbuild';
import { externalPackages } from '../packages/service-kit/build.ts';

export interface BundleTarget {
  /** The service (its folder under services/). */
  app: string;
  /** Absolute path of the entry, e.g. services/review-service/src/main.ts. */
  entry: string;
  /** Absolute path of the bundle to write (`.mjs`). */
  outfile: string;
  /** Logs of the processes that run this bundle: build errors are written there too. */
  logFiles: string[];
}

export interface BundlerConfig {
  root: string;
  kitDir: string;
  targets: BundleTarget[];
}

interface Bundle {
  target: BundleTarget;
  context: BuildContext<{ write: false; metafile: true }>;
  inputs: Set<string>;
}

const REBUILD_DEBOUNCE_MS = 25;
const stamp = (): string => new Date().toISOString();

function writeIfChanged(file: OutputFile): boolean {
  let current: Buffer | undefined;
  try {
    current = readFileSync(file.path);
  } catch {
    current = undefined;
  }
  if (current && Buffer.compare(current, Buffer.from(file.contents)) === 0) return false;
  mkdirSync(dirname(file.path), { recursive: true });
  writeFileSync(file.path, file.contents);
  return true;
}

/** Own-code inputs of a build (absolute paths), from esbuild's metafile. */
function sourceInputs(root: string, metafile: Metafile): Set<string> {
  return new Set(Object.keys(metafile.inputs).filter((input) => !input.includes('node_modules')).map((input) => join(root, input)));
}

async function rebuild(bundle: Bundle, root: string, say: (line: string) => void): Promise<void> {
  const { target } = bundle;
  try {
    const result = await bundle.context.rebuild();
    bundle.inputs = sourceInputs(root, result.metafile);
    // The map first: by the time node --watch sees the new bundle, its map is there.
    const maps = result.outputFiles.filter((f) => f.path.endsWith('.map'));
    const code = result.outputFiles.filter((f) => !f.path.endsWith('.map'));
    maps.forEach(writeIfChanged);
    const changed = code.map(writeIfChanged).some(Boolean);
    say(`${target.app}: ${changed ? 'built' : 'unchanged'} (${target.outfile})`);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    say(`${target.app}: build failed, still running the previous build:\n${message}`);
    for (const log of target.logFiles) appendFileSync(log, `=== ${stamp()} dev bundler: build failed, still running the previous build\n${message}\n`);
  }
}

/** Builds every target once, then rebuilds a target whenever one of its source files changes. */
export async function startBundler(config: BundlerConfig, say: (line: string) => void): Promise<{ close(): Promise<void> }> {
  const bundles: Bundle[] = await Promise.all(
    config.targets.map(async (target): Promise<Bundle> => ({
      target,
      inputs: new Set(),
      context: await context({
        entryPoints: [target.entry],
        outfile: target.outfile,
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        sourcemap: true,
        external: externalPackages(join(config.root, 'services', target.app), config.kitDir),
        write: false,
        metafile: true,
        logLevel: 'silent',
        absWorkingDir: config.root,
      }),
    })),
  );
  await Promise.all(bundles.map((bundle) => rebuild(bundle, config.root, say)));

  // One recursive watch per source folder the builds read; a change rebuilds the services that read the file.
  const pending = new Map<Bundle, NodeJS.Timeout>();
  const watchers = new Map<string, FSWatcher>();
  const schedule = (file: string): void => {
    for (const bundle of bundles.filter((b) => b.inputs.has(file))) {
      clearTimeout(pending.get(bundle));
      pending.set(bundle, setTimeout(() => {
        pending.delete(bundle);
        void rebuild(bundle, config.root, say).then(watchInputs);
      }, REBUILD_DEBOUNCE_MS));
    }
  };
  const watchInputs = (): void => {
    const folders = new Set(bundles.flatMap((b) => [...b.inputs].map((input) => dirname(input))));
    for (const folder of folders) {
      if (watchers.has(folder) || [...watchers.keys()].some((w) => folder.startsWith(`${w}/`))) continue;
      watchers.set(folder, watch(folder, { recursive: true }, (_event, name) => name && schedule(join(folder, name.toString()))));
    }
  };
  watchInputs();
  say(`watching ${watchers.size} source folders for ${bundles.length} services`);
  return {
    async close() {
      for (const watcher of watchers.values()) watcher.close();
      for (const timer of pending.values()) clearTimeout(timer);
      await Promise.all(bundles.map((b) => b.context.dispose()));
    },
  };
}

/** `node --import tsx dev/bundler.ts` with DEV_BUNDLER_CONFIG (a BundlerConfig as JSON). */
async function main(): Promise<void> {
  const config = JSON.parse(process.env.DEV_BUNDLER_CONFIG ?? '') as BundlerConfig;
  const bundler = await startBundler(config, (line) => console.log(`${stamp()} ${line}`));
  const stop = (): void => void bundler.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
