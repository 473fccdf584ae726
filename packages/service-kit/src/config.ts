// Configuration from environment variables, validated once at start-up against a TypeBox schema.
import { Type, type Static, type TObject, type TProperties } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/** A start-up configuration problem; its message names every variable at fault. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

/** Variables every service reads. PORT's default is the service's own port. */
export const baseConfigSchema = (defaultPort: number) =>
  Type.Object({
    PORT: Type.Integer({ minimum: 1, maximum: 65535, default: defaultPort }),
    HOST: Type.String({ minLength: 1, default: '0.0.0.0' }),
    LOG_LEVEL: Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)),
      { default: 'info' },
    ),
    SERVICE_VERSION: Type.String({ pattern: '^v[0-9]+$', default: 'v1' }),
    // How many proxies in front of the service add themselves to X-Forwarded-For and are trusted:
    // 1 = the ingress gateway in the cluster (the sidecar does not append), the gateway of the
    // inner loop. The client address (`request.ip`) is the entry that many hops from the end;
    // anything a client writes before it is ignored. 0 trusts no header (the socket's peer).
    TRUSTED_PROXY_HOPS: Type.Integer({ minimum: 0, maximum: 10, default: 1 }),
    // Experiments only (fault.ts): a JSON file of slots, queue, delay and error shares, re-read
    // when it changes. Unset in every manifest: no fault.
    FAULT_FILE: Type.Optional(Type.String({ minLength: 1, description: 'a path to a fault setting (JSON)' })),
  });

export type BaseConfig = Static<ReturnType<typeof baseConfigSchema>>;

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A URL variable restricted to some schemes, e.g. `urlVar(['postgres', 'postgresql'])`. */
export const urlVar = (schemes: string[], options: { default?: string } = {}) =>
  Type.String({
    pattern: `^(${schemes.map(escapeRegExp).join('|')})://[^\\s]+$`,
    description: `a ${schemes.join(' or ')} URL`,
    ...options,
  });

/** A comma-separated list of host:port, e.g. KAFKA_BROKERS. */
export const hostListVar = () =>
  Type.String({ pattern: '^[^\\s,:]+:[0-9]+(,[^\\s,:]+:[0-9]+)*$', description: 'host:port[,host:port...]' });

/**
 * A Kafka topic name defaulting to the contract's (`topicVar(TOPICS.orderEvents)`), overridable
 * so tests can give a service topics of their own.
 */
export const topicVar = (topic: string) =>
  Type.String({ minLength: 1, default: topic, description: 'a Kafka topic name' });

/** A PEM block of the given label (PRIVATE KEY, CERTIFICATE...). */
export const pemVar = (label: string) =>
  Type.String({ pattern: `-----BEGIN ${label}-----`, description: `a PEM ${label}` });

function describeProblem(name: string, schema: TProperties[string] | undefined, raw: string | undefined): string {
  if (raw === undefined) return `missing required environment variable ${name}`;
  const expected = schema?.description ?? schema?.type ?? 'a valid value';
  const shown = raw.length > 40 || /KEY|PASSWORD|SECRET/.test(name) ? '' : ` (got "${raw}")`;
  return `environment variable ${name} is invalid: expected ${expected}${shown}`;
}

/**
 * Reads the variables `schema` declares from `env`, applies defaults and converts numbers and
 * booleans. Throws a ConfigError that names every missing or malformed variable.
 */
export function loadConfig<T extends TObject>(schema: T, env: NodeJS.ProcessEnv = process.env): Static<T> {
  const raw: Record<string, string> = {};
  for (const name of Object.keys(schema.properties)) {
    const value = env[name];
    if (value !== undefined && value !== '') raw[name] = value;
  }
  const converted = Value.Convert(schema, Value.Default(schema, { ...raw }));
  const problems = new Map<string, string>();
  for (const error of Value.Errors(schema, converted)) {
    const name = error.path.split('/')[1];
    if (!name || problems.has(name)) continue;
    problems.set(name, describeProblem(name, schema.properties[name], raw[name]));
  }
  if (problems.size > 0) throw new ConfigError([...problems.values()]);
  return converted as Static<T>;
}
