import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DependencyUnavailableError, fieldOfValidationError, isConnectionError } from '../src/errors.ts';

test('the field of a validation error: missing, nested, unknown', () => {
  assert.is(fieldOfValidationError({ instancePath: '', params: { missingProperty: 'email' } }), 'email');
  assert.is(fieldOfValidationError({ instancePath: '/items/0/quantity' }), 'items.0.quantity');
  assert.is(fieldOfValidationError({ instancePath: '', params: { additionalProperty: 'admin' } }), 'admin');
  assert.is(fieldOfValidationError({ instancePath: '' }), undefined);
});

test('connection failures are recognised, through causes too; bugs are not', () => {
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
  assert.ok(isConnectionError(refused));
  assert.ok(isConnectionError(new Error('Connection terminated unexpectedly')));
  assert.ok(isConnectionError(Object.assign(new Error('terminating connection'), { code: '57P01' })));
  assert.ok(isConnectionError(new Error('query failed', { cause: refused })));
  assert.ok(isConnectionError(new AggregateError([refused], 'all failed')));
  assert.ok(isConnectionError(new DependencyUnavailableError('x')) === false, 'an HttpError is answered as itself');
  assert.not.ok(isConnectionError(new TypeError("Cannot read properties of undefined (reading 'id')")));
  assert.not.ok(isConnectionError(Object.assign(new Error('duplicate key'), { code: '23505' })));
  assert.not.ok(isConnectionError('ECONNREFUSED'));
});

test.run();
