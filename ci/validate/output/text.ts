// `FILE:LINE:COL  error|warning  RULE-ID [(istioctl CODE)]  Kind/name  message`, the fix on the next line, a summary.
import { isAbsolute, relative } from 'node:path';
import type { ValidationReport } from '../types.ts';

/** A path as short as possible for the reader: relative to `cwd` when under it. */
export function displayPath(path: string, cwd: string): string {
  if (!isAbsolute(path)) return path;
  const fromCwd = relative(cwd, path);
  return fromCwd !== '' && !fromCwd.startsWith('..') && !isAbsolute(fromCwd) ? fromCwd : path;
}

const plural = (count: number, word: string): string => `${count} ${word}${count === 1 ? '' : 's'}`;

export function formatText(report: ValidationReport, cwd: string = process.cwd()): string {
  const lines: string[] = [];
  for (const unreadable of report.unreadable) lines.push(`${displayPath(unreadable.path, cwd)}: cannot read: ${unreadable.reason}`);
  for (const finding of report.findings) {
    lines.push(`${displayPath(finding.file, cwd)}:${finding.line}:${finding.column}  ${finding.severity}  ${finding.ruleId}${finding.istioCode ? ` (istioctl ${finding.istioCode})` : ''}  ${finding.resource}  ${finding.message}`);
    lines.push(`    fix: ${finding.hint}`);
  }
  const counts = `${plural(report.errors, 'error')}, ${plural(report.warnings, 'warning')}`;
  lines.push(`${counts} in ${plural(report.files, 'file')} (${plural(report.resources, 'resource')})${report.unreadable.length > 0 ? `; ${plural(report.unreadable.length, 'path')} unreadable` : ''}`);
  return `${lines.join('\n')}\n`;
}
