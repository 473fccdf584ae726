// The calls services make to one another, read from their code (services/*/src and the service
// kit): every method call on a client of `createHttpClient({ name })`, and every bare `fetch` (which
// must be a GET: its address comes from a `*_URL` setting, so only its method can be checked here).
// Code this reader cannot classify throws naming file and line, so a new kind of call is never
// silently left out of the checks built on it.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

export interface ServiceCall {
  /** `services/order-service/src/payments.ts:53`. */
  at: string;
  /** The `name` given to createHttpClient: the called service (`payment-service`); undefined for a bare fetch. */
  peer: string | undefined;
  method: string;
  /** The path when the code spells it (`${...}` parts become `x`), else undefined. */
  path: string | undefined;
}

/** The HttpClient methods (packages/service-kit/src/http-client.ts) and the HTTP method each sends. */
const CLIENT_METHODS: Record<string, { method?: string; path?: string }> = {
  get: { method: 'GET' },
  post: { method: 'POST' },
  check: { method: 'GET', path: '/healthz' },
  request: {},
};

/** The client's own implementation, whose `fetch` is every client's. */
const HTTP_CLIENT_SOURCE = join('packages', 'service-kit', 'src', 'http-client.ts');

function sourceFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...sourceFiles(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) found.push(path);
  }
  return found;
}

/** The kit's helpers for tests (`testing.ts`, `testing-docker.ts`, `testing/`): no service runs them. */
const isTestHelper = (file: string): boolean => /[/\\]service-kit[/\\]src[/\\]testing(?:[/\\.-])/.test(file);

/** The source folders of every service (a folder of services/ with a Dockerfile) and of the kit. */
export function serviceSourceDirs(root: string): string[] {
  const services = readdirSync(join(root, 'services'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && readdirSync(join(root, 'services', entry.name)).includes('Dockerfile'))
    .map((entry) => join(root, 'services', entry.name, 'src'));
  return [...services, join(root, 'packages', 'service-kit', 'src')];
}

/** Text of a string literal or a template (its `${...}` parts as `x`); undefined for anything else. */
function literalPath(node: ts.Expression | undefined): string | undefined {
  if (!node) return undefined;
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isTemplateExpression(node)) return node.head.text + node.templateSpans.map((span) => `x${span.literal.text}`).join('');
  return undefined;
}

function stringProperty(object: ts.ObjectLiteralExpression, name: string): ts.Expression | undefined {
  for (const property of object.properties) {
    if (ts.isPropertyAssignment(property) && ts.isIdentifier(property.name) && property.name.text === name) return property.initializer;
  }
  return undefined;
}

export function callsInFile(root: string, file: string): ServiceCall[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const where = (node: ts.Node): string => `${relative(root, file)}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
  const fail = (node: ts.Node, what: string): never => {
    throw new Error(`${where(node)}: ${what}`);
  };
  // Variables holding a client, by name: the service each calls.
  const clients = new Map<string, string>();
  const visitClients = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'createHttpClient') {
      const options = node.arguments[0];
      const name = options && ts.isObjectLiteralExpression(options) ? literalPath(stringProperty(options, 'name')) : undefined;
      if (name === undefined) fail(node, 'createHttpClient without a literal name: the called service cannot be told');
      if (!ts.isVariableDeclaration(node.parent) || !ts.isIdentifier(node.parent.name)) fail(node, 'a client not held in a variable of its own');
      const variable = (node.parent as ts.VariableDeclaration).name as ts.Identifier;
      const earlier = clients.get(variable.text);
      if (earlier !== undefined && earlier !== name) fail(node, `two clients named ${variable.text} in one file (${earlier}, ${name})`);
      clients.set(variable.text, name!);
    }
    ts.forEachChild(node, visitClients);
  };
  visitClients(source);

  const calls: ServiceCall[] = [];
  const bareFetches = !file.endsWith(HTTP_CLIENT_SOURCE);
  const visitCalls = (node: ts.Node): void => {
    if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression) && clients.has(node.expression.text)) {
      const peer = clients.get(node.expression.text)!;
      const kind = CLIENT_METHODS[node.name.text];
      if (!kind) fail(node, `${node.expression.text}.${node.name.text}: not an HttpClient method this reader knows`);
      const call = ts.isCallExpression(node.parent) && node.parent.expression === node ? node.parent : undefined;
      if (kind!.method !== undefined) {
        calls.push({ at: where(node), peer, method: kind!.method, path: kind!.path ?? literalPath(call?.arguments[0]) });
      } else {
        const method = literalPath(call?.arguments[0]);
        if (method === undefined) fail(node, `${node.expression.text}.request without a literal method`);
        calls.push({ at: where(node), peer, method: method!.toUpperCase(), path: literalPath(call?.arguments[1]) });
      }
    }
    if (bareFetches && ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'fetch') {
      const options = node.arguments[1];
      const method = options && ts.isObjectLiteralExpression(options) ? stringProperty(options, 'method') : undefined;
      if (method !== undefined && literalPath(method)?.toUpperCase() !== 'GET') {
        fail(node, 'a bare fetch that is not a GET: call other services through createHttpClient, whose method and service the mesh checks read');
      }
      calls.push({ at: where(node), peer: undefined, method: 'GET', path: undefined });
    }
    ts.forEachChild(node, visitCalls);
  };
  visitCalls(source);
  return calls;
}

/** Every call between services the code makes. */
export function serviceCalls(root: string): ServiceCall[] {
  return serviceSourceDirs(root)
    .flatMap((dir) => sourceFiles(dir))
    .filter((file) => !isTestHelper(file))
    .flatMap((file) => callsInFile(root, file));
}
