import { FAILBACK_CONTAINER } from '../../../shared/contracts/FailbackTransfers';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { REPLICA_CONTAINERS } from '../../../shared/contracts/ReplicaBlobLayout';

/**
 * No Bicep CLI runs here (docs/fabrics.md), so the deployment is checked by what the code needs
 * of it: the groups, the roles in each group failover touches, the app settings the code reads,
 * the containers, and the azd wiring. A role or setting dropped from infra/ fails here, not on
 * the customer's first failover.
 */
const ROOT = resolve(__dirname, '../../..');
const read = (p: string): string => readFileSync(join(ROOT, p), 'utf8');
const main = read('infra/main.bicep');
const app = read('infra/modules/app.bicep');
const recoveryAccess = read('infra/modules/recoveryGroupAccess.bicep');
const networkAccess = read('infra/modules/networkGroupAccess.bicep');

const ROLE = { virtualMachineContributor: '9980e02c-c2be-4d73-94e8-173b1dc7cf3c', blobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b', queueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88', tableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3', keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6' };

/** `{ name: 'X', value: … }` entries of the Function App's appSettings. */
function appSettings(bicep: string): string[] {
  const block = /appSettings:\s*\[([\s\S]*?)\n\s*\]/.exec(bicep)?.[1] ?? '';
  return [...block.matchAll(/\{\s*name:\s*'([A-Za-z0-9_]+)'/g)].map((m) => m[1]);
}

/** Parameters of a Bicep file without a default value (a deployment must supply them). */
function requiredParams(bicep: string): string[] {
  return [...bicep.matchAll(/^param\s+(\w+)\s+\w+\s*$/gm)].map((m) => m[1]);
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((f) => {
    const p = `${dir}/${f}`;
    return statSync(join(ROOT, p)).isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('infra/ declares what the code needs in Azure', () => {
  it('deploys at subscription scope: the app group, the recovery group, the app module in the one and access modules in each recovery and network group', () => {
    expect(main).toMatch(/^targetScope = 'subscription'$/m);
    expect(main).toMatch(/resource appGroup 'Microsoft\.Resources\/resourceGroups@[\d-]+'/);
    expect(main).toMatch(/resource recoveryGroup 'Microsoft\.Resources\/resourceGroups@[\d-]+'/);
    expect(main).toMatch(/module app 'modules\/app\.bicep' = \{[\s\S]*?scope: appGroup[\s\S]*?recoveryResourceGroup: recoveryGroup\.name/);
    expect(main).toMatch(/module recoveryAccess 'modules\/recoveryGroupAccess\.bicep' = \[for g in concat\(\[recoveryGroup\.name\], additionalRecoveryResourceGroups\)[\s\S]*?scope: resourceGroup\(g\)[\s\S]*?principalId: app\.outputs\.principalId/);
    expect(main).toMatch(/module networkAccess 'modules\/networkGroupAccess\.bicep' = \[for g in networkResourceGroups[\s\S]*?scope: resourceGroup\(g\)[\s\S]*?principalId: app\.outputs\.principalId/);
    expect(app).toMatch(/^output principalId string = functionApp\.identity\.principalId$/m);
  });

  it('grants Virtual Machine Contributor in each recovery group (disks, NICs, VMs) and only subnet join in network groups', () => {
    expect(recoveryAccess).toContain(ROLE.virtualMachineContributor);
    expect(recoveryAccess).toMatch(/Microsoft\.Authorization\/roleAssignments@[\d-]+/);
    expect(recoveryAccess).toMatch(/principalId: principalId/);
    const actions = [...networkAccess.matchAll(/'(Microsoft\.Network\/[^']+)'/g)].map((m) => m[1]).sort();
    expect(actions).toEqual(['Microsoft.Network/virtualNetworks/read', 'Microsoft.Network/virtualNetworks/subnets/join/action', 'Microsoft.Network/virtualNetworks/subnets/read']);
    expect(networkAccess).toMatch(/assignableScopes: \[resourceGroup\(\)\.id\]/);
    expect(networkAccess).toMatch(/roleDefinitionId: subnetJoiner\.id/);
  });

  it('grants the app data roles on its storage account and secrets on its Key Vault, and no compute role in its own group', () => {
    for (const r of [ROLE.blobDataOwner, ROLE.queueDataContributor, ROLE.tableDataContributor, ROLE.keyVaultSecretsUser]) expect(app).toContain(r);
    expect(app).not.toContain(ROLE.virtualMachineContributor);
  });

  it('declares the events topic asr-events with subscription all, and lets the app send to it with its identity only', () => {
    expect(app).toMatch(/resource serviceBus 'Microsoft\.ServiceBus\/namespaces@[\w.-]+' = \{[\s\S]*?disableLocalAuth: true/);
    expect(app).toMatch(/resource eventsTopic 'Microsoft\.ServiceBus\/namespaces\/topics@[\w.-]+' = \{[\s\S]*?name: 'asr-events'/);
    expect(app).toMatch(/resource allEventsSubscription 'Microsoft\.ServiceBus\/namespaces\/topics\/subscriptions@[\w.-]+' = \{[\s\S]*?name: 'all'/);
    expect(app).toContain("{ name: 'ASR_SERVICEBUS_CONNECTION__fullyQualifiedNamespace', value: '${serviceBus.name}.servicebus.windows.net' }");
    // Azure Service Bus Data Sender, on the topic.
    expect(app).toMatch(/resource serviceBusRole [\s\S]*?scope: eventsTopic[\s\S]*?roles\.serviceBusDataSender/);
    expect(app).toContain("serviceBusDataSender: '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39'");
  });

  it("delivers hrl's BlobCreated events to the merge trigger through Event Grid (the trigger's source), once the app runs", () => {
    const trigger = read('functions/triggers/mergeReplicaLog.ts');
    expect(trigger).toMatch(/app\.storageBlob\('mergeReplicaLog', \{\s*path: 'hrl\/[^']*',[\s\S]*?source: 'EventGrid'/);
    // The system topic of the app's storage account.
    expect(app).toMatch(/resource storageEvents 'Microsoft\.EventGrid\/systemTopics@[\w.-]+' = \{[\s\S]*?properties: \{ source: storage\.id, topicType: 'Microsoft\.Storage\.StorageAccounts' \}/);
    const sub = /resource hrlBlobCreated 'Microsoft\.EventGrid\/systemTopics\/eventSubscriptions@[\w.-]+' = if \(subscribeHrlEvents\) \{([\s\S]*?)\n\}/.exec(app)?.[1] ?? '';
    expect(sub).toContain('parent: storageEvents');
    // The blobs extension's webhook for this function, with the extension's system key.
    expect(sub).toContain("endpointType: 'WebHook'");
    expect(sub).toContain("endpointUrl: 'https://${functionApp.properties.defaultHostName}/runtime/webhooks/blobs?functionName=Host.Functions.mergeReplicaLog&code=${blobsExtensionKey}'");
    expect(app).toMatch(/var blobsExtensionKey = subscribeHrlEvents \? listKeys\('\$\{functionApp\.id\}\/host\/default', '[\d-]+'\)\.systemKeys\.blobs_extension : ''/);
    // Only blobs created in hrl.
    expect(sub).toContain("includedEventTypes: ['Microsoft.Storage.BlobCreated']");
    expect(sub).toContain(`subjectBeginsWith: '/blobServices/default/containers/${REPLICA_CONTAINERS.pending}/'`);
    // Off until the code runs (Event Grid validates the endpoint), switched on from main.bicep.
    expect(app).toMatch(/^param subscribeHrlEvents bool = false$/m);
    expect(main).toMatch(/^param subscribeHrlEvents bool = false$/m);
    expect(main).toMatch(/module app 'modules\/app\.bicep' = \{[\s\S]*?subscribeHrlEvents: subscribeHrlEvents/);
  });

  it('declares every replica container', () => {
    const declared = /for c in \[([^\]]*)\]/.exec(app)?.[1] ?? '';
    for (const c of Object.values(REPLICA_CONTAINERS)) expect(declared).toContain(`'${c}'`);
    // failback: the delta logs going home (docs/failback.md)
    expect(declared).toContain(`'${FAILBACK_CONTAINER}'`);
  });

  it('sets every setting the Azure fabric requires (and the groups its sweep lists), and each setting it sets is read by the code (or by the Functions host)', () => {
    const settings = appSettings(app);
    expect(settings.length).toBeGreaterThan(15);
    const fabricFromEnv = read('shared/fabric/targetFabricFromEnv.ts');
    const needed = [...fabricFromEnv.matchAll(/need\('([A-Z_]+)'\)/g)].map((m) => m[1]);
    expect(needed).toEqual(expect.arrayContaining(['ASR_AZURE_SUBSCRIPTION_ID', 'ASR_AZURE_LOCATION', 'ASR_AZURE_STORAGE_ACCOUNT_ID']));
    for (const n of [...needed, 'ASR_RECOVERY_RESOURCE_GROUP', 'ASR_AZURE_RESOURCE_GROUPS', 'ASR_AUTH_ISSUER', 'ASR_AUTH_AUDIENCE', 'ASR_AUTH_JWKS_URL', 'COSMOS_ENDPOINT']) expect(settings).toContain(n);
    const code = [...sourceFiles('shared'), ...sourceFiles('functions')].map(read).join('\n');
    const readByHost = new Set(['AzureWebJobsStorage', 'APPLICATIONINSIGHTS_CONNECTION_STRING']);
    const unread = settings.filter((s) => !readByHost.has(s) && !code.includes(s));
    expect(unread).toEqual([]);
  });

  it('sets the console\'s sign-in settings from parameters of main.bicep, each read by the console\'s config, none required', () => {
    const consoleSettings = { ASR_CONSOLE_CLIENT_ID: 'consoleClientId', ASR_CONSOLE_TENANT_ID: 'consoleTenantId', ASR_CONSOLE_AUTHORITY: 'consoleAuthority', ASR_CONSOLE_SCOPE: 'consoleScope', ASR_CONSOLE_RESOURCE_GROUP: 'consoleResourceGroup' };
    const config = read('shared/console/consoleConfig.ts');
    for (const [setting, param] of Object.entries(consoleSettings)) {
      expect(config).toContain(`env.${setting}`);
      expect(app).toContain(`{ name: '${setting}', value: ${param} }`);
      expect(app).toMatch(new RegExp(`^param ${param} string = `, 'm'));
      expect(main).toMatch(new RegExp(`^param ${param} string = `, 'm'));
      expect(main).toMatch(new RegExp(`module app 'modules/app\\.bicep' = \\{[\\s\\S]*?\\n {4}${param}: ${param}\\n`));
    }
    // The tenant defaults to the deployment's own; the scope's default (audience + /user_impersonation) is the code's, so the parameter defaults to empty.
    expect(main).toContain('param consoleTenantId string = tenant().tenantId');
    expect(main).toContain("param consoleScope string = ''");
    expect(requiredParams(main)).not.toEqual(expect.arrayContaining(Object.values(consoleSettings)));
    const params = JSON.parse(read('infra/main.parameters.json')) as { parameters: Record<string, { value: string }> };
    expect(params.parameters.consoleClientId.value).toBe('${ASR_CONSOLE_CLIENT_ID=}');
  });

  it('is wired for azd: azure.yaml names the service the app is tagged with, and main.parameters.json supplies every required parameter', () => {
    const yaml = read('azure.yaml');
    expect(yaml).toMatch(/^services:\n {2}api:\n {4}project: \.\n {4}language: ts\n {4}host: function$/m);
    expect(yaml).toMatch(/path: infra/);
    expect(app).toMatch(/'azd-service-name': 'api'/);
    const params = JSON.parse(read('infra/main.parameters.json')) as { parameters: Record<string, unknown> };
    expect(requiredParams(main).filter((p) => !(p in params.parameters))).toEqual([]);
    expect(requiredParams(main)).toEqual(expect.arrayContaining(['environmentName', 'location', 'authIssuer']));
  });
});
