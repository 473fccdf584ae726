import Fastify from 'fastify';
const app = Fastify({ logger: false });
const body = JSON.stringify({ id: 'x', name: 'Bench product', description: 'A thing', price: 1234, category: 'home', stock: 100 });
app.get('/:id', (req, reply) => reply.type('application/json; charset=utf-8').send(body));
await app.listen({ port: 39903, host: '127.0.0.1' });
