// API versions of built-in groups that Kubernetes no longer serves (the deprecated API migration
// guide): the API server answers "no matches for kind", so they are errors, with the replacement.

export interface RemovedApi { removedIn: string; hint: string }

interface RemovedVersion { removedIn: string; replacement: string | Record<string, string> }

const APPS = { Deployment: 'apps/v1', DaemonSet: 'apps/v1', ReplicaSet: 'apps/v1', StatefulSet: 'apps/v1', ControllerRevision: 'apps/v1' };

const REMOVED: Record<string, RemovedVersion> = {
  'extensions/v1beta1': {
    removedIn: 'v1.16 (Ingress: v1.22)',
    replacement: {
      ...APPS, NetworkPolicy: 'networking.k8s.io/v1', Ingress: 'networking.k8s.io/v1', PodSecurityPolicy: '-',
    },
  },
  'apps/v1beta1': { removedIn: 'v1.16', replacement: APPS },
  'apps/v1beta2': { removedIn: 'v1.16', replacement: APPS },
  'admissionregistration.k8s.io/v1beta1': { removedIn: 'v1.22', replacement: 'admissionregistration.k8s.io/v1' },
  'apiextensions.k8s.io/v1beta1': { removedIn: 'v1.22', replacement: 'apiextensions.k8s.io/v1' },
  'apiregistration.k8s.io/v1beta1': { removedIn: 'v1.22', replacement: 'apiregistration.k8s.io/v1' },
  'authentication.k8s.io/v1beta1': { removedIn: 'v1.22', replacement: 'authentication.k8s.io/v1' },
  'authorization.k8s.io/v1beta1': { removedIn: 'v1.22', replacement: 'authorization.k8s.io/v1' },
  'certificates.k8s.io/v1beta1': { removedIn: 'v1.22', replacement: 'certificates.k8s.io/v1' },
  'coordination.k8s.io/v1beta1': { removedIn: 'v1.22', replacement: 'coordination.k8s.io/v1' },
  'networking.k8s.io/v1beta1': { removedIn: 'v1.22', replacement: 'networking.k8s.io/v1' },
  'rbac.authorization.k8s.io/v1beta1': { removedIn: 'v1.22', replacement: 'rbac.authorization.k8s.io/v1' },
  'rbac.authorization.k8s.io/v1alpha1': { removedIn: 'v1.22', replacement: 'rbac.authorization.k8s.io/v1' },
  'scheduling.k8s.io/v1beta1': { removedIn: 'v1.22', replacement: 'scheduling.k8s.io/v1' },
  'scheduling.k8s.io/v1alpha1': { removedIn: 'v1.22', replacement: 'scheduling.k8s.io/v1' },
  'storage.k8s.io/v1beta1': { removedIn: 'v1.22 (CSIStorageCapacity: v1.27)', replacement: 'storage.k8s.io/v1' },
  'batch/v1beta1': { removedIn: 'v1.25', replacement: 'batch/v1' },
  'batch/v2alpha1': { removedIn: 'v1.21', replacement: 'batch/v1' },
  'discovery.k8s.io/v1beta1': { removedIn: 'v1.25', replacement: 'discovery.k8s.io/v1' },
  'events.k8s.io/v1beta1': { removedIn: 'v1.25', replacement: 'events.k8s.io/v1' },
  'autoscaling/v2beta1': { removedIn: 'v1.25', replacement: 'autoscaling/v2' },
  'autoscaling/v2beta2': { removedIn: 'v1.26', replacement: 'autoscaling/v2' },
  'policy/v1beta1': {
    removedIn: 'v1.25', replacement: { PodDisruptionBudget: 'policy/v1', PodSecurityPolicy: '-' },
  },
  'node.k8s.io/v1beta1': { removedIn: 'v1.25', replacement: 'node.k8s.io/v1' },
  'flowcontrol.apiserver.k8s.io/v1beta1': { removedIn: 'v1.26', replacement: 'flowcontrol.apiserver.k8s.io/v1' },
  'flowcontrol.apiserver.k8s.io/v1beta2': { removedIn: 'v1.29', replacement: 'flowcontrol.apiserver.k8s.io/v1' },
  'flowcontrol.apiserver.k8s.io/v1beta3': { removedIn: 'v1.32', replacement: 'flowcontrol.apiserver.k8s.io/v1' },
};

/** The removal of this apiVersion (for this kind), or undefined when it is not a removed built-in version. */
export function removedApiVersion(apiVersion: string, kind: string): RemovedApi | undefined {
  const removed = REMOVED[apiVersion];
  if (!removed) return undefined;
  const replacement = typeof removed.replacement === 'string' ? removed.replacement : removed.replacement[kind];
  if (replacement === undefined) return { removedIn: removed.removedIn, hint: `use the group's current version (kubectl api-resources lists what the cluster serves)` };
  if (replacement === '-') return { removedIn: removed.removedIn, hint: `remove it: ${kind} has no replacement (Pod Security Admission replaces PodSecurityPolicy)` };
  return { removedIn: removed.removedIn, hint: `use apiVersion: ${replacement} (check the fields that changed with it)` };
}
