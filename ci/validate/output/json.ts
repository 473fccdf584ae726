// The report for machines: stable field names, paths as given, one JSON document.
import type { ValidationReport } from '../types.ts';

export const JSON_REPORT_VERSION = 1;

export function formatJson(report: ValidationReport): string {
  return `${JSON.stringify({ version: JSON_REPORT_VERSION, ...report }, null, 2)}\n`;
}
