// Names the image inside an OCI image tarball. Dagger's Container.export writes an OCI layout whose
// index.json carries no image name, and `kind load image-archive` (`ctr images import` on every node)
// names an image only from the `io.containerd.image.name` annotation; without it the image would be
// imported nameless and pods could not find it by tag. The archive is rewritten as a stream: layers
// are copied through untouched, only index.json changes.
import { createReadStream, createWriteStream } from 'node:fs';
import { rename } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { extract, pack } from 'tar-stream';

/** `shopmesh/x:tag` → `docker.io/shopmesh/x:tag` (what containerd and the kubelet call it). */
export function normalizeImageRef(ref: string): string {
  const [first, ...rest] = ref.split('/');
  const hasRegistry = rest.length > 0 && first !== undefined && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (hasRegistry) return ref;
  return rest.length === 0 ? `docker.io/library/${ref}` : `docker.io/${ref}`;
}

interface OciIndex {
  manifests?: { annotations?: Record<string, string> }[];
}

export function nameIndex(indexJson: string, ref: string): string {
  const index = JSON.parse(indexJson) as OciIndex;
  if (!index.manifests || index.manifests.length === 0) throw new Error('index.json lists no manifest');
  const tag = ref.slice(ref.lastIndexOf(':') + 1);
  for (const manifest of index.manifests) {
    manifest.annotations = {
      ...manifest.annotations,
      'io.containerd.image.name': normalizeImageRef(ref),
      'org.opencontainers.image.ref.name': tag,
    };
  }
  return JSON.stringify(index);
}

/** Rewrites the archive in place so that importing it yields the image `ref`. */
export async function nameOciArchive(archive: string, ref: string): Promise<void> {
  const temporary = `${archive}.named`;
  const reader = extract();
  const writer = pack();
  let sawIndex = false;
  reader.on('entry', (header, stream, next) => {
    if (header.name.replace(/^\.\//, '') === 'index.json') {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
      stream.on('end', () => {
        sawIndex = true;
        try {
          const body = Buffer.from(nameIndex(Buffer.concat(chunks).toString('utf8'), ref));
          writer.entry({ ...header, size: body.length }, body, next);
        } catch (error) {
          next(error as Error);
        }
      });
    } else {
      stream.pipe(writer.entry(header, next));
    }
  });
  reader.on('finish', () => writer.finalize());
  await Promise.all([
    pipeline(createReadStream(archive), reader),
    pipeline(writer, createWriteStream(temporary)),
  ]);
  if (!sawIndex) throw new Error(`${archive} is not an OCI image archive (no index.json)`);
  await rename(temporary, archive);
}
