// The builder for machines where no Dagger engine can run: the same Dockerfiles built by the local
// Docker engine (BuildKit), then pushed when the target is a registry.
import type { BuildJob, BuildOutput, ImageBuilder } from './builder.ts';
import { dockerBuild, dockerPush } from './docker.ts';
import { CA_BUILD_SECRET_ID } from './versions.ts';

export function dockerBuilder(network: string | undefined = process.env.SHOPMESH_BUILD_NETWORK || undefined): ImageBuilder {
  return {
    name: 'docker',
    session: (work) => work(),
    async build(job: BuildJob): Promise<BuildOutput> {
      const tags = job.target.kind === 'registry' ? [job.image.tag, job.image.ref] : [job.image.tag];
      await dockerBuild(job.log, {
        root: job.root,
        dockerfile: job.image.dockerfile,
        tags,
        buildArgs: job.buildArgs,
        secrets: job.caFile ? { [CA_BUILD_SECRET_ID]: job.caFile } : {},
        network,
      });
      if (job.target.kind === 'registry') {
        await dockerPush(job.log, job.image.ref);
        return { kind: 'pushed' };
      }
      return { kind: 'docker-image' };
    },
  };
}
