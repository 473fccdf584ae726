import { asArray, asString, field, stringMap } from '../resource.ts';
import type { Rule, RuleViolation } from './model.ts';
import { formatLabels, ISTIO_NETWORKING, resolveHost } from './istio-mesh.ts';

export const destinationRuleHostRule: Rule = {
  id: 'IST015',
  title: "a DestinationRule's host is a Service or ServiceEntry host visible from its namespace (istioctl IST0174)",
  check(model) {
    const violations: RuleViolation[] = [];
    for (const rule of model.ofKind('DestinationRule', ISTIO_NETWORKING)) {
      const host = asString(field(rule.object, 'spec', 'host'));
      if (host === undefined || host.includes('*')) continue; // wildcards apply to whatever matches
      const namespace = model.namespaceOf(rule);
      const target = resolveHost(model, host, namespace);
      if (target.service || target.entries.length > 0) continue;
      violations.push({
        resource: rule, ruleId: this.id, istioCode: 'IST0174', severity: 'warning', path: ['spec', 'host'],
        message: `host "${host}" matches no Service or ServiceEntry host visible from namespace ${namespace}: this DestinationRule applies to nothing`,
        hint: 'name a Service of the set (<name>-svc, or <name>.<namespace> for another namespace), or declare the host in a ServiceEntry',
      });
    }
    return violations;
  },
};

export const destinationRuleSubsetRule: Rule = {
  id: 'IST016',
  title: "a DestinationRule's subsets select pods of its Service (istioctl IST0173)",
  check(model) {
    const violations: RuleViolation[] = [];
    for (const rule of model.ofKind('DestinationRule', ISTIO_NETWORKING)) {
      const host = asString(field(rule.object, 'spec', 'host'));
      if (host === undefined) continue;
      const service = resolveHost(model, host, model.namespaceOf(rule)).service;
      if (!service) continue; // IST015, or a ServiceEntry (its endpoints are not pods)
      const selector = stringMap(field(service.object, 'spec', 'selector'));
      if (Object.keys(selector).length === 0) continue; // endpoints managed by hand
      asArray(field(rule.object, 'spec', 'subsets')).forEach((subset, index) => {
        const labels = { ...selector, ...stringMap(field(subset, 'labels')) };
        const namespace = model.namespaceOf(service);
        const selected = model.podTemplates.some((pod) => pod.namespace === namespace
          && Object.entries(labels).every(([key, value]) => pod.labels[key] === value));
        if (selected) return;
        violations.push({
          resource: rule, ruleId: this.id, istioCode: 'IST0173', severity: 'warning', path: ['spec', 'subsets', index, 'labels'],
          message: `subset "${String(field(subset, 'name'))}" selects no pod of Service ${service.name} (${formatLabels(labels)}): traffic to it fails with 503 (no healthy upstream)`,
          hint: "use labels that the Service's pods carry (e.g. the version label of their pod template)",
        });
      });
    }
    return violations;
  },
};
