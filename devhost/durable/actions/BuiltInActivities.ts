/** The name the Durable extension records for `callHttp`'s built-in HTTP activity. */
export const BUILTIN_HTTP_ACTIVITY = 'BuiltIn::HttpActivity';
