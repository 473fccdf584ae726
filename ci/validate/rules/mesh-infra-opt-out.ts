import { field, stringMap } from '../resource.ts';
import { isProjectPod, type Rule, type RuleViolation } from './model.ts';
import { INJECTION_LABEL } from './mesh-injection.ts';

export const INJECT_ANNOTATION = 'sidecar.istio.io/inject';

export const infraOptOutRule: Rule = {
  id: 'MSH002',
  title: 'infrastructure pods (not part-of shopmesh, or not shopmesh/* images) in meshed namespaces opt out of injection',
  check(model) {
    const violations: RuleViolation[] = [];
    const injected = new Set(model.podTemplates.filter(isProjectPod).map((pod) => pod.namespace));
    for (const namespace of model.ofKind('Namespace', '')) {
      if (stringMap(field(namespace.object, 'metadata', 'labels'))[INJECTION_LABEL] === 'enabled') injected.add(namespace.name);
    }
    for (const pod of model.podTemplates) {
      if (isProjectPod(pod) || !injected.has(pod.namespace)) continue;
      if (pod.annotations[INJECT_ANNOTATION] === 'false' || pod.labels[INJECT_ANNOTATION] === 'false') continue;
      const metadata = [...pod.path, 'metadata'];
      violations.push({
        resource: pod.resource, ruleId: this.id, severity: 'error',
        path: field(pod.resource.object, ...metadata, 'annotations') !== undefined ? [...metadata, 'annotations'] : metadata,
        message: `infrastructure pod in meshed namespace ${pod.namespace} does not opt out of sidecar injection`,
        hint: `annotate the pod template ${INJECT_ANNOTATION}: "false"`,
      });
    }
    return violations;
  },
};
