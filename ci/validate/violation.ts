// A problem found in one document, before it is given a position: the unit every check produces.
import { fieldLocator, formatFieldPath, type DocumentSource, type FieldPath } from '../lib/manifests.ts';
import type { Finding, Severity } from './types.ts';

export interface Violation {
  ruleId: string;
  severity: Severity;
  /** The field at fault; [] for the document itself. */
  path: FieldPath;
  message: string;
  hint: string;
  /** The `istioctl analyze` code of the same check (`IST0132` ...), where there is one. */
  istioCode?: string;
}

/** Positions violations of one document: the document is parsed again with positions only here. */
export function toFindings(file: string, source: DocumentSource, resource: string, violations: Violation[]): Finding[] {
  if (violations.length === 0) return [];
  const locate = fieldLocator(source);
  return violations.map((violation) => {
    const { line, column } = locate(violation.path);
    const finding: Finding = {
      file, line, column, severity: violation.severity, ruleId: violation.ruleId, resource,
      message: violation.message, hint: violation.hint,
    };
    if (violation.istioCode !== undefined) finding.istioCode = violation.istioCode;
    if (violation.path.length > 0) finding.field = formatFieldPath(violation.path);
    return finding;
  });
}
