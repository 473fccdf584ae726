#!/usr/bin/env node
// The validator's command line, fast: `node ci/validate/validate.mjs [options] [FILE|DIR ...]`
// runs the prebuilt bundle of cli.ts (built here first when missing or stale, see prebuilt.mjs),
// so a run costs Node's start-up and the work, not a TypeScript loader. Same options and exit
// codes as cli.ts.
import { pathToFileURL } from 'node:url';
import { prebuilt } from './prebuilt.mjs';

let bundle;
try {
  bundle = prebuilt('cli.ts', 'cli');
} catch (error) {
  process.stderr.write(`validate: cannot build the command line bundle (${error instanceof Error ? error.message : String(error)}); `
    + 'install the dev dependencies (npm ci), or run node --import tsx ci/validate/cli.ts\n');
  process.exit(2);
}
const { runValidateCli } = await import(pathToFileURL(bundle).href);
process.exitCode = await runValidateCli(process.argv.slice(2));
