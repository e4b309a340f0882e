// Site Recovery Functions: the app and its stores, in the app's resource group. Deployed by
// ../main.bicep (subscription scope), which also prepares the recovery and network groups.
// NOTE: written against the documented resource schemas; this repository's CI cannot compile
// Bicep (no Bicep CLI on its machines): test/unit/infra/bicepStructure.test.ts checks what the
// code needs is declared; run `az bicep build -f infra/main.bicep` before use.

@description('Short name used to derive resource names (3-11 lowercase letters/digits).')
@minLength(3)
@maxLength(11)
param appName string

param location string = resourceGroup().location

@description('Tags of every resource (azd reads azd-env-name).')
param tags object = {}

@description('Entra ID issuer of API tokens, e.g. https://login.microsoftonline.com/<tenant>/v2.0')
param authIssuer string

@description('Application ID URI (audience) of the API app registration.')
param authAudience string

@description('JWKS URL of the issuer, e.g. https://login.microsoftonline.com/<tenant>/discovery/v2.0/keys')
param authJwksUrl string

@description('The console\'s single-page app registration (its application id, a GUID): MSAL signs operators in with it (ASR_CONSOLE_CLIENT_ID, docs/console.md). Empty: the console says what to set and offers only the token field.')
param consoleClientId string = ''

@description('Directory (tenant) id of the console\'s sign-in: authority https://login.microsoftonline.com/<tenant> (ASR_CONSOLE_TENANT_ID).')
param consoleTenantId string = tenant().tenantId

@description('Authority URL of the console\'s sign-in when not login.microsoftonline.com/<tenant> (ASR_CONSOLE_AUTHORITY, https only); empty: from consoleTenantId.')
param consoleAuthority string = ''

@description('The API\'s delegated scope the console asks for (ASR_CONSOLE_SCOPE); empty: <authAudience>/user_impersonation.')
param consoleScope string = ''

@description('Resource group whose vaults the console shows (ASR_CONSOLE_RESOURCE_GROUP, in the API\'s paths).')
param consoleResourceGroup string = 'local'

@secure()
@description('Base64 of 32 random bytes: seals disk keys while a failover carries them (openssl rand -base64 32).')
param recoveryKeyWrapSecret string

@secure()
@description('Base64 of 32+ random bytes: signs runbook callback tokens (openssl rand -base64 32).')
param callbackSigningKey string

@description('Runbook webhooks: JSON map from runbook id to {webhookUrl, onTimeout}. Webhook URLs carry secrets.')
@secure()
param runbookWebhooks string = '{}'

@description('Subscription ids whose paths the API serves, comma-separated; a token is refused (403) on any other. Default: the deployment\'s own subscription.')
param servedSubscriptions string = subscription().subscriptionId

@description('Where recovered machines are created: azure (ARM) or local (records only; for drills of the service itself).')
@allowed(['azure', 'local'])
param targetFabric string = 'azure'

@description('Resource group where failover creates disks, NICs and VMs unless an item names its own (ASR_RECOVERY_RESOURCE_GROUP).')
param recoveryResourceGroup string

@description('The other resource groups items may name as their target (the orphan sweep lists them too; ASR_AZURE_RESOURCE_GROUPS).')
param additionalRecoveryResourceGroups array = []

@description('Subscribe the merge trigger to the storage account\'s BlobCreated events on hrl. Needs the app\'s code deployed: Event Grid validates the endpoint, which only the running blobs extension answers (docs/replication.md).')
param subscribeHrlEvents bool = false

var suffix = uniqueString(resourceGroup().id, appName)
var storageName = toLower('${appName}st${take(suffix, 10)}')
var cosmosName = toLower('${appName}-cosmos-${take(suffix, 8)}')
var vaultName = toLower('${appName}kv${take(suffix, 8)}')
var serviceBusName = toLower('${appName}-sb-${take(suffix, 8)}')

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: storageName
  location: location
  kind: 'StorageV2'
  sku: { name: 'Standard_ZRS' }
  properties: {
    minimumTlsVersion: 'TLS1_2'
    allowBlobPublicAccess: false
    supportsHttpsTrafficOnly: true
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

// Replica logs, replicas (page blobs), the journal of merged logs, quarantined logs, the app package.
resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = [for c in ['hrl', 'vhds', 'hrl-journal', 'hrl-quarantine', 'failback', 'app-package'] : {
  parent: blobService
  name: c
}]

resource cosmos 'Microsoft.DocumentDB/databaseAccounts@2024-05-15' = {
  name: cosmosName
  location: location
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    consistencyPolicy: { defaultConsistencyLevel: 'Session' }
    locations: [{ locationName: location, failoverPriority: 0 }]
    capabilities: [{ name: 'EnableServerless' }]
  }
}

// The app creates its containers at start (idempotently); the database is declared here.
resource cosmosDb 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2024-05-15' = {
  parent: cosmos
  name: 'siterecovery'
  properties: { resource: { id: 'siterecovery' } }
}

// Replication events go to topic asr-events (docs/events.md); subscription `all` receives everything.
// Standard: topics need it. The app sends with its identity (Azure Service Bus Data Sender below), no keys.
resource serviceBus 'Microsoft.ServiceBus/namespaces@2022-10-01-preview' = {
  name: serviceBusName
  location: location
  tags: tags
  sku: { name: 'Standard', tier: 'Standard' }
  properties: { minimumTlsVersion: '1.2', disableLocalAuth: true }
}

resource eventsTopic 'Microsoft.ServiceBus/namespaces/topics@2022-10-01-preview' = {
  parent: serviceBus
  name: 'asr-events'
  properties: { defaultMessageTimeToLive: 'P14D' }
}

resource allEventsSubscription 'Microsoft.ServiceBus/namespaces/topics/subscriptions@2022-10-01-preview' = {
  parent: eventsTopic
  name: 'all'
  properties: { maxDeliveryCount: 10, lockDuration: 'PT1M', deadLetteringOnMessageExpiration: true }
}

resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: '${appName}-logs'
  location: location
  properties: { sku: { name: 'PerGB2018' }, retentionInDays: 30 }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: '${appName}-ai'
  location: location
  kind: 'web'
  properties: { Application_Type: 'web', WorkspaceResourceId: logs.id }
}

resource keyVault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: vaultName
  location: location
  properties: {
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    enablePurgeProtection: true
  }
}

// Secrets the app reads through Key Vault references; customers' disk keys are never stored.
resource storageSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: keyVault
  name: 'storage-connection'
  properties: { value: 'DefaultEndpointsProtocol=https;AccountName=${storage.name};AccountKey=${storage.listKeys().keys[0].value};EndpointSuffix=${environment().suffixes.storage}' }
}

resource cosmosSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: keyVault
  name: 'cosmos-key'
  properties: { value: cosmos.listKeys().primaryMasterKey }
}

resource keyWrapSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: keyVault
  name: 'recovery-key-wrap'
  properties: { value: recoveryKeyWrapSecret }
}

resource callbackSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: keyVault
  name: 'callback-signing'
  properties: { value: callbackSigningKey }
}

resource webhooksSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: keyVault
  name: 'runbook-webhooks'
  properties: { value: runbookWebhooks }
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: '${appName}-plan'
  location: location
  kind: 'functionapp'
  sku: { tier: 'FlexConsumption', name: 'FC1' }
  properties: { reserved: true }
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: '${appName}-func-${take(suffix, 6)}'
  location: location
  // azd deploys the service named `api` in azure.yaml to the app carrying this tag
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: { type: 'SystemAssigned' }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}app-package'
          authentication: { type: 'SystemAssignedIdentity' }
        }
      }
      scaleAndConcurrency: { maximumInstanceCount: 40, instanceMemoryMB: 2048 }
      runtime: { name: 'node', version: '20' }
    }
    keyVaultReferenceIdentity: 'SystemAssigned'
    siteConfig: {
      minTlsVersion: '1.2'
      appSettings: [
        { name: 'AzureWebJobsStorage', value: '@Microsoft.KeyVault(SecretUri=${storageSecret.properties.secretUri})' }
        { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: insights.properties.ConnectionString }
        { name: 'COSMOS_ENDPOINT', value: cosmos.properties.documentEndpoint }
        { name: 'COSMOS_KEY', value: '@Microsoft.KeyVault(SecretUri=${cosmosSecret.properties.secretUri})' }
        { name: 'COSMOS_DATABASE', value: cosmosDb.name }
        // Identity-based: the app's managed identity with DefaultAzureCredential (shared/events/ServiceBusEventSender.ts).
        { name: 'ASR_SERVICEBUS_CONNECTION__fullyQualifiedNamespace', value: '${serviceBus.name}.servicebus.windows.net' }
        { name: 'ASR_SERVICEBUS_TOPIC', value: eventsTopic.name }
        { name: 'ASR_AUTH_MODE', value: 'entra' }
        { name: 'ASR_AUTH_ISSUER', value: authIssuer }
        { name: 'ASR_AUTH_AUDIENCE', value: authAudience }
        { name: 'ASR_AUTH_JWKS_URL', value: authJwksUrl }
        { name: 'ASR_SUBSCRIPTIONS', value: servedSubscriptions }
        // The operator's console (/console): its Entra sign-in (MSAL, PKCE) and what it shows (docs/console.md).
        { name: 'ASR_CONSOLE_CLIENT_ID', value: consoleClientId }
        { name: 'ASR_CONSOLE_TENANT_ID', value: consoleTenantId }
        { name: 'ASR_CONSOLE_AUTHORITY', value: consoleAuthority }
        { name: 'ASR_CONSOLE_SCOPE', value: consoleScope }
        { name: 'ASR_CONSOLE_RESOURCE_GROUP', value: consoleResourceGroup }
        { name: 'ASR_TARGET_FABRIC', value: targetFabric }
        { name: 'RECOVERY_KEY_WRAP_SECRET', value: '@Microsoft.KeyVault(SecretUri=${keyWrapSecret.properties.secretUri})' }
        { name: 'ASR_CALLBACK_SIGNING_KEY', value: '@Microsoft.KeyVault(SecretUri=${callbackSecret.properties.secretUri})' }
        { name: 'ASR_RUNBOOK_WEBHOOKS', value: '@Microsoft.KeyVault(SecretUri=${webhooksSecret.properties.secretUri})' }
        { name: 'ASR_AZURE_SUBSCRIPTION_ID', value: subscription().subscriptionId }
        { name: 'ASR_AZURE_LOCATION', value: location }
        { name: 'ASR_AZURE_STORAGE_ACCOUNT_ID', value: storage.id }
        { name: 'ASR_RECOVERY_RESOURCE_GROUP', value: recoveryResourceGroup }
        { name: 'ASR_AZURE_RESOURCE_GROUPS', value: join(additionalRecoveryResourceGroups, ',') }
        // Source sites' upload URLs: user delegation SAS from the app's identity (Storage Blob Data Owner below), not the account key.
        { name: 'ASR_SITE_SAS_SIGNING', value: 'userDelegation' }
      ]
    }
  }
}

// The merge trigger on hrl is a blob trigger with source EventGrid (functions/triggers/mergeReplicaLog.ts):
// the storage account's BlobCreated events under hrl/ go to the blobs extension's webhook. A
// polling trigger's latency grows with the container; an event's does not (and Flex Consumption
// runs only the Event Grid blob trigger). Missed events are the sweep's (every minute).
resource storageEvents 'Microsoft.EventGrid/systemTopics@2022-06-15' = {
  name: '${appName}-storage-events'
  location: location
  tags: tags
  properties: { source: storage.id, topicType: 'Microsoft.Storage.StorageAccounts' }
}

var blobsExtensionKey = subscribeHrlEvents ? listKeys('${functionApp.id}/host/default', '2023-12-01').systemKeys.blobs_extension : ''

resource hrlBlobCreated 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2022-06-15' = if (subscribeHrlEvents) {
  parent: storageEvents
  name: 'hrl-blob-created'
  properties: {
    destination: {
      endpointType: 'WebHook'
      properties: {
        endpointUrl: 'https://${functionApp.properties.defaultHostName}/runtime/webhooks/blobs?functionName=Host.Functions.mergeReplicaLog&code=${blobsExtensionKey}'
        maxEventsPerBatch: 1
      }
    }
    filter: {
      includedEventTypes: ['Microsoft.Storage.BlobCreated']
      subjectBeginsWith: '/blobServices/default/containers/hrl/'
    }
    eventDeliverySchema: 'EventGridSchema'
    retryPolicy: { maxDeliveryAttempts: 30, eventTimeToLiveInMinutes: 1440 }
  }
}

// Role assignments for the app's managed identity.
var roles = {
  blobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  queueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  tableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  serviceBusDataSender: '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39'
}

resource serviceBusRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: eventsTopic
  name: guid(eventsTopic.id, functionApp.id, roles.serviceBusDataSender)
  properties: { principalId: functionApp.identity.principalId, principalType: 'ServicePrincipal', roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.serviceBusDataSender) }
}

resource storageRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for r in [roles.blobDataOwner, roles.queueDataContributor, roles.tableDataContributor]: {
  scope: storage
  name: guid(storage.id, functionApp.id, r)
  properties: { principalId: functionApp.identity.principalId, principalType: 'ServicePrincipal', roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', r) }
}]

resource vaultRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: keyVault
  name: guid(keyVault.id, functionApp.id, roles.keyVaultSecretsUser)
  properties: { principalId: functionApp.identity.principalId, principalType: 'ServicePrincipal', roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser) }
}

output functionAppName string = functionApp.name
output apiEndpoint string = 'https://${functionApp.properties.defaultHostName}'
output storageAccount string = storage.name
output cosmosEndpoint string = cosmos.properties.documentEndpoint
output principalId string = functionApp.identity.principalId
