// Least-privilege roles of one function app's user-assigned identity. Role assignment names are
// guid(scope id, principal id, role id), so a re-deployment finds the same assignments.
@description('Principal (object) id of the app\'s user-assigned identity.')
param principalId string
param storageAccountName string
param serviceBusNamespaceName string

@description('Queues the app publishes to: Azure Service Bus Data Sender on each.')
param sendsTo array

@description('The queue the app\'s Service Bus trigger reads: Azure Service Bus Data Receiver on it.')
param receivesFrom string

param keyVaultName string
param applicationInsightsName string

var roleIds = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  serviceBusDataSender: '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39'
  serviceBusDataReceiver: '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}

// Blob Data Owner: AzureWebJobsStorage (Flex deployment package, function keys, timer and Durable leases).
// Table Data Contributor: the PsaSync tables (TableServiceUri) and the Durable history and instance tables.
// Queue Data Contributor: the Durable Functions Azure Storage backend's control and work-item queues only.
var storageRoleIds = [
  roleIds.storageBlobDataOwner
  roleIds.storageTableDataContributor
  roleIds.storageQueueDataContributor
]

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource namespace 'Microsoft.ServiceBus/namespaces@2022-10-01-preview' existing = {
  name: serviceBusNamespaceName
}

resource sendQueues 'Microsoft.ServiceBus/namespaces/queues@2022-10-01-preview' existing = [for queueName in sendsTo: {
  parent: namespace
  name: queueName
}]

resource receiveQueue 'Microsoft.ServiceBus/namespaces/queues@2022-10-01-preview' existing = {
  parent: namespace
  name: receivesFrom
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource storageRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for roleId in storageRoleIds: {
  name: guid(storage.id, principalId, roleId)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}]

resource senderRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for (queueName, i) in sendsTo: {
  name: guid(sendQueues[i].id, principalId, roleIds.serviceBusDataSender)
  scope: sendQueues[i]
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.serviceBusDataSender)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}]

// Receive, complete, abandon and dead-letter on the app's own queue. Not Data Owner: without the Manage right
// the scale controller cannot read the queue length and scales on peeked message age instead (docs/deploy.md).
resource receiverRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(receiveQueue.id, principalId, roleIds.serviceBusDataReceiver)
  scope: receiveQueue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.serviceBusDataReceiver)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// Lets the apps read the webhook signing secrets (SecretClient with DefaultAzureCredential, AZURE_CLIENT_ID = this identity).
resource secretsUserRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, principalId, roleIds.keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.keyVaultSecretsUser)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// Telemetry ingestion with Entra ID (Application Insights has local authentication disabled).
resource metricsPublisherRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(applicationInsights.id, principalId, roleIds.monitoringMetricsPublisher)
  scope: applicationInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.monitoringMetricsPublisher)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}
