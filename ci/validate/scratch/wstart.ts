import { Worker } from 'node:worker_threads';
const ENTRY = `const t0 = performance.now(); import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})
  .then((tsx) => { tsx.register(); const t1 = performance.now(); return import(${JSON.stringify(new URL('../worker.ts', import.meta.url).href)}).then(() => require('node:worker_threads').parentPort.postMessage({ tsx: t1 - t0, mods: performance.now() - t1 })); })`;
const t = performance.now();
const w = new Worker(ENTRY, { eval: true, execArgv: [] });
w.once('message', (m) => {
  console.log('loaded', m, 'since spawn', performance.now() - t);
  const t2 = performance.now();
  w.postMessage({ files: ['/tmp/bc2/copy-0000/app-manifests.yaml'], keepResources: false });
  w.once('message', () => { console.log('first batch (compiles/loads validators)', performance.now() - t2); void w.terminate(); });
});
