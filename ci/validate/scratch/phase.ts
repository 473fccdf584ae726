const t0 = performance.now();
const { findManifestFiles } = await import('../../lib/manifests.ts');
const { checkFiles } = await import('../check-files.ts');
const t1 = performance.now();
const found = await findManifestFiles(['/tmp/bc']);
const t2 = performance.now();
const r = checkFiles(found.files, false);
const t3 = performance.now();
console.log('import', (t1 - t0).toFixed(0), 'find', (t2 - t1).toFixed(0), 'check', (t3 - t2).toFixed(0), r.resourceCount, r.findings.length);
