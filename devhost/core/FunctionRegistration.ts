/** One binding of a registered function, as the programming model describes it. */
export interface BindingDefinition {
  type: string;
  direction?: 'in' | 'out' | 'inout';
  [property: string]: unknown;
}

/** Retry policy of a registration (`retry` in app.* options). */
export interface RetryOptions {
  strategy: 'fixedDelay' | 'exponentialBackoff';
  maxRetryCount: number;
  delayInterval?: unknown;
  minimumInterval?: unknown;
  maximumInterval?: unknown;
}

/**
 * A function the app registered through `@azure/functions-core`. Binding names are the keys
 * of `bindings` (the library hashes them); `trigger` is the one binding whose type ends in
 * "Trigger".
 */
export interface FunctionRegistration {
  name: string;
  /** Unique id used for receipts and logs (stable across restarts: the name). */
  functionId: string;
  bindings: Record<string, BindingDefinition>;
  trigger: { name: string; binding: BindingDefinition };
  retryOptions?: RetryOptions;
  /** The user handler as registered; never called directly, only through the programming model. */
  callback: (...args: unknown[]) => unknown;
}
