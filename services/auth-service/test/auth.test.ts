// auth-service's routes against the test environment's real PostgreSQL.
import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import pg from 'pg';
import { SignJWT, createLocalJWKSet, jwtVerify } from 'jose';
import { server } from '@shopmesh/testkit';
import { TOKEN_AUDIENCE, TOKEN_ISSUER } from '@shopmesh/service-kit';
import { callJson } from '@shopmesh/service-kit/testing';
import { newPrivateKeyPem, startAuthService, type RunningAuthService } from './harness.ts';

const postgresUrl = server('POSTGRES_URL');
const privateKeyPem = newPrivateKeyPem();

interface Context {
  auth: RunningAuthService;
}
const auth = suite<Context>('auth-service', {} as Context);
const it = postgresUrl ? auth : auth.skip;

auth.before(async (context) => {
  if (!postgresUrl) return;
  context.auth = await startAuthService(postgresUrl, { JWT_PRIVATE_KEY: privateKeyPem, LOGIN_RATE_LIMIT_PER_MINUTE: '1000' });
});
auth.after(async (context) => {
  await context.auth?.close();
});

async function databaseRows<T extends pg.QueryResultRow>(url: string, text: string, values: unknown[]): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

it('register → 201 {id, email, name}; the same e-mail in another case → 409 on field email', async ({ auth }) => {
  const email = `Mixed.Case-${Date.now()}@Shop.Test`;
  const created = await callJson(auth.url, 'POST', '/register', { body: { email, password: 'long enough 1', name: 'Ada' } });
  assert.is(created.status, 201);
  assert.equal(Object.keys(created.body).sort(), ['email', 'id', 'name']);
  assert.is(created.body.email, email.toLowerCase());
  const again = await callJson(auth.url, 'POST', '/register', {
    body: { email: email.toUpperCase(), password: 'other password', name: 'Eve' },
  });
  assert.is(again.status, 409);
  assert.equal(again.body.error.code, 'email_taken');
  assert.equal(again.body.error.field, 'email');
});

it('login → tokens; /me answers who the token belongs to; wrong password or e-mail → 401', async ({ auth }) => {
  const user = await auth.newUser();
  const me = await callJson(auth.url, 'GET', '/me', { token: user.accessToken });
  assert.equal([me.status, me.body], [200, { id: user.id, email: user.email, name: 'Test User', role: 'user' }]);
  const wrongPassword = await callJson(auth.url, 'POST', '/login', { body: { email: user.email, password: 'not the one' } });
  const unknown = await callJson(auth.url, 'POST', '/login', { body: { email: 'nobody@shop.test', password: 'whatever' } });
  for (const answer of [wrongPassword, unknown]) {
    assert.is(answer.status, 401);
    assert.equal(answer.body.error.code, 'invalid_credentials');
  }
  const login = await callJson(auth.url, 'POST', '/login', { body: { email: user.email, password: user.password } });
  assert.is(login.body.expiresIn, 900);
});

it('the admin from ADMIN_EMAIL/ADMIN_PASSWORD exists with role admin', async ({ auth }) => {
  const me = await callJson(auth.url, 'GET', '/me', { token: await auth.adminToken() });
  assert.is(me.status, 200);
  assert.is(me.body.role, 'admin');
  assert.is(me.body.email, auth.admin.email);
});

it('refresh rotates: the new pair works; a made-up token is refused', async ({ auth }) => {
  const user = await auth.newUser();
  const refreshed = await callJson(auth.url, 'POST', '/refresh', { body: { refreshToken: user.refreshToken } });
  assert.is(refreshed.status, 200);
  assert.is.not(refreshed.body.refreshToken, user.refreshToken);
  assert.is((await callJson(auth.url, 'GET', '/me', { token: refreshed.body.accessToken })).body.id, user.id);
  const forged = await callJson(auth.url, 'POST', '/refresh', { body: { refreshToken: 'made-up' } });
  assert.equal([forged.status, forged.body.error.code], [401, 'invalid_refresh_token']);
  assert.is((await callJson(auth.url, 'POST', '/refresh', { body: { refreshToken: refreshed.body.refreshToken } })).status, 200);
});

it('a reused refresh token revokes its whole family; another sign-in of the same user is untouched', async ({ auth }) => {
  const user = await auth.newUser();
  const otherSignIn = await callJson(auth.url, 'POST', '/login', { body: { email: user.email, password: user.password } });
  const first = await callJson(auth.url, 'POST', '/refresh', { body: { refreshToken: user.refreshToken } });
  const second = await callJson(auth.url, 'POST', '/refresh', { body: { refreshToken: first.body.refreshToken } });
  assert.equal([first.status, second.status], [200, 200]);
  // The first token again (a stolen copy, or the owner's stale one): the family is revoked...
  const reused = await callJson(auth.url, 'POST', '/refresh', { body: { refreshToken: user.refreshToken } });
  assert.equal([reused.status, reused.body.error.code], [401, 'refresh_token_reused']);
  // ...so the newest token of that family, never used, no longer works either.
  const latest = await callJson(auth.url, 'POST', '/refresh', { body: { refreshToken: second.body.refreshToken } });
  assert.equal([latest.status, latest.body.error.code], [401, 'refresh_token_reused']);
  const other = await callJson(auth.url, 'POST', '/refresh', { body: { refreshToken: otherSignIn.body.refreshToken } });
  assert.is(other.status, 200, 'a family of its own');
});

it('stored secrets: argon2id password hashes, refresh tokens only as digests', async ({ auth }) => {
  const user = await auth.newUser();
  const databaseUrl = auth.databaseUrl;
  const [account] = await databaseRows<{ password_hash: string }>(databaseUrl, 'select password_hash from users where id = $1', [user.id]);
  assert.match(account!.password_hash, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  const tokens = await databaseRows<{ token_hash: string }>(databaseUrl, 'select token_hash from refresh_tokens where user_id = $1', [user.id]);
  assert.is(tokens.length, 1);
  assert.match(tokens[0]!.token_hash, /^[0-9a-f]{64}$/);
  assert.is.not(tokens[0]!.token_hash, user.refreshToken);
});

it('JWKS: the public key verifies the access tokens, and holds no private part', async ({ auth }) => {
  const jwks = await callJson(auth.url, 'GET', '/.well-known/jwks.json');
  assert.is(jwks.status, 200);
  const [key] = jwks.body.keys;
  assert.equal([key.kty, key.alg, key.use, typeof key.kid], ['RSA', 'RS256', 'sig', 'string']);
  for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi']) assert.is(key[secret], undefined);
  const user = await auth.newUser();
  const { payload, protectedHeader } = await jwtVerify(user.accessToken, createLocalJWKSet(jwks.body as never), {
    issuer: TOKEN_ISSUER,
    audience: TOKEN_AUDIENCE,
  });
  assert.equal([payload.sub, payload.role, protectedHeader.alg], [user.id, 'user', 'RS256']);
});

it('bad tokens on /me: none, expired, signed by another key, tampered → 401', async ({ auth }) => {
  const user = await auth.newUser();
  const signed = (key: KeyObject, expiresIn: string) =>
    new SignJWT({ email: user.email, role: 'admin' })
      .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt' })
      .setSubject(user.id)
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .setExpirationTime(expiresIn)
      .sign(key);
  const none = await callJson(auth.url, 'GET', '/me');
  const expired = await callJson(auth.url, 'GET', '/me', { token: await signed(createPrivateKey(privateKeyPem), '-10s') });
  const foreign = await callJson(auth.url, 'GET', '/me', {
    token: await signed(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey, '5m'),
  });
  const [header, , signature] = user.accessToken.split('.');
  const elevated = Buffer.from(JSON.stringify({ sub: user.id, email: user.email, role: 'admin' })).toString('base64url');
  const tampered = await callJson(auth.url, 'GET', '/me', { token: `${header}.${elevated}.${signature}` });
  assert.equal([none.status, none.body.error.code], [401, 'unauthorized']);
  assert.equal([expired.status, expired.body.error.code], [401, 'token_expired']);
  assert.equal([foreign.status, foreign.body.error.code], [401, 'invalid_token']);
  assert.equal([tampered.status, tampered.body.error.code], [401, 'invalid_token']);
});

const invalidBodies: Array<[string, string, unknown, string]> = [
  ['register: e-mail of the wrong type', '/register', { email: 5, password: 'long enough', name: 'A' }, 'email'],
  ['register: not an e-mail', '/register', { email: 'nope', password: 'long enough', name: 'A' }, 'email'],
  ['register: missing name', '/register', { email: 'a@b.co', password: 'long enough' }, 'name'],
  ['register: short password', '/register', { email: 'a@b.co', password: 'short', name: 'A' }, 'password'],
  ['register: oversized password', '/register', { email: 'a@b.co', password: 'p'.repeat(129), name: 'A' }, 'password'],
  ['register: oversized name', '/register', { email: 'a@b.co', password: 'long enough', name: 'n'.repeat(101) }, 'name'],
  ['register: an extra field', '/register', { email: 'a@b.co', password: 'long enough', name: 'A', role: 'admin' }, 'role'],
  ['login: missing password', '/login', { email: 'a@b.co' }, 'password'],
  ['login: password of the wrong type', '/login', { email: 'a@b.co', password: 12345678 }, 'password'],
  ['refresh: missing token', '/refresh', {}, 'refreshToken'],
  ['refresh: token of the wrong type', '/refresh', { refreshToken: ['x'] }, 'refreshToken'],
];
for (const [name, path, body, field] of invalidBodies) {
  it(`400 naming the field — ${name}`, async ({ auth }) => {
    const answer = await callJson(auth.url, 'POST', path, { body });
    assert.is(answer.status, 400);
    assert.equal([answer.body.error.code, answer.body.error.field], ['validation_failed', field]);
  });
}

it('an oversized body is a 413 and a malformed one a 400, never a 500', async ({ auth }) => {
  const huge = await callJson(auth.url, 'POST', '/register', { body: { email: 'a@b.co', password: 'x'.repeat(70_000), name: 'A' } });
  assert.equal([huge.status, huge.body.error.code], [413, 'payload_too_large']);
  const broken = await callJson(auth.url, 'POST', '/login', { raw: '{"email": "a@b.co",' });
  assert.equal([broken.status, broken.body.error.code], [400, 'invalid_json']);
});

auth.run();
