// What failover needs in the resource group of a mapped (or test) virtual network that lives
// outside the recovery group: read the network and join a NIC to its subnets. Nothing else: a
// custom role with exactly these actions, assignable in this group only.
targetScope = 'resourceGroup'

@description('Object id of the Function App\'s managed identity.')
param principalId string

resource subnetJoiner 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(resourceGroup().id, 'site-recovery-subnet-join')
  properties: {
    roleName: 'Site Recovery subnet join (${resourceGroup().name})'
    description: 'Read virtual networks and join NICs of recovered machines to their subnets.'
    type: 'CustomRole'
    assignableScopes: [resourceGroup().id]
    permissions: [
      {
        actions: [
          'Microsoft.Network/virtualNetworks/read'
          'Microsoft.Network/virtualNetworks/subnets/read'
          'Microsoft.Network/virtualNetworks/subnets/join/action'
        ]
        notActions: []
      }
    ]
  }
}

resource subnetJoin 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(resourceGroup().id, principalId, 'site-recovery-subnet-join')
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subnetJoiner.id
  }
}
