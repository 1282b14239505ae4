// Roles of the person or pipeline that runs azd (AZURE_PRINCIPAL_ID). principalType is left out on purpose: the
// deployer may be a user or a service principal.
param principalId string

@description('Also grant data access to the PsaSync tables and queues, for running an app locally against Azure.')
param dataAccess bool

param storageAccountName string
param serviceBusNamespaceName string
param keyVaultName string

var roleIds = {
  keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  serviceBusDataSender: '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39'
  serviceBusDataReceiver: '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0'
}

// Send and receive on every queue, for a locally running app.
var serviceBusDataRoleIds = [
  roleIds.serviceBusDataSender
  roleIds.serviceBusDataReceiver
]

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource namespace 'Microsoft.ServiceBus/namespaces@2022-10-01-preview' existing = {
  name: serviceBusNamespaceName
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

// Set and rotate the webhook secrets (docs/deploy.md).
resource secretsOfficerRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, principalId, roleIds.keyVaultSecretsOfficer)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.keyVaultSecretsOfficer)
    principalId: principalId
  }
}

resource tableRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (dataAccess) {
  name: guid(storage.id, principalId, roleIds.storageTableDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.storageTableDataContributor)
    principalId: principalId
  }
}

resource serviceBusRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for roleId in (dataAccess ? serviceBusDataRoleIds : []): {
  name: guid(namespace.id, principalId, roleId)
  scope: namespace
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)
    principalId: principalId
  }
}]
