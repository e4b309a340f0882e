/** One HTTP request as the API layer sees it: no Functions types, no streams. */
export interface ArmRequest {
  method: string;
  /** Absolute URL (`http://host/subscriptions/...?...`); used for `nextLink` and `Location`. */
  url: string;
  /** Header names in lower case. */
  headers: Record<string, string | undefined>;
  /** The raw body text, if any; the API parses JSON itself so that bad JSON is a 400 like any other. */
  bodyText?: string;
}

/** The answer: status, headers and a JSON body (or none). */
export interface ArmResponse {
  status: number;
  headers: Record<string, string>;
  body?: unknown;
  /** A body that is not JSON (a report's workbook or page), sent as is under the `content-type` in `headers`. */
  raw?: Buffer | string;
}
