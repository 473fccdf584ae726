import { asString } from '../resource.ts';
import { parseImage, PROJECT_IMAGE_PREFIX, type Rule, type RuleViolation } from './model.ts';

/** The service named by a project image (`shopmesh/cart-service:dev` -> cart-service). */
export function projectServiceOf(image: string): string | undefined {
  const { repository } = parseImage(image);
  return repository.startsWith(PROJECT_IMAGE_PREFIX) ? repository.slice(PROJECT_IMAGE_PREFIX.length) : undefined;
}

export const serviceFolderDeploymentRule: Rule = {
  id: 'SRV001',
  title: 'every services/<name>/ folder with a Dockerfile is run by a Deployment (image shopmesh/<name>)',
  check(model) {
    const deployed = new Set<string>();
    for (const pod of model.podTemplates.filter((p) => p.resource.kind === 'Deployment')) {
      for (const container of pod.containers.filter((c) => !c.init)) {
        const service = projectServiceOf(asString(container.value.image) ?? '');
        if (service !== undefined) deployed.add(service);
      }
    }
    // Without any project Deployment the set is not the application's manifests (e.g. only k8s/istio/).
    if (deployed.size === 0) return [];
    return model.serviceFolders.filter((folder) => !deployed.has(folder.name)).map((folder): RuleViolation => ({
      file: folder.dockerfile, line: 1, column: 1, ruleId: this.id, severity: 'error',
      message: `service ${folder.name} has a Dockerfile but no Deployment runs image ${PROJECT_IMAGE_PREFIX}${folder.name}`,
      hint: `add a Deployment ${folder.name}-deployment (and Service ${folder.name}-svc) to k8s/app-manifests.yaml`,
    }));
  },
};

export const deploymentImageFolderRule: Rule = {
  id: 'SRV002',
  title: 'every shopmesh/<name> image of a workload is one the pipeline builds (services/<name>/Dockerfile, or the lab controller)',
  check(model) {
    const folders = new Set(model.buildableImages);
    const violations: RuleViolation[] = [];
    for (const pod of model.podTemplates) {
      for (const container of pod.containers) {
        const image = asString(container.value.image) ?? '';
        const service = projectServiceOf(image);
        if (service === undefined || folders.has(service)) continue;
        violations.push({
          resource: pod.resource, ruleId: this.id, severity: 'error', path: [...container.path, 'image'],
          message: `image ${image} is not built by the pipeline: services/${service}/ has no Dockerfile`,
          hint: `use an image the pipeline builds (${[...folders].join(', ') || 'none found'})`,
        });
      }
    }
    return violations;
  },
};
