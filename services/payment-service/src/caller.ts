// Who may charge: payment-service checks its caller itself, not only through the mesh policy
// (which a misconfigured namespace, a port-forward or a pod without a sidecar would bypass).
// A caller is accepted when it presents the token only order-service holds (from a Secret), or,
// inside the mesh, when the sidecar vouches for its identity: Envoy replaces any client-sent
// X-Forwarded-Client-Cert with the SPIFFE id of the mTLS peer it authenticated.
import { timingSafeEqual, createHash } from 'node:crypto';
import type { onRequestAsyncHookHandler } from 'fastify';
import { HttpError } from '@shopmesh/service-kit';

export const CALLER_TOKEN_HEADER = 'x-payment-caller-token';
const CLIENT_CERT_HEADER = 'x-forwarded-client-cert';

// Digests have one length whatever was sent, so the comparison takes the same time.
const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/** The SPIFFE ids (`URI=...`) in an X-Forwarded-Client-Cert header (one element per proxy hop). */
export function spiffeIdsOf(header: string): string[] {
  return [...header.matchAll(/(?:^|[;,])URI=([^;,]+)/g)].map((match) => match[1]!);
}

export function createCallerCheck(options: { token?: string; identity?: string }): onRequestAsyncHookHandler {
  const expected = options.token ? digest(options.token) : undefined;
  return async (request) => {
    const token = request.headers[CALLER_TOKEN_HEADER];
    if (expected && typeof token === 'string' && timingSafeEqual(digest(token), expected)) return;
    const certificate = request.headers[CLIENT_CERT_HEADER];
    if (options.identity && typeof certificate === 'string') {
      // The last element is the one our own sidecar added about its direct peer.
      if (spiffeIdsOf(certificate).at(-1) === options.identity) return;
    }
    throw new HttpError(403, 'caller_not_allowed', 'only order-service may charge or void');
  };
}
