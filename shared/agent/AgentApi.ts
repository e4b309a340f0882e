/** The slice of the ARM-shaped API client the agent needs (cli/api/AsrApiClient fits it). */
export interface AgentApi {
  readonly config: { endpoint: string; subscriptionId: string; resourceGroup: string };
  vaultPath(vault?: string): string;
  get<T = ArmResourceLike>(path: string): Promise<T>;
  put<T = ArmResourceLike>(path: string, body: unknown): Promise<T>;
  /** A POST action; the answer of the first call (a 202 is not followed). Needed by an agent that repairs by itself. */
  post?(path: string, body: unknown): Promise<unknown>;
}

export interface ArmResourceLike {
  id: string;
  name: string;
  properties: Record<string, any>;
}
