// Image overrides (`--image-map FILE`): a YAML mapping `from: to` of image references. When the
// pipeline applies manifests, every container (and init container) whose image is `from` gets `to`
// instead; the manifest files are never edited. For clusters that cannot pull the public images
// the manifests name: a mirror registry, or the stand-ins of testenv/images/.
import { readFile } from 'node:fs/promises';
import type { KubernetesObject } from '@kubernetes/client-node';
import { containersOf, podSpecOf } from './images.ts';
import { errorReason, fieldLocator, ManifestSyntaxError, parseDocumentSource, splitDocuments } from './manifests.ts';
import { UsageError } from './options.ts';
import { objectId } from './apply.ts';

export interface ImageMapEntry {
  from: string;
  to: string;
  /** Line of the entry in the file. */
  line: number;
}

export interface ImageMap {
  file: string;
  entries: ImageMapEntry[];
}

/** Bad map file: a usage error (exit 2), raised before any stage runs. */
export class ImageMapError extends UsageError {}

export interface ImageReplacement {
  /** `Kind/namespace/name` of the workload. */
  object: string;
  container: string;
  from: string;
  to: string;
}

// Docker's reference grammar, simplified: [registry[:port]/]path[:tag][@sha256:digest], the path
// in lower case.
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const REFERENCE = new RegExp(
  `^(?:[a-zA-Z0-9-]+(?:\\.[a-zA-Z0-9-]+)*(?::\\d+)?/)?${COMPONENT}(?:/${COMPONENT})*(?::[\\w][\\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$`,
);

export function isImageReference(text: string): boolean {
  return REFERENCE.test(text);
}

/**
 * The full form of a reference, as a container runtime reads it: `postgres:16` and
 * `docker.io/library/postgres:16` are one image; no tag means `latest`.
 */
export function normalizeImage(reference: string): string {
  const at = reference.indexOf('@');
  const digest = at >= 0 ? reference.slice(at) : '';
  let name = at >= 0 ? reference.slice(0, at) : reference;
  const lastSlash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  let tag = '';
  if (colon > lastSlash) {
    tag = name.slice(colon);
    name = name.slice(0, colon);
  } else if (!digest) {
    tag = ':latest';
  }
  const slash = name.indexOf('/');
  const first = slash >= 0 ? name.slice(0, slash) : '';
  const hasRegistry = slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (!hasRegistry) name = slash >= 0 ? `docker.io/${name}` : `docker.io/library/${name}`;
  else if (first === 'index.docker.io') name = `docker.io${name.slice(first.length)}`;
  return `${name}${tag}${digest}`;
}

const EXAMPLE = '"postgres:16.10-alpine": registry.example:5000/postgres:16.10-alpine';

/** Reads and checks a map file; every problem names the file and line. */
export async function loadImageMap(file: string): Promise<ImageMap> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ImageMapError(`--image-map ${file}: cannot read it: ${errorReason(error)}`);
  }
  return parseImageMap(text, file);
}

export function parseImageMap(text: string, file: string): ImageMap {
  const documents = splitDocuments(text);
  if (documents.length > 1) throw new ImageMapError(`${file}:${documents[1]?.line ?? 1}: one YAML document expected (a mapping from: to), found ${documents.length}`);
  const source = documents[0];
  if (!source) return { file, entries: [] };
  let parsed: unknown;
  try {
    parsed = parseDocumentSource(source);
  } catch (error) {
    if (error instanceof ManifestSyntaxError) throw new ImageMapError(`${file}:${error.line}:${error.column}: ${error.reason}`);
    throw error;
  }
  if (parsed === null || parsed === undefined) return { file, entries: [] };
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ImageMapError(`${file}:${source.line}: must be a mapping of image references, one "from: to" per line, e.g. ${EXAMPLE}`);
  }
  const locate = fieldLocator(source);
  const entries: ImageMapEntry[] = [];
  const seen = new Map<string, ImageMapEntry>();
  for (const [from, to] of Object.entries(parsed as Record<string, unknown>)) {
    const line = locate([from]).line;
    const at = `${file}:${line}`;
    if (!isImageReference(from)) throw new ImageMapError(`${at}: "${from}" is not an image reference (NAME[:TAG][@sha256:DIGEST]); e.g. ${EXAMPLE}`);
    if (typeof to !== 'string' || to === '') {
      throw new ImageMapError(`${at}: ${from} must map to an image reference (a string), not ${JSON.stringify(to)}`);
    }
    if (!isImageReference(to)) throw new ImageMapError(`${at}: ${from} maps to "${to}", which is not an image reference (NAME[:TAG][@sha256:DIGEST])`);
    const key = normalizeImage(from);
    const earlier = seen.get(key);
    if (earlier) throw new ImageMapError(`${at}: ${from} is the image of line ${earlier.line} (${earlier.from}) again; keep one of the two`);
    const entry = { from, to, line };
    seen.set(key, entry);
    entries.push(entry);
  }
  return { file, entries };
}

/** Copies of the objects with every mapped image replaced, and what was replaced where. */
export function applyImageMap(
  objects: readonly KubernetesObject[],
  map: ImageMap | undefined,
): { objects: KubernetesObject[]; replacements: ImageReplacement[] } {
  if (!map || map.entries.length === 0) return { objects: [...objects], replacements: [] };
  const targets = new Map(map.entries.map((entry) => [normalizeImage(entry.from), entry]));
  const replacements: ImageReplacement[] = [];
  const mapped = objects.map((original) => {
    const spec = podSpecOf(original);
    if (!spec || !containersOf(spec).some((container) => targets.has(normalizeImage(container.image ?? '')))) return original;
    const object = structuredClone(original);
    for (const container of containersOf(podSpecOf(object)!)) {
      const entry = targets.get(normalizeImage(container.image ?? ''));
      if (!entry) continue;
      replacements.push({ object: objectId(object), container: container.name, from: container.image ?? '', to: entry.to });
      container.image = entry.to;
    }
    return object;
  });
  return { objects: mapped, replacements };
}

/** Entries that replaced nothing (a typo, or an image the manifests no longer use). */
export function unusedEntries(map: ImageMap | undefined, replacements: readonly ImageReplacement[]): ImageMapEntry[] {
  if (!map) return [];
  const used = new Set(replacements.map((replacement) => normalizeImage(replacement.from)));
  return map.entries.filter((entry) => !used.has(normalizeImage(entry.from)));
}

/** Report lines: one per entry with the workloads it changes, and the unused ones. */
export function describeImageMap(map: ImageMap, replacements: readonly ImageReplacement[]): string[] {
  const lines = [`image map ${map.file}: ${map.entries.length} ${map.entries.length === 1 ? 'entry' : 'entries'}`];
  for (const entry of map.entries) {
    const where = replacements
      .filter((replacement) => normalizeImage(replacement.from) === normalizeImage(entry.from))
      .map((replacement) => `${replacement.object} (${replacement.container})`);
    lines.push(
      where.length > 0
        ? `  ${entry.from} -> ${entry.to}: ${where.join(', ')}`
        : `  ${entry.from} -> ${entry.to}: warning: no container of the manifests uses ${entry.from} (line ${entry.line})`,
    );
  }
  return lines;
}
