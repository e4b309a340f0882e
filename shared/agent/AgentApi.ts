/** The slice of the ARM-shaped API client the agent needs (cli/api/AsrApiClient fits it). */
export interface AgentApi {
  readonly config: { endpoint: string; subscriptionId: string; resourceGroup: string };
  vaultPath(vault?: string): string;
  get<T = ArmResourceLike>(path: string): Promise<T>;
  put<T = ArmResourceLike>(path: string, body: unknown): Promise<T>;
  /**
   * A POST action; the answer of the first call (a 202 is not followed). Optional: an agent
   * repairs by itself with it, and issues a site registration key with the operator's token.
   */
  post?<T = unknown>(path: string, body: unknown): Promise<T>;
}

export interface ArmResourceLike {
  id: string;
  name: string;
  properties: Record<string, any>;
}
