// The Kubernetes CEL extension functions that CRD validation rules use and @marcbachmann/cel-js
// lacks: the URL library of the API server (isURL, url, getScheme, getHost, getHostname, getPort,
// getEscapedPath, getQuery). cel-js already has the standard functions, duration() and the
// strings extension (substring ...). URLs are parsed as Go's net/url ParseRequestURI does, which
// is what the API server calls: absolute URLs, or absolute paths.
import type { Environment } from '@marcbachmann/cel-js';

export class KubernetesUrl {
  constructor(
    readonly scheme: string,
    readonly host: string,
    readonly path: string,
    readonly query: string,
  ) {}
}

const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*$/;
// eslint-disable-next-line no-control-regex -- Go's url.Parse rejects control characters
const CONTROL = /[\x00-\x1f\x7f]/;

/** net/url.ParseRequestURI, to the extent rules can observe: undefined where Go returns an error. */
export function parseRequestUri(raw: string): KubernetesUrl | undefined {
  if (raw === '' || CONTROL.test(raw)) return undefined;
  let rest = raw;
  let scheme = '';
  const colon = raw.indexOf(':');
  if (!raw.startsWith('/')) {
    // Go's getScheme: letters first, then letters, digits, + - . up to the colon.
    if (colon <= 0 || !SCHEME.test(raw.slice(0, colon))) return undefined; // no scheme, not a path: "invalid URI for request"
    scheme = raw.slice(0, colon).toLowerCase();
    rest = raw.slice(colon + 1);
  }
  const hash = rest.indexOf('#');
  if (hash >= 0) rest = rest.slice(0, hash);
  const question = rest.indexOf('?');
  const query = question >= 0 ? rest.slice(question + 1) : '';
  if (question >= 0) rest = rest.slice(0, question);
  if (scheme !== '' && !rest.startsWith('/')) return new KubernetesUrl(scheme, '', '', query); // opaque, e.g. mailto:x
  let host = '';
  if (scheme !== '' && rest.startsWith('//')) {
    const end = rest.indexOf('/', 2);
    const authority = end === -1 ? rest.slice(2) : rest.slice(2, end);
    rest = end === -1 ? '' : rest.slice(end);
    host = authority.slice(authority.lastIndexOf('@') + 1);
    const port = /^(\[[^\]]*\]|[^:]*)(?::(.*))?$/.exec(host);
    if (!port || (port[2] !== undefined && !/^\d*$/.test(port[2]))) return undefined; // invalid port
  }
  return new KubernetesUrl(scheme, host, rest, query);
}

const hostname = (url: KubernetesUrl): string => {
  const bracketed = /^\[([^\]]*)\]/.exec(url.host);
  if (bracketed) return bracketed[1]!;
  const colon = url.host.lastIndexOf(':');
  return colon >= 0 ? url.host.slice(0, colon) : url.host;
};

const port = (url: KubernetesUrl): string => {
  const match = /:(\d*)$/.exec(url.host.replace(/^\[[^\]]*\]/, ''));
  return match?.[1] ?? '';
};

function urlOf(value: string): KubernetesUrl {
  const url = parseRequestUri(value);
  if (!url) throw new Error(`URL parse error during conversion from string: ${JSON.stringify(value)}`);
  return url;
}

/** The functions this module adds, by name, for reports. */
export const KUBERNETES_FUNCTIONS = ['isURL', 'url', 'getScheme', 'getHost', 'getHostname', 'getPort', 'getEscapedPath', 'getQuery'] as const;

export function addKubernetesLibrary(env: Environment): Environment {
  const method = (name: string, handler: (url: KubernetesUrl) => unknown, returnType = 'string'): void => {
    env.registerFunction({ name, receiverType: 'net.URL', returnType, handler, params: [] });
  };
  env.registerType('net.URL', KubernetesUrl);
  env.registerFunction('isURL(string): bool', (value: string) => parseRequestUri(value) !== undefined);
  env.registerFunction('url(string): net.URL', urlOf);
  method('getScheme', (url) => url.scheme);
  method('getHost', (url) => url.host);
  method('getHostname', hostname);
  method('getPort', port);
  method('getEscapedPath', (url) => url.path);
  method('getQuery', (url) => {
    const result = new Map<string, string[]>();
    for (const pair of url.query.split('&').filter(Boolean)) {
      const [key, value = ''] = pair.split('=', 2) as [string, string?];
      result.set(decodeURIComponent(key), [...(result.get(decodeURIComponent(key)) ?? []), decodeURIComponent(value)]);
    }
    return result;
  }, 'map<string, list<string>>');
  return env;
}
