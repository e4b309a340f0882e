// What failover needs in a recovery resource group: create, start, stop and delete managed disks
// (imported from the app's staging blobs), NICs in the mapped subnets and VMs. Virtual Machine
// Contributor covers Microsoft.Compute/virtualMachines/*, disks/*, Microsoft.Network/
// networkInterfaces/* and subnets/join/action for networks in this same group.
targetScope = 'resourceGroup'

@description('Object id of the Function App\'s managed identity.')
param principalId string

var virtualMachineContributor = '9980e02c-c2be-4d73-94e8-173b1dc7cf3c'

resource vmContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(resourceGroup().id, principalId, virtualMachineContributor)
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', virtualMachineContributor)
  }
}
