/**
 * DTFx `FailureDetails` in the PascalCase wire shape: the Durable extension (v2.6+ / v3.x,
 * DurableTask.Core `TaskFailedEvent.FailureDetails`) records it on TaskFailed and
 * SubOrchestrationInstanceFailed, and durable-functions 3.x turns it into `TaskFailedError`
 * (`err.failureDetails.errorType/errorMessage/stackTrace/innerFailure`).
 */
export interface FailureDetails {
  ErrorType: string;
  ErrorMessage: string;
  StackTrace?: string;
  IsNonRetriable: boolean;
  Properties?: Record<string, unknown>;
  InnerFailure?: FailureDetails;
}

const MAX_INNER = 5;

/** Failure details of a thrown value: its type name, message, stack and `cause` chain. */
export function failureDetailsOf(thrown: unknown, depth = 0): FailureDetails {
  const err = thrown instanceof Error ? thrown : undefined;
  const fromLibrary = err ? providerPayload(err.message) : undefined;
  const details: FailureDetails = fromLibrary ?? {
    ErrorType: err?.name || err?.constructor?.name || 'Error',
    ErrorMessage: err ? err.message : typeof thrown === 'string' ? thrown : safeJson(thrown),
    ...(err?.stack ? { StackTrace: err.stack } : {}),
    IsNonRetriable: false,
  };
  const cause = err?.cause;
  if (cause !== undefined && depth < MAX_INNER && !details.InnerFailure) details.InnerFailure = failureDetailsOf(cause, depth + 1);
  return details;
}

/**
 * durable-functions 3.x with `df.app.setExceptionPropertiesProvider` rewrites an activity's
 * error message into JSON `{errorType, errorMessage, stackTrace?, isNonRetriable, properties}`
 * for the extension to lift into FailureDetails; read it the same way.
 */
function providerPayload(message: string): FailureDetails | undefined {
  if (!message.startsWith('{') || !message.includes('"errorType"')) return undefined;
  try {
    const p = JSON.parse(message) as { errorType?: unknown; errorMessage?: unknown; stackTrace?: unknown; isNonRetriable?: unknown; properties?: unknown };
    if (typeof p.errorType !== 'string' || typeof p.errorMessage !== 'string') return undefined;
    return {
      ErrorType: p.errorType,
      ErrorMessage: p.errorMessage,
      ...(typeof p.stackTrace === 'string' ? { StackTrace: p.stackTrace } : {}),
      IsNonRetriable: p.isNonRetriable === true,
      ...(p.properties && typeof p.properties === 'object' ? { Properties: p.properties as Record<string, unknown> } : {}),
    };
  } catch {
    return undefined;
  }
}

function safeJson(v: unknown): string {
  try { return JSON.stringify(v) ?? String(v); } catch { return String(v); }
}

/** Failure details for a failure funclocal itself reports (not a thrown user error). */
export function hostFailureDetails(errorType: string, message: string): FailureDetails {
  return { ErrorType: errorType, ErrorMessage: message, IsNonRetriable: false };
}
