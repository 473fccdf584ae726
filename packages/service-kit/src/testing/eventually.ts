// Polling for an effect that happens asynchronously (an event consumed, a dependency back up).

export interface EventuallyOptions {
  /** Give up after this long and rethrow the last failure (default 30 s). */
  timeoutMs?: number;
  /** Pause between two attempts (default 100 ms). */
  intervalMs?: number;
}

/**
 * Runs `check` until it stops throwing (typically an assertion) and returns its result; at the
 * deadline rethrows the last failure, so the test reports what was still wrong.
 */
export async function eventually<T>(check: () => Promise<T> | T, options: EventuallyOptions = {}): Promise<T> {
  const { timeoutMs = 30_000, intervalMs = 100 } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}
