import { createServer } from 'node:http';
import autocannon from 'autocannon';
const seen: string[] = [];
const srv = createServer((req, res) => { seen.push(`${req.method} ${req.url}`); req.resume(); req.on('end', () => res.end('ok')); }).listen(0, async () => {
  const port = (srv.address() as any).port;
  await autocannon({ url: `http://127.0.0.1:${port}`, connections: 1, amount: 6, requests: [
    { method: 'PUT', setupRequest: (r: any) => ({ ...r, path: '/a', body: '{}', headers: { 'content-type': 'application/json' } }) },
    { method: 'POST', setupRequest: (r: any) => ({ ...r, path: '/b', headers: { authorization: 'x' } }), onResponse: () => {} },
  ]});
  console.log(seen);
  await autocannon({ url: `http://127.0.0.1:${port}`, connections: 1, amount: 6, requests: [
    { method: 'PUT', path: '/a', body: '{}' },
    { method: 'POST', setupRequest: (r: any) => ({ ...r, path: '/b', headers: { authorization: 'x' } }), onResponse: () => {} },
  ]});
  console.log(seen.slice(6)); srv.close();
});
