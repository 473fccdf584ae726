// A minimal client of Prometheus's HTTP API: instant vector queries, with a timeout and
// errors that say what failed.

export interface VectorSample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export class PrometheusQueryError extends Error {}

interface ApiResponse {
  status?: string;
  errorType?: string;
  error?: string;
  data?: { resultType?: string; result?: { metric?: Record<string, string>; value?: [number, string] }[] };
}

export class PrometheusClient {
  constructor(
    private readonly baseUrl: string,
    private readonly timeoutMs = 5000,
  ) {}

  /** Evaluates an instant query at `timeSeconds`; the result must be a vector. */
  async queryVector(query: string, timeSeconds: number): Promise<VectorSample[]> {
    const url = new URL('api/v1/query', this.baseUrl.endsWith('/') ? this.baseUrl : `${this.baseUrl}/`);
    url.searchParams.set('query', query);
    url.searchParams.set('time', timeSeconds.toFixed(3));
    let response: Response;
    try {
      response = await fetch(url, { signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (error) {
      const reason = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
      throw new PrometheusQueryError(`Prometheus at ${this.baseUrl} unreachable: ${reason}`);
    }
    const text = await response.text();
    let body: ApiResponse;
    try {
      body = JSON.parse(text) as ApiResponse;
    } catch {
      throw new PrometheusQueryError(`Prometheus answered ${response.status} with a non-JSON body: ${text.slice(0, 200)}`);
    }
    if (!response.ok || body.status !== 'success') {
      throw new PrometheusQueryError(`Prometheus query failed (${response.status} ${body.errorType ?? ''}): ${body.error ?? text.slice(0, 200)}`);
    }
    if (body.data?.resultType !== 'vector') {
      throw new PrometheusQueryError(`expected a vector result, got ${body.data?.resultType ?? 'nothing'}`);
    }
    return (body.data.result ?? []).map((sample) => ({
      labels: sample.metric ?? {},
      value: Number(sample.value?.[1] ?? NaN),
    }));
  }
}
