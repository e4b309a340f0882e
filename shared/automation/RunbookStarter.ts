import type { StartRunbookRequest } from './policy/StartRunbookRequest';

export type { StartRunbookRequest } from './policy/StartRunbookRequest';

/**
 * Starts a runbook: signs a single-use callback token, calls the Automation webhook with the
 * recovery plan context and the callback URL. Returns the token id (the task's runbook job id).
 */
export interface RunbookStarter {
  start(request: StartRunbookRequest): Promise<{ tokenId: string; expiresAt: string; onTimeout?: 'Fail' | 'Continue' }>;
}
