import type { PipelinePolicy } from '@azure/core-rest-pipeline';

export const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Seconds (or an HTTP date) of a Retry-After header, in ms; undefined when absent or unreadable. */
export function retryAfterMs(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

/**
 * Retries a request ARM throttled (429), after the Retry-After it names (default 10 s), up to
 * `maxRetries` times; then hands the 429 on (armCall makes it a retryable ArmRequestFailed).
 * It sits inside the SDK's retry policy and answers 429s before it sees them, so the wait is
 * `sleep`, injectable: tests prove the delay honoured without waiting for it.
 */
export function armThrottlePolicy(options: { sleep: (ms: number) => Promise<void>; maxRetries?: number }): PipelinePolicy {
  const maxRetries = options.maxRetries ?? 5;
  return {
    name: 'armThrottlePolicy',
    async sendRequest(request, next) {
      let response = await next(request);
      for (let attempt = 0; response.status === 429 && attempt < maxRetries; attempt++) {
        await options.sleep(retryAfterMs(response.headers.get('retry-after')) ?? 10_000);
        response = await next(request);
      }
      return response;
    },
  };
}
