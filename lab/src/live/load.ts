// The load generator: an open loop, as the simulator's arrivals are. Each request is sent at its
// arrival time whether or not earlier ones have been answered; its latency, status and the
// workload that answered (the gateway's x-shopmesh-upstream) are recorded.

export interface RequestOutcome {
  /** Seconds from the start of the run at which the request was sent. */
  readonly atSeconds: number;
  readonly latencyMs: number;
  /** HTTP status; 0 when no answer came (refused, reset, timed out). */
  readonly status: number;
  /** The workload that answered, as the gateway names it (product-service-v2). */
  readonly workload: string | undefined;
}

export interface LoadOptions {
  /** Full URL each request GETs. */
  readonly url: string;
  /** Seconds from start, in order. */
  readonly times: readonly number[];
  /** performance.now() of the run's start. */
  readonly startMs: number;
  /** A request without an answer by then counts as failed. */
  readonly timeoutMs?: number;
}

export const isFailure = (outcome: RequestOutcome): boolean => outcome.status === 0 || outcome.status >= 400;

async function send(url: string, atSeconds: number, timeoutMs: number): Promise<RequestOutcome> {
  const started = performance.now();
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await response.arrayBuffer();
    return { atSeconds, latencyMs: performance.now() - started, status: response.status, workload: response.headers.get('x-shopmesh-upstream') ?? undefined };
  } catch {
    return { atSeconds, latencyMs: performance.now() - started, status: 0, workload: undefined };
  }
}

/** Sends every request at its time; resolves once all are answered (or timed out). */
export async function playLoad(options: LoadOptions): Promise<RequestOutcome[]> {
  const { url, times, startMs, timeoutMs = 30_000 } = options;
  const pending: Promise<RequestOutcome>[] = [];
  let next = 0;
  await new Promise<void>((resolve) => {
    const fire = (): void => {
      const elapsed = (performance.now() - startMs) / 1000;
      while (next < times.length && (times[next] as number) <= elapsed) {
        pending.push(send(url, times[next] as number, timeoutMs));
        next++;
      }
      if (next >= times.length) return resolve();
      setTimeout(fire, Math.max(0, ((times[next] as number) - (performance.now() - startMs) / 1000) * 1000));
    };
    fire();
  });
  return Promise.all(pending);
}
