// build: every image whose input-digest tag the target does not have yet is built (Dagger or the
// local Docker engine, a bounded number at a time) and handed to the target: loaded into the kind
// nodes that lack it, or pushed to the registry. Images the target already has are skipped.
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pLimit from 'p-limit';
import type { BuildOutput, ImageBuilder } from '../lib/builder.ts';
import { dockerImageExists, dockerPush, dockerTag } from '../lib/docker.ts';
import type { PlannedImage } from '../lib/image-sources.ts';
import { imagesOnNode, kindLoadDockerImage, kindLoadImageArchive, kindNodes } from '../lib/kind.ts';
import { formatDuration, type Log } from '../lib/log.ts';
import { normalizeImageRef } from '../lib/oci-archive.ts';
import type { ImageTarget } from '../lib/options.ts';
import { registryHasImage } from '../lib/registry.ts';

export interface BuildStageInput {
  root: string;
  images: readonly PlannedImage[];
  target: ImageTarget;
  builder: ImageBuilder;
  jobs: number;
  buildArgs: Readonly<Record<string, string>>;
  caFile: string | undefined;
  log: Log;
}

export type ImageOutcome = 'present' | 'built' | 'loaded';

export interface BuildStageResult {
  outcomes: Map<string, ImageOutcome>;
}

/** Where images go, and what it already has. */
interface Destination {
  /** Nodes (kind) that lack the image; empty when the target has it. */
  missing(image: PlannedImage): Promise<string[]>;
  deliver(image: PlannedImage, output: BuildOutput, missing: string[], log: Log): Promise<void>;
}

async function kindDestination(cluster: string): Promise<Destination> {
  const nodes = await kindNodes(cluster);
  if (nodes.length === 0) throw new Error(`kind cluster ${cluster} has no nodes: create it first (cluster stage)`);
  const onNodes = new Map(await Promise.all(nodes.map(async (node) => [node, await imagesOnNode(node)] as const)));
  return {
    missing: async (image) => nodes.filter((node) => !onNodes.get(node)?.has(normalizeImageRef(image.tag))),
    async deliver(image, output, missing, log) {
      if (output.kind === 'docker-image') await kindLoadDockerImage(log, cluster, image.tag, missing);
      else if (output.kind === 'archive') {
        await kindLoadImageArchive(log, cluster, output.path, missing);
        await rm(output.path, { force: true });
      } else throw new Error(`${image.name}: a pushed image cannot be loaded into kind`);
    },
  };
}

function registryDestination(): Destination {
  return {
    missing: async (image) => ((await registryHasImage(image.ref)) ? [] : ['registry']),
    async deliver(image, output, _missing, log) {
      if (output.kind === 'pushed') return;
      if (output.kind === 'docker-image') {
        await dockerTag(log, image.tag, image.ref);
        await dockerPush(log, image.ref);
        return;
      }
      throw new Error(`${image.name}: an image archive cannot be pushed; use a registry-publishing builder`);
    },
  };
}

export async function runBuildStage(input: BuildStageInput): Promise<BuildStageResult> {
  const { log, builder } = input;
  if (input.caFile && !existsSync(input.caFile)) throw new Error(`CA bundle ${input.caFile} does not exist`);
  const destination =
    input.target.kind === 'kind' ? await kindDestination(input.target.cluster) : registryDestination();
  const workDir = join(tmpdir(), `shopmesh-images-${process.pid}`);
  await mkdir(workDir, { recursive: true });
  const outcomes = new Map<string, ImageOutcome>();
  const limit = pLimit(input.jobs);
  try {
    await builder.session(() =>
      Promise.all(
        input.images.map((image) =>
          limit(async () => {
            const imageLog = log.child(image.name);
            const missing = await destination.missing(image);
            if (missing.length === 0) {
              imageLog.line(`${image.ref} already present, skipped`);
              outcomes.set(image.name, 'present');
              return;
            }
            const started = Date.now();
            let output: BuildOutput;
            if (builder.name === 'docker' && (await dockerImageExists(image.tag))) {
              imageLog.line(`${image.tag} is in the local Docker engine, not rebuilt`);
              output = { kind: 'docker-image' };
              outcomes.set(image.name, 'loaded');
            } else {
              imageLog.line(`building ${image.tag} from ${image.dockerfile} (${builder.name})`);
              output = await builder.build({ ...input, image, workDir, log: imageLog });
              outcomes.set(image.name, 'built');
            }
            await destination.deliver(image, output, missing, imageLog);
            imageLog.line(`${image.ref} ready in ${formatDuration(Date.now() - started)}`);
          }),
        ),
      ),
    );
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
  return { outcomes };
}

/** The CA bundle to pass to builds: SHOPMESH_EXTRA_CA_FILE, else NODE_EXTRA_CA_CERTS, else none. */
export function caBundleFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.SHOPMESH_EXTRA_CA_FILE || env.NODE_EXTRA_CA_CERTS || undefined;
}
