// Tests of service images (`@shopmesh/service-kit/testing-docker`), with the test environment's Docker engine.
export {
  buildServiceImage,
  docker,
  extraCaBundle,
  inspectServiceImage,
  runContainer,
  waitForStatus,
  type CommandResult,
  type DockerEngine,
  type ImageFacts,
  type RunningContainer,
} from './testing/docker.ts';
export { imageSuite, type ImageContainer, type ImageDependencies, type ImageSuiteSpec } from './testing/image-suite.ts';
