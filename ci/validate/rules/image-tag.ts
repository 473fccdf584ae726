import { asString } from '../resource.ts';
import { parseImage, type Rule, type RuleViolation } from './model.ts';

export const imageTagRule: Rule = {
  id: 'IMG001',
  title: 'images have an explicit tag other than latest (or a digest)',
  check(model) {
    const violations: RuleViolation[] = [];
    for (const pod of model.podTemplates) {
      for (const container of pod.containers) {
        const image = asString(container.value.image);
        if (image === undefined) continue;
        const { tag, digest } = parseImage(image);
        if (digest !== undefined || (tag !== undefined && tag !== 'latest')) continue;
        violations.push({
          resource: pod.resource, ruleId: this.id, severity: 'error', path: [...container.path, 'image'],
          message: tag === 'latest'
            ? `image "${image}" of container "${container.name}" uses the mutable tag latest`
            : `image "${image}" of container "${container.name}" has no tag (Kubernetes pulls :latest)`,
          hint: image.startsWith('shopmesh/')
            ? 'write shopmesh/<name>:dev; the pipeline replaces the tag with the input-digest tag'
            : 'pin a version tag (e.g. postgres:16.4-alpine) or a digest',
        });
      }
    }
    return violations;
  },
};
