import { ServiceError } from '../shared/errors';

/** A demo step went wrong: `code` says which check, the message what was seen and what to do. */
export class DemoError extends ServiceError {}
