/**
 * The worker protocol's value envelope (RpcTypedData), as the programming model of
 * @azure/functions reads and writes it. Exactly one field is set.
 * @see DEVHOST.md §2
 */
export interface TypedData {
  string?: string;
  json?: string;
  bytes?: Uint8Array;
  stream?: Uint8Array;
  http?: RpcHttp;
  int?: number;
  double?: number;
}

/** An HTTP request or response as it crosses the worker protocol. */
export interface RpcHttp {
  method?: string;
  url?: string;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  params?: Record<string, string>;
  body?: TypedData;
  statusCode?: string | number;
  cookies?: unknown[];
  enableContentNegotiation?: boolean;
}

/** Decodes a TypedData the way the worker's library does (JSON strings parsed when they parse). */
export function fromTypedData(data: TypedData | undefined | null): unknown {
  if (!data) return undefined;
  if (data.string !== undefined) {
    try { return JSON.parse(data.string); } catch { return data.string; }
  }
  if (data.json !== undefined) return JSON.parse(data.json);
  if (data.bytes !== undefined) return Buffer.from(data.bytes);
  if (data.stream !== undefined) return Buffer.from(data.stream);
  if (data.int !== undefined) return data.int;
  if (data.double !== undefined) return data.double;
  if (data.http !== undefined) return data.http;
  return undefined;
}
