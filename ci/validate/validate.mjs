#!/usr/bin/env node
// The validator's command line, fast: `node ci/validate/validate.mjs [options] [FILE|DIR ...]`
// runs the prebuilt bundle of cli.ts (built here first when missing or stale, see prebuilt.mjs),
// so a run costs Node's start-up and the work, not a TypeScript loader. Same options and exit
// codes as cli.ts.
import { pathToFileURL } from 'node:url';
import { prebuilt } from './prebuilt.mjs';

const { runValidateCli } = await import(pathToFileURL(prebuilt('cli.ts', 'cli')).href);
process.exitCode = await runValidateCli(process.argv.slice(2));
