// Reads and checks manifest files (parse + schema), in this thread or in worker threads.
import { readFileSync } from 'node:fs';
import { errorReason } from '../lib/manifests.ts';
import { checkManifestText } from './check-documents.ts';
import type { Resource } from './resource.ts';
import { SchemaValidator } from './schema-validator.ts';
import type { Finding } from './types.ts';

export interface FilesCheck {
  findings: Finding[];
  resources: Resource[];
  resourceCount: number;
  unreadable: { path: string; reason: string }[];
}

export const emptyCheck = (): FilesCheck => ({ findings: [], resources: [], resourceCount: 0, unreadable: [] });

export function mergeChecks(into: FilesCheck, from: FilesCheck): FilesCheck {
  into.findings.push(...from.findings);
  into.resources.push(...from.resources);
  into.resourceCount += from.resourceCount;
  into.unreadable.push(...from.unreadable);
  return into;
}

let sharedValidator: SchemaValidator | undefined;

/** One schema validator per thread: compiled schemas are reused across calls. */
export const threadValidator = (): SchemaValidator => (sharedValidator ??= new SchemaValidator());

/** Synchronous reads on purpose: this stage is CPU-bound, and a thread-pool round trip per small file costs more than the read. */
export function checkFiles(files: readonly string[], keepResources: boolean, validator: SchemaValidator = threadValidator()): FilesCheck {
  const result = emptyCheck();
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      result.unreadable.push({ path: file, reason: errorReason(error) });
      continue;
    }
    const checked = checkManifestText(file, text, validator, keepResources);
    result.findings.push(...checked.findings);
    result.resources.push(...checked.resources);
    result.resourceCount += checked.resourceCount;
  }
  return result;
}
