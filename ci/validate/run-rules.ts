// Runs the cross-resource rules over a set of resources and positions what they find.
import { resourceLabel, type Resource } from './resource.ts';
import { RULES } from './rules/index.ts';
import { buildModel, type ModelContext, type ResourceViolation, type Rule } from './rules/model.ts';
import type { Finding } from './types.ts';
import { toFindings } from './violation.ts';

export function runRules(resources: Resource[], context: ModelContext, rules: readonly Rule[] = RULES): Finding[] {
  const model = buildModel(resources, context);
  const findings: Finding[] = [];
  const byResource = new Map<Resource, ResourceViolation[]>();
  for (const rule of rules) {
    for (const violation of rule.check(model)) {
      if ('resource' in violation) {
        const list = byResource.get(violation.resource) ?? [];
        list.push(violation);
        byResource.set(violation.resource, list);
      } else {
        findings.push({
          file: violation.file, line: violation.line, column: violation.column, severity: violation.severity,
          ruleId: violation.ruleId, resource: '-', message: violation.message, hint: violation.hint,
          ...(violation.istioCode !== undefined ? { istioCode: violation.istioCode } : {}),
        });
      }
    }
  }
  for (const [resource, violations] of byResource) {
    const base = resource.basePath ?? [];
    const positioned = base.length === 0 ? violations : violations.map((violation) => ({ ...violation, path: [...base, ...violation.path] }));
    findings.push(...toFindings(resource.file, resource.source, resourceLabel(resource), positioned));
  }
  return findings;
}
