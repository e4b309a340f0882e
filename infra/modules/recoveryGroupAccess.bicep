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

// What failback reads need (docs/failback.md, Azure): an incremental snapshot of each recovered
// managed disk per round, a read-only SAS for it, revoked after the read, and the snapshot's
// deletion. Virtual Machine Contributor is not relied on for snapshots: a custom role with exactly
// these actions, assignable in this group only.
resource failbackSnapshotReader 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(resourceGroup().id, 'site-recovery-failback-snapshots')
  properties: {
    roleName: 'Site Recovery failback snapshots (${resourceGroup().name})'
    description: 'Take, read (SAS), revoke and delete incremental snapshots of recovered managed disks for failback.'
    type: 'CustomRole'
    assignableScopes: [resourceGroup().id]
    permissions: [
      {
        actions: [
          'Microsoft.Compute/disks/read'
          'Microsoft.Compute/snapshots/read'
          'Microsoft.Compute/snapshots/write'
          'Microsoft.Compute/snapshots/delete'
          'Microsoft.Compute/snapshots/beginGetAccess/action'
          'Microsoft.Compute/snapshots/endGetAccess/action'
        ]
        notActions: []
      }
    ]
  }
}

resource failbackSnapshots 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(resourceGroup().id, principalId, 'site-recovery-failback-snapshots')
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: failbackSnapshotReader.id
  }
}
