/** The slice of the ARM-shaped API client the agent needs (cli/api/AsrApiClient fits it). */
export interface AgentApi {
  readonly config: { endpoint: string; subscriptionId: string; resourceGroup: string };
  vaultPath(vault?: string): string;
  get<T = ArmResourceLike>(path: string): Promise<T>;
  put<T = ArmResourceLike>(path: string, body: unknown): Promise<T>;
  /** For issuing a site registration key with the operator's token (optional: a site may bring a key file). */
  post?<T = ArmResourceLike>(path: string, body: unknown): Promise<T>;
}

export interface ArmResourceLike {
  id: string;
  name: string;
  properties: Record<string, any>;
}
