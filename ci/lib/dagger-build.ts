// Every call to the Dagger engine: Dockerfile builds in containers, exported as image tarballs (for
// kind) or published to a registry. Under `dagger run` the session comes from DAGGER_SESSION_PORT and
// DAGGER_SESSION_TOKEN; otherwise the SDK's connection() starts an engine (with the `dagger` CLI on
// PATH when there is one, else the CLI version the SDK pins, which it downloads).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connection, dag, type Directory } from '@dagger.io/dagger';
import type { ImageBuilder, BuildJob, BuildOutput } from './builder.ts';
import { nameOciArchive } from './oci-archive.ts';
import { CA_BUILD_SECRET_ID } from './versions.ts';

/** Never sent to the engine: dependencies and outputs are made inside the image. */
export const CONTEXT_EXCLUDES = ['**/node_modules', '**/dist', '.git', 'lab/results', '**/*.log', '.testenv'];

export function daggerBuilder(): ImageBuilder {
  const contexts = new Map<string, Directory>();
  const contextOf = (root: string): Directory => {
    let directory = contexts.get(root);
    if (!directory) {
      directory = dag.host().directory(root, { exclude: CONTEXT_EXCLUDES });
      contexts.set(root, directory);
    }
    return directory;
  };

  return {
    name: 'dagger',
    async session<T>(work: () => Promise<T>): Promise<T> {
      let result: T | undefined;
      let finished = false;
      await connection(async () => {
        result = await work();
        finished = true;
      });
      if (!finished) throw new Error('the Dagger session ended before the builds finished');
      return result as T;
    },
    async build(job: BuildJob): Promise<BuildOutput> {
      const secrets = job.caFile ? [dag.setSecret(CA_BUILD_SECRET_ID, await readFile(job.caFile, 'utf8'))] : [];
      const image = contextOf(job.root).dockerBuild({
        dockerfile: job.image.dockerfile,
        buildArgs: Object.entries(job.buildArgs).map(([name, value]) => ({ name, value })),
        secrets,
      });
      if (job.target.kind === 'registry') {
        await image.publish(job.image.ref);
        return { kind: 'pushed' };
      }
      const archive = join(job.workDir, `${job.image.name}-${job.image.digest.slice(0, 12)}.tar`);
      await image.export(archive);
      await nameOciArchive(archive, job.image.tag);
      return { kind: 'archive', path: archive };
    },
  };
}
