// Where the validator's sources are: this folder, or, in a prebuilt bundle (which runs from
// node_modules/.cache, see prebuilt.mjs), the folder it was built from, written in by esbuild.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

declare const SHOPMESH_VALIDATE_SOURCE_DIR: string | undefined;

export const VALIDATE_DIR: string = typeof SHOPMESH_VALIDATE_SOURCE_DIR === 'string'
  ? SHOPMESH_VALIDATE_SOURCE_DIR
  : dirname(fileURLToPath(import.meta.url));
