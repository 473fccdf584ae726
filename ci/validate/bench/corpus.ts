// The benchmark's input: the project's and the shared corpus's manifests, copied many times with
// renamed metadata into many small files, as a repository of manifests looks; one copy in ten as
// `kind: List` documents, whose items both tools check one by one.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import jsyaml from 'js-yaml';
import { KUBERNETES_YAML_SCHEMA, parseAllManifests } from '../../lib/manifests.ts';
import { isRecord } from '../resource.ts';

export interface BenchCorpus {
  dir: string;
  files: number;
  resources: number;
  /** `apiVersion/kind` of every resource written. */
  kinds: Set<string>;
}

interface SourceFile { name: string; documents: Record<string, unknown>[] }

/**
 * Reads the source files; CustomResourceDefinitions (a few huge schema documents, not what
 * people validate by the thousand) are kept out of the copies.
 */
export function readSources(paths: string[]): SourceFile[] {
  return paths.map((path) => ({
    name: basename(path).replace(/\.ya?ml$/, ''),
    documents: parseAllManifests(readFileSync(path, 'utf8'))
      .filter((doc): doc is Record<string, unknown> => isRecord(doc) && doc.kind !== 'CustomResourceDefinition'),
  })).filter((source) => source.documents.length > 0);
}

function renamed(document: Record<string, unknown>, copy: number): Record<string, unknown> {
  if (!isRecord(document.metadata)) return document; // kind's Cluster config has no metadata
  const name = typeof document.metadata.name === 'string' ? document.metadata.name : 'unnamed';
  return { ...document, metadata: { ...document.metadata, name: `${name}-c${copy}` } };
}

/** One copy in this many is written as `kind: List` documents (what `kubectl get -o yaml` writes). */
const LIST_EVERY = 10;

export function writeBenchCorpus(dir: string, sources: SourceFile[], minimumResources: number): BenchCorpus {
  const perCopy = sources.reduce((sum, source) => sum + source.documents.length, 0);
  if (perCopy === 0) throw new Error('no documents to build the benchmark corpus from');
  const copies = Math.ceil(minimumResources / perCopy);
  const corpus: BenchCorpus = { dir, files: 0, resources: 0, kinds: new Set() };
  for (let copy = 0; copy < copies; copy++) {
    const folder = join(dir, `copy-${String(copy).padStart(4, '0')}`);
    mkdirSync(folder, { recursive: true });
    for (const source of sources) {
      const dump = (value: unknown): string => jsyaml.dump(value, { schema: KUBERNETES_YAML_SCHEMA, lineWidth: -1, noRefs: true });
      const documents = source.documents.map((document) => renamed(document, copy));
      const text = copy % LIST_EVERY === LIST_EVERY - 1
        ? dump({ apiVersion: 'v1', kind: 'List', items: documents, metadata: { resourceVersion: '' } })
        : documents.map(dump).join('---\n');
      writeFileSync(join(folder, `${source.name}.yaml`), text);
      corpus.files++;
      corpus.resources += source.documents.length;
      for (const document of source.documents) corpus.kinds.add(`${String(document.apiVersion)}/${String(document.kind)}`);
    }
  }
  return corpus;
}
