// What an image builder does, whichever engine it drives: build one planned image from its
// Dockerfile (repository root as context) and hand back where the result is.
import type { PlannedImage } from './image-sources.ts';
import type { Log } from './log.ts';
import type { BuilderName, ImageTarget } from './options.ts';

export interface BuildJob {
  root: string;
  image: PlannedImage;
  target: ImageTarget;
  buildArgs: Readonly<Record<string, string>>;
  /** A CA bundle passed as the build secret CA_BUILD_SECRET_ID, for TLS-intercepting networks. */
  caFile: string | undefined;
  /** Where builders may write image archives. */
  workDir: string;
  log: Log;
}

export type BuildOutput =
  /** In the local Docker engine under image.tag. */
  | { kind: 'docker-image' }
  /** An image tarball naming image.tag. */
  | { kind: 'archive'; path: string }
  /** Already in the registry under image.ref. */
  | { kind: 'pushed' };

export interface ImageBuilder {
  name: BuilderName;
  /** Runs all builds of a run inside one session (one engine connection for Dagger). */
  session<T>(work: () => Promise<T>): Promise<T>;
  build(job: BuildJob): Promise<BuildOutput>;
}
