// validate: every manifest the run would apply (and the kind config) through the project's
// validator, before anything touches a cluster. Errors stop the run; warnings are printed.
import { join } from 'node:path';
import { DEFAULT_PATHS, validate } from '../validate/index.ts';
import { formatText } from '../validate/output/text.ts';
import { LAB_MANIFEST } from '../lib/image-sources.ts';
import type { Log } from '../lib/log.ts';

export class ManifestErrors extends Error {}

export function manifestPaths(root: string, withLab: boolean): string[] {
  return [...DEFAULT_PATHS, ...(withLab ? [LAB_MANIFEST] : [])].map((path) => join(root, path));
}

export async function runValidateStage(input: { root: string; withLab: boolean; namespace: string; log: Log }): Promise<string> {
  const report = await validate(manifestPaths(input.root, input.withLab), {
    root: input.root,
    defaultNamespace: input.namespace,
  });
  for (const line of formatText(report, input.root).trimEnd().split('\n')) input.log.line(line);
  if (report.unreadable.length > 0 || report.errors > 0) {
    throw new ManifestErrors(
      `${report.errors} manifest error(s)${report.unreadable.length > 0 ? `, ${report.unreadable.length} unreadable path(s)` : ''}: fix them before anything is deployed`,
    );
  }
  return `${report.resources} resources, ${report.warnings} warnings`;
}
