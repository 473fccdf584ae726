// ci/lib/manifests.ts: splitting streams into documents with their lines, parsing them as
// Kubernetes does, locating fields.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import { temporaryDir, removeTemporaryDirs } from './helpers.ts';
import * as assert from 'uvu/assert';
import {
  fieldLocator, findManifestFiles, formatFieldPath, loadManifests, ManifestSyntaxError, parseDocumentSource, quoteFlowScalarsLikeGoYaml,
  splitDocuments,
} from '../../lib/manifests.ts';

test('flow collections are read as go-yaml reads them: a colon ends a plain scalar only before a blank', () => {
  const parse = (text: string): unknown => parseDocumentSource(splitDocuments(text)[0]!);
  assert.equal(parse('a: [1.2.3.4, 001:db8::]\n'), { a: ['1.2.3.4', '001:db8::'] });
  assert.equal(parse('a: {b: c::}\n'), { a: { b: 'c::' } });
  assert.equal(parse('a: [\n  1::,\n  "q:]",\n  2\n]\n'), { a: ['1::', 'q:]', 2] });
  // Not in a flow collection: unchanged (go-yaml reads a map there too), and block scalars are left alone.
  assert.equal(parse('a:\n  - x: 1\n'), { a: [{ x: 1 }] });
  assert.equal(parse('a: |\n  [x:, y]\nb: [p::] # c:]\n'), { a: '[x:, y]\n', b: ['p::'] });
  const plain = 'a: [x, y]\n';
  assert.is(quoteFlowScalarsLikeGoYaml(plain), plain);
});

test('documents keep the line they start at; empty and comment-only ones are left out', () => {
  const text = '# header\n---\na: 1\n---\n# only a comment\n---\n\n---\nb: 2\nc: 3\n...\n---\nd: 4\n';
  assert.equal(splitDocuments(text).map((d) => [d.index, d.line, d.text]), [
    [0, 3, 'a: 1\n'],
    [1, 9, 'b: 2\nc: 3\n'],
    [2, 13, 'd: 4\n'],
  ]);
});

test('content after --- on the marker line stays at its column; CRLF and a BOM are handled', () => {
  const [first, second] = splitDocuments('\uFEFFa: 1\r\n--- {b: 2}\r\n');
  assert.equal(parseDocumentSource(first!), { a: 1 });
  assert.is(second!.line, 2);
  assert.is(second!.text.indexOf('{'), 4);
  assert.equal(parseDocumentSource(second!), { b: 2 });
});

test('--- inside a block scalar is not a marker when indented', () => {
  const documents = splitDocuments('data: |\n  ---\n  x\n---\nb: 1\n');
  assert.is(documents.length, 2);
  assert.equal(parseDocumentSource(documents[0]!), { data: '---\nx\n' });
});

test('syntax errors and duplicate keys carry the file position', () => {
  const [, bad] = splitDocuments('a: 1\n---\nx: 1\ny:\n  z: 1\n  z: 2\n');
  try {
    parseDocumentSource(bad!);
    assert.unreachable('a duplicate key must throw');
  } catch (error) {
    assert.instance(error, ManifestSyntaxError);
    const syntax = error as ManifestSyntaxError;
    assert.equal([syntax.line, syntax.column, syntax.duplicateKey], [6, 3, true]);
  }
});

test('YAML 1.1 scalars as Kubernetes (sigs.k8s.io/yaml) reads them', () => {
  const [source] = splitDocuments('a: yes\nb: off\nc: y\nd: 2024-01-02\ne: "yes"\nf: 0755\ng: ~\nh: <<\ni: 0\nj: 0x1F\nk: 1_000\n');
  assert.equal(parseDocumentSource(source!), {
    a: true, b: false, c: true, d: '2024-01-02', e: 'yes', f: 0o755, g: null, h: '<<', i: 0, j: 31, k: 1000,
  });
});

test('fields are located at their key, list items at the item, missing parts at the deepest existing one', () => {
  const text = 'x: 0\n---\nspec:\n  containers:\n    - name: a\n      image: b\n    - name: c\n';
  const [, source] = splitDocuments(text);
  const locate = fieldLocator(source!);
  assert.equal(locate(['spec', 'containers', 1]), { line: 7, column: 7 });
  assert.equal(locate(['spec', 'containers', 0, 'image']), { line: 6, column: 7 });
  assert.equal(locate(['spec', 'containers', 0, 'ports', 0]), { line: 5, column: 7 });
  assert.equal(locate([]), { line: 3, column: 1 });
  assert.is(formatFieldPath(['metadata', 'annotations', 'sidecar.istio.io/inject', 0]), 'metadata.annotations["sidecar.istio.io/inject"][0]');
});

test('manifest files under folders are found sorted; missing paths are reported, not thrown', async () => {
  const dir = temporaryDir('manifests-test-');
  mkdirSync(join(dir, 'b'));
  mkdirSync(join(dir, 'node_modules'));
  writeFileSync(join(dir, 'b', 'x.yml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n');
  writeFileSync(join(dir, 'a.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: y}\n');
  writeFileSync(join(dir, 'notes.txt'), 'not a manifest');
  writeFileSync(join(dir, 'node_modules', 'c.yaml'), 'kind: Ignored\n');
  const found = await findManifestFiles([dir, join(dir, 'missing.yaml')]);
  assert.equal(found.files, [join(dir, 'a.yaml'), join(dir, 'b', 'x.yml')]);
  assert.equal(found.unreadable, [{ path: join(dir, 'missing.yaml'), reason: 'no such file or directory' }]);
  const loaded = await loadManifests([dir]);
  assert.equal(loaded.map((m) => [m.file.slice(dir.length), m.line, m.object.kind]), [
    ['/a.yaml', 1, 'Namespace'], ['/a.yaml', 5, 'ConfigMap'], ['/b/x.yml', 1, 'ConfigMap'],
  ]);
});

test.after(removeTemporaryDirs);

test.run();
