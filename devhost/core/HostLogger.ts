export type LogLevel = 'trace' | 'debug' | 'information' | 'warning' | 'error' | 'critical' | 'none';

const rank: Record<LogLevel, number> = {
  trace: 0, debug: 1, information: 2, warning: 3, error: 4, critical: 5, none: 6,
};

/** Where host and function logs go: one line each, naming the function and invocation. */
export interface HostLogger {
  log(level: LogLevel, message: string, scope?: { functionName?: string; invocationId?: string }): void;
}

/** Writes log lines to stderr at or above `minLevel`, prefixed with time, level and scope. */
export function createConsoleLogger(minLevel: LogLevel = 'information'): HostLogger {
  return {
    log(level, message, scope) {
      if (rank[level] < rank[minLevel]) return;
      const who = scope?.functionName
        ? ` [${scope.functionName}${scope.invocationId ? ` ${scope.invocationId.slice(0, 8)}` : ''}]`
        : '';
      process.stderr.write(`${new Date().toISOString()} ${level.padEnd(11)}${who} ${message}\n`);
    },
  };
}

/** Maps a level as the worker protocol or the library names it (`warn`, `Information`...) to ours. */
export function toLogLevel(level: string): LogLevel {
  const l = level.toLowerCase();
  if (l === 'warn') return 'warning';
  if (l === 'info') return 'information';
  return (['trace', 'debug', 'information', 'warning', 'error', 'critical'].includes(l) ? l : 'information') as LogLevel;
}
