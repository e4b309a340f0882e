/** The management URLs the Durable client returns to callers (createCheckStatusResponse). */
export interface ManagementUrls {
  id: string;
  statusQueryGetUri: string;
  sendEventPostUri: string;
  terminatePostUri: string;
  purgeHistoryDeleteUri: string;
  suspendPostUri: string;
  resumePostUri: string;
  rewindPostUri: string;
  restartPostUri: string;
}

/** Core Tools does not check keys locally; the placeholder only keeps the URL shapes Azure's. */
const KEY = 'code=funclocal';

/** `{B}/instances/{id}?taskHub=...` management URLs for one instance id (or the placeholder). */
export function managementUrls(publicBase: string, hub: string, id: string): ManagementUrls {
  const q = `taskHub=${hub}&connection=Storage&${KEY}`;
  const inst = `${publicBase}/instances/${id}`;
  return {
    id,
    statusQueryGetUri: `${inst}?${q}`,
    sendEventPostUri: `${inst}/raiseEvent/{eventName}?${q}`,
    terminatePostUri: `${inst}/terminate?reason={text}&${q}`,
    purgeHistoryDeleteUri: `${inst}?${q}`,
    suspendPostUri: `${inst}/suspend?reason={text}&${q}`,
    resumePostUri: `${inst}/resume?reason={text}&${q}`,
    rewindPostUri: `${inst}/rewind?reason={text}&${q}`,
    restartPostUri: `${inst}/restart?${q}`,
  };
}

/**
 * The `durableClient` input binding's data (DEVHOST.md §4). The library calls `rpcBaseUrl`
 * (which must end in `/`) and hands the public URLs to callers.
 */
export function clientInputData(hostBase: string, hub: string): Record<string, unknown> {
  const publicBase = `${hostBase}/runtime/webhooks/durabletask`;
  return {
    taskHubName: hub,
    creationUrls: {
      createNewInstancePostUri: `${publicBase}/orchestrators/{functionName}[/{instanceId}]?${KEY}`,
      createAndWaitOnNewInstancePostUri: `${publicBase}/orchestrators/{functionName}[/{instanceId}]?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}&${KEY}`,
    },
    managementUrls: managementUrls(publicBase, hub, 'INSTANCEID'),
    baseUrl: publicBase,
    requiredQueryStringParameters: KEY,
    rpcBaseUrl: `${hostBase}/durabletask/`,
  };
}
