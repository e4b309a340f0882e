// Site Recovery Functions: everything the service needs in the customer's subscription.
// Subscription scope (the `azd up` convention, see ../azure.yaml): creates the app's resource
// group and the recovery resource group, deploys the app (modules/app.bicep), and grants the
// app's identity what failover needs where it creates machines and where their networks live
// (modules/recoveryGroupAccess.bicep, modules/networkGroupAccess.bicep).
//   azd up                       (reads main.parameters.json from azd's environment), or
//   az deployment sub create -l <region> -f infra/main.bicep -p environmentName=<name> authIssuer=... authAudience=... authJwksUrl=...
// NOTE: this repository's CI cannot compile Bicep (no Bicep CLI on its machines);
// test/unit/infra/bicepStructure.test.ts checks that what the code needs is declared. Run
// `az bicep build -f infra/main.bicep` before the first deployment.
targetScope = 'subscription'

@description('Name of the environment (azd): prefixes the resource groups and derives the app\'s resource names (3-11 lowercase letters/digits).')
@minLength(3)
@maxLength(11)
param environmentName string

@description('Region of the app and of the recovery resource group.')
param location string

@description('Entra ID issuer of API tokens, e.g. https://login.microsoftonline.com/<tenant>/v2.0')
param authIssuer string

@description('Application ID URI (audience) of the API app registration.')
param authAudience string

@description('JWKS URL of the issuer, e.g. https://login.microsoftonline.com/<tenant>/discovery/v2.0/keys')
param authJwksUrl string

@description('The console\'s single-page app registration (application id, a GUID) for Entra sign-in (ASR_CONSOLE_CLIENT_ID, docs/console.md). Empty: the console offers only the token field and says what to set.')
param consoleClientId string = ''

@description('Directory (tenant) id of the console\'s sign-in (ASR_CONSOLE_TENANT_ID); default: the deployment\'s tenant.')
param consoleTenantId string = tenant().tenantId

@description('Authority URL of the console\'s sign-in if not https://login.microsoftonline.com/<tenant> (ASR_CONSOLE_AUTHORITY, https only); empty: from consoleTenantId.')
param consoleAuthority string = ''

@description('The API\'s delegated scope the console asks for (ASR_CONSOLE_SCOPE); empty: <authAudience>/user_impersonation.')
param consoleScope string = ''

@description('Resource group (in the API\'s paths) whose vaults the console shows (ASR_CONSOLE_RESOURCE_GROUP).')
param consoleResourceGroup string = 'local'

@secure()
@description('Base64 of 32 random bytes: seals disk keys while a failover carries them (openssl rand -base64 32).')
param recoveryKeyWrapSecret string

@secure()
@description('Base64 of 32+ random bytes: signs runbook callback tokens (openssl rand -base64 32).')
param callbackSigningKey string

@secure()
@description('Runbook webhooks: JSON map from runbook id to {webhookUrl, onTimeout}. Webhook URLs carry secrets.')
param runbookWebhooks string = '{}'

@description('Where recovered machines are created: azure (ARM) or local (records only; for drills of the service itself).')
@allowed(['azure', 'local'])
param targetFabric string = 'azure'

@description('Resource group where failover creates disks, NICs and VMs unless an item names its own; created here if absent.')
param recoveryResourceGroupName string = 'rg-${environmentName}-recovery'

@description('Other resource groups (same subscription, existing) that protected items name as their recovery group: the app gets the same access there.')
param additionalRecoveryResourceGroups array = []

@description('Resource groups (same subscription, existing) of the virtual networks that network mappings and test networks name: the app may join their subnets, nothing more.')
param networkResourceGroups array = []

@description('Wire the storage account\'s BlobCreated events on hrl to the merge trigger (Event Grid). Set true once the app\'s code is deployed (Event Grid validates the webhook against the running app): az deployment sub create … -p subscribeHrlEvents=true, or azd provision after azd deploy with the parameter set.')
param subscribeHrlEvents bool = false

var tags = { 'azd-env-name': environmentName }

resource appGroup 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

resource recoveryGroup 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: recoveryResourceGroupName
  location: location
  tags: tags
}

module app 'modules/app.bicep' = {
  name: 'site-recovery-app'
  scope: appGroup
  params: {
    appName: environmentName
    location: location
    tags: tags
    authIssuer: authIssuer
    authAudience: authAudience
    authJwksUrl: authJwksUrl
    consoleClientId: consoleClientId
    consoleTenantId: consoleTenantId
    consoleAuthority: consoleAuthority
    consoleScope: consoleScope
    consoleResourceGroup: consoleResourceGroup
    recoveryKeyWrapSecret: recoveryKeyWrapSecret
    callbackSigningKey: callbackSigningKey
    runbookWebhooks: runbookWebhooks
    targetFabric: targetFabric
    recoveryResourceGroup: recoveryGroup.name
    additionalRecoveryResourceGroups: additionalRecoveryResourceGroups
    subscribeHrlEvents: subscribeHrlEvents
  }
}

module recoveryAccess 'modules/recoveryGroupAccess.bicep' = [for g in concat([recoveryGroup.name], additionalRecoveryResourceGroups): {
  name: 'recovery-access-${uniqueString(g)}'
  scope: resourceGroup(g)
  params: { principalId: app.outputs.principalId }
}]

module networkAccess 'modules/networkGroupAccess.bicep' = [for g in networkResourceGroups: {
  name: 'network-access-${uniqueString(g)}'
  scope: resourceGroup(g)
  params: { principalId: app.outputs.principalId }
}]

output AZURE_LOCATION string = location
output AZURE_RESOURCE_GROUP string = appGroup.name
output ASR_RECOVERY_RESOURCE_GROUP string = recoveryGroup.name
output SERVICE_API_NAME string = app.outputs.functionAppName
output SERVICE_API_ENDPOINT string = app.outputs.apiEndpoint
output STORAGE_ACCOUNT string = app.outputs.storageAccount
output COSMOS_ENDPOINT string = app.outputs.cosmosEndpoint
