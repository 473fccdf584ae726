// Request validation: bodies are checked as sent (a string is never coerced into a number);
// query strings, path parameters and headers are text by nature, so they are coerced.
import { Ajv, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifyInstance, FastifySchema } from 'fastify';

// ajv-formats is CommonJS; it sets both `module.exports` and `exports.default` to the plugin.
const addFormats = addFormatsModule.default;

function createAjv(options: Options): Ajv {
  const ajv = new Ajv({ removeAdditional: false, useDefaults: true, allErrors: false, strict: false, ...options });
  addFormats(ajv);
  return ajv;
}

export function installValidation(app: FastifyInstance): void {
  const forBodies = createAjv({ coerceTypes: false });
  const forText = createAjv({ coerceTypes: 'array' });
  app.setValidatorCompiler(({ schema, httpPart }: { schema: FastifySchema; httpPart?: string }) =>
    (httpPart === 'body' ? forBodies : forText).compile(schema as object),
  );
}
