// The auth guard: tokens signed like auth-service signs them, keys fetched over real HTTP.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Type } from '@sinclair/typebox';
import { SignJWT, calculateJwkThumbprint, exportJWK } from 'jose';
import { TOKEN_AUDIENCE, TOKEN_ISSUER, createAuthGuard, currentUser } from '../src/auth.ts';
import { buildService, defineService, type App } from '../src/service.ts';

const newKey = (): { privateKey: KeyObject; publicKey: KeyObject } => generateKeyPairSync('rsa', { modulusLength: 2048 });
const signing = newKey();
const impostor = newKey();
let kid: string;
let jwksServer: Server;
let app: App;

async function token(
  claims: Record<string, unknown>,
  options: { key?: KeyObject; expiresIn?: string; issuer?: string; audience?: string; sub?: string } = {},
): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid, typ: 'at+jwt' })
    .setSubject(options.sub ?? 'user-1')
    .setIssuer(options.issuer ?? TOKEN_ISSUER)
    .setAudience(options.audience ?? TOKEN_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '5m')
    .sign(options.key ?? signing.privateKey);
}

test.before(async () => {
  const jwk = await exportJWK(signing.publicKey);
  kid = await calculateJwkThumbprint(jwk);
  jwksServer = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ keys: [{ ...jwk, kid, alg: 'RS256', use: 'sig' }] }));
  });
  await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
  const jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/.well-known/jwks.json`;
  ({ app } = await buildService(
    defineService({
      name: 'guarded',
      port: 3997,
      config: Type.Object({}),
      setup({ app }) {
        const guard = createAuthGuard({ jwksUrl });
        const offline = createAuthGuard({ jwksUrl: 'http://127.0.0.1:1/.well-known/jwks.json' });
        app.get('/mine', { onRequest: guard.user }, async (request) => currentUser(request));
        app.get('/admin', { onRequest: guard.admin }, async (request) => currentUser(request));
        app.get('/offline', { onRequest: offline.user }, async () => ({}));
        app.post(
          '/notes',
          { onRequest: guard.user, schema: { body: Type.Object({ text: Type.String() }, { additionalProperties: false }) } },
          async (request) => ({ by: currentUser(request).id, text: request.body.text }),
        );
      },
    }),
    { env: { LOG_LEVEL: 'silent' } },
  ));
});
test.after(async () => {
  await app.close();
  jwksServer.close();
});

const call = async (url: string, bearer?: string) => {
  const response = await app.inject({ url, headers: bearer === undefined ? {} : { authorization: `Bearer ${bearer}` } });
  return { status: response.statusCode, body: response.json() };
};

test('a valid token: the user is known to the handler', async () => {
  const answer = await call('/mine', await token({ email: 'a@b.c', role: 'user' }));
  assert.equal(answer, { status: 200, body: { id: 'user-1', email: 'a@b.c', role: 'user' } });
});

test('no token, a malformed header, garbage: 401', async () => {
  assert.is((await call('/mine')).status, 401);
  const basic = await app.inject({ url: '/mine', headers: { authorization: 'Basic abc' } });
  assert.is(basic.statusCode, 401);
  const garbage = await call('/mine', 'not.a.jwt');
  assert.equal(garbage.status, 401);
  assert.is(garbage.body.error.code, 'invalid_token');
});

test('expired, wrongly signed, wrong issuer or audience, missing claims: 401', async () => {
  const claims = { email: 'a@b.c', role: 'user' };
  const expired = await call('/mine', await token(claims, { expiresIn: '-1m' }));
  assert.equal([expired.status, expired.body.error.code], [401, 'token_expired']);
  for (const bad of [
    await token(claims, { key: impostor.privateKey }),
    await token(claims, { issuer: 'someone-else' }),
    await token(claims, { audience: 'another-app' }),
    await token({ email: 'a@b.c', role: 'superuser' }),
    await token({ role: 'user' }),
  ]) {
    const answer = await call('/mine', bad);
    assert.equal([answer.status, answer.body.error.code], [401, 'invalid_token']);
  }
});

test('roles: a user on an admin route is 403, an admin passes', async () => {
  const asUser = await call('/admin', await token({ email: 'a@b.c', role: 'user' }));
  assert.equal([asUser.status, asUser.body.error.code], [403, 'forbidden']);
  const asAdmin = await call('/admin', await token({ email: 'root@b.c', role: 'admin' }, { sub: 'admin-1' }));
  assert.equal(asAdmin, { status: 200, body: { id: 'admin-1', email: 'root@b.c', role: 'admin' } });
});

test('as onRequest hooks, guards answer before validation: no token with a bad body is a 401, not a 400', async () => {
  const post = async (payload: unknown, bearer?: string) => {
    const response = await app.inject({
      method: 'POST',
      url: '/notes',
      payload: payload as object,
      headers: bearer === undefined ? {} : { authorization: `Bearer ${bearer}` },
    });
    return { status: response.statusCode, body: response.json() };
  };
  assert.is((await post({ text: 42, extra: true })).status, 401);
  const valid = await token({ email: 'a@b.c', role: 'user' });
  assert.equal((await post({ text: 42 }, valid)).body.error.code, 'validation_failed');
  assert.equal(await post({ text: 'hi' }, valid), { status: 200, body: { by: 'user-1', text: 'hi' } });
});

test('an unreachable key server is a 503, not a 401', async () => {
  const answer = await call('/offline', await token({ email: 'a@b.c', role: 'user' }));
  assert.equal([answer.status, answer.body.error.code], [503, 'dependency_unavailable']);
});

/** A key server over real HTTP that can be stopped and started again with other keys. */
async function keyServer(publicKeys: KeyObject[]) {
  const jwks = { keys: await Promise.all(publicKeys.map(async (key) => {
    const jwk = await exportJWK(key);
    return { ...jwk, kid: await calculateJwkThumbprint(jwk), alg: 'RS256', use: 'sig' };
  })) };
  let fetches = 0;
  const server = createServer((_request, response) => {
    fetches++;
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(jwks));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    port,
    fetches: () => fetches,
    stop: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

test('auth-service unreachable: tokens still verify with the last keys fetched; a token with an unknown key is a 503, not a 401', async () => {
  const keys = await keyServer([signing.publicKey]);
  const guard = createAuthGuard({ jwksUrl: keys.url, refreshMs: 50, cooldownMs: 0 });
  const valid = await token({ email: 'a@b.c', role: 'user' });
  assert.is((await guard.verify(valid)).id, 'user-1');
  await keys.stop();
  await new Promise((resolve) => setTimeout(resolve, 100)); // the keys are now due for a refresh
  assert.is((await guard.verify(valid)).id, 'user-1', 'verified with the last keys');
  assert.is((await guard.verify(valid)).id, 'user-1');
  const rotated = newKey();
  const unknownKid = await new SignJWT({ email: 'a@b.c', role: 'user' })
    .setProtectedHeader({ alg: 'RS256', kid: 'rotated-key', typ: 'at+jwt' })
    .setSubject('user-1').setIssuer(TOKEN_ISSUER).setAudience(TOKEN_AUDIENCE).setExpirationTime('5m')
    .sign(rotated.privateKey);
  const during = await guard.verify(unknownKid).then(() => 200, (error: { statusCode: number }) => error.statusCode);
  assert.is(during, 503, 'cannot tell without the key server');
  const forged = await guard.verify(await token({ email: 'a@b.c', role: 'admin' }, { key: impostor.privateKey })).then(
    () => 200,
    (error: { statusCode: number }) => error.statusCode,
  );
  assert.is(forged, 401, 'a token the last keys reject is still refused');
});

test('a token signed with a new key (rotation) makes the guard fetch the keys again', async () => {
  const rotated = newKey();
  const first = await keyServer([signing.publicKey]);
  const guard = createAuthGuard({ jwksUrl: first.url, refreshMs: 60_000, cooldownMs: 0 });
  assert.is((await guard.verify(await token({ email: 'a@b.c', role: 'user' }))).id, 'user-1');
  await first.stop();
  // auth-service back on the same address with a second key.
  const jwk = await exportJWK(rotated.publicKey);
  const rotatedKid = await calculateJwkThumbprint(jwk);
  const second = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ keys: [{ ...jwk, kid: rotatedKid, alg: 'RS256', use: 'sig' }] }));
  });
  await new Promise<void>((resolve) => second.listen(first.port, '127.0.0.1', resolve));
  try {
    const signedWithNew = await new SignJWT({ email: 'n@b.c', role: 'user' })
      .setProtectedHeader({ alg: 'RS256', kid: rotatedKid, typ: 'at+jwt' })
      .setSubject('user-2').setIssuer(TOKEN_ISSUER).setAudience(TOKEN_AUDIENCE).setExpirationTime('5m')
      .sign(rotated.privateKey);
    assert.is((await guard.verify(signedWithNew)).id, 'user-2');
  } finally {
    second.close();
  }
});

test.run();
