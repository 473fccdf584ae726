// The manifest validator: YAML and schema checks of every document, then cross-resource rules.
// Used by the pipeline's validate stage and by the CLI (cli.ts).
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { findManifestFiles } from '../lib/manifests.ts';
import { existsSync } from 'node:fs';
import { discoverServices, type ServiceFolder } from '../lib/services.ts';
import { checkFiles, mergeChecks, type FilesCheck } from './check-files.ts';
import { checkFilesInThreads } from './pool.ts';
import { VALIDATE_DIR } from './source-dir.ts';
import type { Finding, ValidateOptions, ValidationReport } from './types.ts';

export type { Finding, Severity, ValidateOptions, ValidationReport } from './types.ts';

export const REPO_ROOT = resolve(VALIDATE_DIR, '../..');

/** What `validate` checks when given no paths: the cluster manifests and the kind config. */
export const DEFAULT_PATHS: readonly string[] = ['k8s', 'kind-cluster-config.yaml'];

export const DEFAULT_NAMESPACE = 'default';

/** Below this many files per thread, starting a worker thread costs more than it saves. */
const FILES_PER_THREAD = 200;

function threadCountFor(fileCount: number, requested: number | undefined): number {
  if (requested !== undefined) return Math.max(1, Math.floor(requested));
  return Math.max(1, Math.min(availableParallelism(), Math.floor(fileCount / FILES_PER_THREAD)));
}

export function compareFindings(a: Finding, b: Finding): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  return a.line - b.line || a.column - b.column || (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0);
}

/** What the pipeline builds (ci/lib/image-sources.ts): the services, and the lab controller when lab/ has a Dockerfile. */
async function buildableImages(root: string, serviceFolders: ServiceFolder[]): Promise<string[]> {
  try {
    // Imported here: its module graph loads the Kubernetes client, which schema-only runs never need.
    const { imageSources, LAB_FOLDER } = await import('../lib/image-sources.ts');
    const withLab = existsSync(resolve(root, LAB_FOLDER, 'Dockerfile'));
    return (await imageSources(root, { withLab })).map((source) => source.name);
  } catch {
    return serviceFolders.map((folder) => folder.name); // e.g. an unreadable lab manifest: services only
  }
}

export async function validate(paths: readonly string[], options: ValidateOptions = {}): Promise<ValidationReport> {
  const root = options.root ?? REPO_ROOT;
  const targets = paths.length > 0 ? paths : DEFAULT_PATHS.map((path) => resolve(root, path));
  const found = await findManifestFiles(targets);
  const keepResources = options.schemaOnly !== true;
  const threads = threadCountFor(found.files.length, options.workers);
  const checked: FilesCheck = threads > 1
    ? await checkFilesInThreads(found.files, threads, keepResources)
    : checkFiles(found.files, keepResources);
  mergeChecks(checked, { findings: [], resources: [], resourceCount: 0, unreadable: found.unreadable });

  const findings = checked.findings;
  if (keepResources) {
    const serviceFolders = await discoverServices(root);
    const { runRules } = await import('./run-rules.ts'); // the rules' modules: only when they run
    findings.push(...runRules(checked.resources, {
      root,
      serviceFolders,
      buildableImages: await buildableImages(root, serviceFolders),
      defaultNamespace: options.defaultNamespace ?? DEFAULT_NAMESPACE,
    }));
  }
  findings.sort(compareFindings);
  const errors = findings.filter((finding) => finding.severity === 'error').length;
  return {
    files: found.files.length - checked.unreadable.filter((u) => found.files.includes(u.path)).length,
    resources: checked.resourceCount,
    findings,
    errors,
    warnings: findings.length - errors,
    unreadable: checked.unreadable,
  };
}
