import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Type } from '@sinclair/typebox';
import { ConfigError, baseConfigSchema, hostListVar, loadConfig, pemVar, urlVar } from '../src/config.ts';

const schema = Type.Object({
  ...baseConfigSchema(3002).properties,
  DATABASE_URL: urlVar(['postgres', 'postgresql']),
  KAFKA_BROKERS: hostListVar(),
  PAYMENT_FAILURE_RATE: Type.Number({ minimum: 0, maximum: 1, default: 0 }),
  JWT_PRIVATE_KEY: Type.Optional(pemVar('PRIVATE KEY')),
});
const valid = { DATABASE_URL: 'postgres://u:p@db:5432/x', KAFKA_BROKERS: 'kafka-svc:9092,other:9093' };

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(schema, env);
  } catch (error) {
    assert.instance(error, ConfigError);
    return (error as ConfigError).problems;
  }
  assert.unreachable('expected a ConfigError');
  return [];
}

test('defaults apply and numbers are converted from text', () => {
  const config = loadConfig(schema, { ...valid, PAYMENT_FAILURE_RATE: '0.25' });
  assert.is(config.PORT, 3002);
  assert.is(config.LOG_LEVEL, 'info');
  assert.is(config.SERVICE_VERSION, 'v1');
  assert.is(config.PAYMENT_FAILURE_RATE, 0.25);
  assert.is(loadConfig(schema, { ...valid, PORT: '8080' }).PORT, 8080);
});

test('a missing variable is named, an empty one counts as missing', () => {
  assert.equal(problemsOf({ KAFKA_BROKERS: 'k:9092' }), ['missing required environment variable DATABASE_URL']);
  assert.equal(problemsOf({ ...valid, DATABASE_URL: '' }), ['missing required environment variable DATABASE_URL']);
});

test('malformed variables are each named with what was expected', () => {
  const problems = problemsOf({
    DATABASE_URL: 'mysql://db/x',
    KAFKA_BROKERS: 'kafka-svc',
    PORT: 'eighty',
    PAYMENT_FAILURE_RATE: '1.5',
    SERVICE_VERSION: 'blue',
    LOG_LEVEL: 'loud',
  });
  for (const name of ['DATABASE_URL', 'KAFKA_BROKERS', 'PORT', 'PAYMENT_FAILURE_RATE', 'SERVICE_VERSION', 'LOG_LEVEL']) {
    assert.ok(problems.some((p) => p.includes(`variable ${name} is invalid`)), `${name} in ${problems.join(' | ')}`);
  }
  assert.ok(problems.some((p) => p.includes('expected a postgres or postgresql URL (got "mysql://db/x")')));
});

test('secret values are never echoed in the message', () => {
  const [problem] = problemsOf({ ...valid, JWT_PRIVATE_KEY: 'hunter2' });
  assert.ok(problem?.includes('JWT_PRIVATE_KEY'));
  assert.not.ok(problem?.includes('hunter2'));
});

test('variables the schema does not declare are ignored', () => {
  const config = loadConfig(schema, { ...valid, UNRELATED: 'x' }) as Record<string, unknown>;
  assert.is(config.UNRELATED, undefined);
});

test.run();
