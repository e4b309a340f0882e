/**
 * A problem with the app or the host's configuration that stops the host from starting.
 * Its message is one line that says what to fix; the CLI prints only that line.
 */
export class HostStartupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HostStartupError';
  }
}
