import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
const s = JSON.parse(readFileSync('/tmp/e2e-scratch/shop.json', 'utf8'));
let n = 0;
const inst = autocannon({ url: s.gateway, connections: 2, duration: 3, requests: [
  { method: 'PUT', setupRequest: (r: any, c: any) => { c.t = s.customers[n++ % 4]; return { ...r, path: `/cart/items/${s.products[0]}`, headers: { 'content-type': 'application/json', authorization: `Bearer ${c.t}` }, body: JSON.stringify({ quantity: 1 }) }; },
    onResponse: (st: number, body: string) => { if (Math.random() < 0.05) console.log('PUT', st, body.slice(0, 100)); } },
  { method: 'POST', setupRequest: (r: any, c: any) => ({ ...r, path: '/orders/', headers: { authorization: `Bearer ${c.t}`, 'idempotency-key': randomUUID() } }),
    onResponse: (st: number, body: string) => { console.log('POST', st, body.slice(0, 100)); } },
]}, (e, r) => console.log(e, r?.['2xx'], r?.non2xx, r?.statusCodeStats));
inst.on('response', (_c: any, st: number, _b: number, t: number) => { if (st !== 200) console.log('resp', st, t); });
