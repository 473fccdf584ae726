// Every cross-resource rule, in the order they are reported in the rules table.
import { envSecretsRule } from './env-secrets.ts';
import { envUrlRule } from './env-urls.ts';
import { imageTagRule } from './image-tag.ts';
import { gatewaySelectorRule } from './istio-gateway-selector.ts';
import { virtualServiceGatewayRule } from './istio-gateways.ts';
import { gatewayCertificateRule } from './istio-gateway-certificates.ts';
import { gatewayConflictRule } from './istio-gateway-conflicts.ts';
import { gatewayCredentialRule } from './istio-gateway-credentials.ts';
import { gatewayHostsRule } from './istio-gateway-hosts.ts';
import { gatewayPortRule } from './istio-gateway-ports.ts';
import { destinationPortRequiredRule } from './istio-destination-port.ts';
import { destinationRuleHostRule, destinationRuleSubsetRule } from './istio-destination-rules.ts';
import { meshHostConflictRule } from './istio-mesh-hosts.ts';
import { policyNamespaceRule } from './istio-policy-namespaces.ts';
import { serviceEntryProtocolRule, serviceProtocolConflictRule } from './istio-protocols.ts';
import { workloadSelectorOverlapRule, workloadSelectorPodsRule } from './istio-workload-selectors.ts';
import { portValuesRule } from './port-values.ts';
import { virtualServiceDestinationRule } from './istio-destinations.ts';
import { authorizationPrincipalRule } from './istio-principals.ts';
import { virtualServiceSubsetRule } from './istio-subsets.ts';
import { kindIngressPortRule } from './kind-ingress-port.ts';
import { infraOptOutRule } from './mesh-infra-opt-out.ts';
import { namespaceInjectionRule } from './mesh-injection.ts';
import type { Rule } from './model.ts';
import { nodePortRule } from './node-ports.ts';
import { nonRootRule } from './non-root.ts';
import { probePortRule, probeProtocolRule } from './probe-port.ts';
import { resourcesRule } from './resources.ts';
import { serviceAccountRule } from './service-account.ts';
import { deploymentImageFolderRule, serviceFolderDeploymentRule } from './service-folders.ts';
import { serviceSelectorRule } from './service-selector.ts';
import { serviceTargetPortRule } from './service-target-port.ts';
import { workloadSelectorRule } from './workload-selector.ts';

export const RULES: readonly Rule[] = [
  serviceSelectorRule,
  serviceTargetPortRule,
  probePortRule,
  probeProtocolRule,
  portValuesRule,
  workloadSelectorRule,
  serviceAccountRule,
  envUrlRule,
  envSecretsRule,
  virtualServiceGatewayRule,
  virtualServiceDestinationRule,
  virtualServiceSubsetRule,
  gatewaySelectorRule,
  authorizationPrincipalRule,
  gatewayHostsRule,
  gatewayPortRule,
  gatewayConflictRule,
  meshHostConflictRule,
  gatewayCredentialRule,
  gatewayCertificateRule,
  workloadSelectorPodsRule,
  workloadSelectorOverlapRule,
  policyNamespaceRule,
  destinationRuleHostRule,
  destinationRuleSubsetRule,
  serviceProtocolConflictRule,
  serviceEntryProtocolRule,
  destinationPortRequiredRule,
  namespaceInjectionRule,
  infraOptOutRule,
  kindIngressPortRule,
  nodePortRule,
  serviceFolderDeploymentRule,
  deploymentImageFolderRule,
  imageTagRule,
  resourcesRule,
  nonRootRule,
];
