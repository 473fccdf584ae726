// auth-service going away, as the other services see it: their guards keep verifying its tokens
// with the keys they last fetched. The real auth-service, cut off behind a TCP proxy.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { server } from '@shopmesh/testkit';
import { createAuthGuard } from '@shopmesh/service-kit';
import { startTcpProxy } from '@shopmesh/service-kit/testing';
import { startAuthService, type RunningAuthService } from './harness.ts';

const postgresUrl = server('POSTGRES_URL');
const outage = suite<{ auth: RunningAuthService }>('auth-service unreachable', {} as { auth: RunningAuthService });
const it = postgresUrl && server('REDIS_URL') ? outage : outage.skip;

outage.before(async (context) => {
  if (!postgresUrl) return;
  context.auth = await startAuthService(postgresUrl);
});
outage.after(async (context) => {
  await context.auth?.close();
});

const statusOf = (verifying: Promise<unknown>) => verifying.then(() => 200, (error: { statusCode?: number }) => error.statusCode ?? 0);

it('a service that fetched the keys goes on verifying tokens while auth-service is down; one that never did answers 503', async ({ auth }) => {
  const proxy = await startTcpProxy(auth.url);
  try {
    const jwksUrl = proxy.via(auth.jwksUrl);
    // Keys due for a refresh after 50 ms: every verification below the cut tries auth-service first.
    const running = createAuthGuard({ jwksUrl, refreshMs: 50, cooldownMs: 0 });
    const user = await auth.newUser();
    assert.is((await running.verify(user.accessToken)).id, user.id);
    await proxy.cut();
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.is((await running.verify(user.accessToken)).id, user.id, 'verified with the last keys');
    const another = await auth.newUser(); // auth-service itself is up: only the path to it is cut
    assert.is((await running.verify(another.accessToken)).email, another.email);
    const tampered = `${another.accessToken.slice(0, -4)}AAAA`;
    assert.is(await statusOf(running.verify(tampered)), 401, 'the last keys still refuse a bad signature');
    const started = createAuthGuard({ jwksUrl });
    assert.is(await statusOf(started.verify(user.accessToken)), 503, 'no keys ever fetched: cannot tell');
    await proxy.restore();
    assert.is((await started.verify(user.accessToken)).id, user.id, 'recovers when auth-service is back');
  } finally {
    await proxy.close();
  }
});

outage.run();
