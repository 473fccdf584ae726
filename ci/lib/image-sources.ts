// What images the pipeline builds and what they are called: one per service folder with a
// Dockerfile (discoverServices), plus the lab's controller with --with-lab, each tagged by the
// digest of its inputs.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import { imageInputDigest, imageTag, sharedInputsDigest } from './digest.ts';
import { imageRefForTarget, placeholderImageNames } from './images.ts';
import { parseAllManifests } from './manifests.ts';
import type { ImageTarget } from './options.ts';
import { discoverServices } from './services.ts';

export interface ImageSource {
  /** Image name: `shopmesh/<name>`, and the placeholder `shopmesh/<name>:dev` in manifests. */
  name: string;
  /** Folder of its own inputs, relative to the root (`services/cart-service`). */
  folder: string;
  /** Dockerfile, relative to the root; the build context is always the root. */
  dockerfile: string;
}

export interface PlannedImage extends ImageSource {
  digest: string;
  /** `shopmesh/<name>:<12 hex>`: the name the local builder gives it. */
  tag: string;
  /** What the cluster pulls: the tag, or `<registry>/<tag>` for a registry target. */
  ref: string;
}

export const LAB_FOLDER = 'lab';
export const LAB_MANIFEST = 'lab/k8s/controller.yaml';
const LAB_DEFAULT_IMAGE = 'lab-controller';

const posix = (path: string): string => path.split(sep).join('/');

/** The lab controller's image name, as its manifest writes it (`shopmesh/<name>:dev`). */
async function labImageName(root: string): Promise<string> {
  const manifest = join(root, LAB_MANIFEST);
  if (!existsSync(manifest)) return LAB_DEFAULT_IMAGE;
  const objects = parseAllManifests(await readFile(manifest, 'utf8')) as KubernetesObject[];
  const [name] = placeholderImageNames(objects);
  return name ?? LAB_DEFAULT_IMAGE;
}

export async function imageSources(root: string, options: { withLab: boolean }): Promise<ImageSource[]> {
  const sources: ImageSource[] = (await discoverServices(root)).map((service) => ({
    name: service.name,
    folder: posix(relative(root, service.dir)),
    dockerfile: posix(relative(root, service.dockerfile)),
  }));
  if (options.withLab) {
    sources.push({ name: await labImageName(root), folder: LAB_FOLDER, dockerfile: `${LAB_FOLDER}/Dockerfile` });
  }
  return sources;
}

/** Build arguments every Dockerfile gets (they are inputs: part of every digest). */
export function buildArgsFromEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return env.NODE_IMAGE ? { NODE_IMAGE: env.NODE_IMAGE } : {};
}

export function planImages(
  root: string,
  sources: readonly ImageSource[],
  buildArgs: Readonly<Record<string, string>>,
  target: ImageTarget,
): PlannedImage[] {
  const shared = sharedInputsDigest(root);
  return sources.map((source) => {
    const digest = imageInputDigest(root, source.folder, shared, buildArgs);
    const tag = imageTag(source.name, digest);
    return { ...source, digest, tag, ref: imageRefForTarget(tag, target) };
  });
}
