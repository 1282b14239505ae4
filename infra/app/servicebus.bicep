// Service Bus namespace (Standard) with one queue per sync domain. Local (SAS key) authentication is disabled:
// the apps connect with their managed identities, and role assignments are made per queue (app-access.bicep).
param name string
param location string = resourceGroup().location
param tags object = {}

@description('The domain queues (QueueNames.All).')
param queueNames array

@description('Deliveries before a message is dead-lettered; equals PsaSync__Messaging__MaxDeliveryCount.')
param maxDeliveryCount int

@description('ISO 8601 duration of the duplicate detection history (see main.bicep).')
param duplicateDetectionWindow string

resource namespace 'Microsoft.ServiceBus/namespaces@2022-10-01-preview' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: 'Standard'
    tier: 'Standard'
  }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
    publicNetworkAccess: 'Enabled'
  }
}

// No sessions: PsaSync does not rely on delivery order. Each event carries its record's version (an older
// project version than the one applied is ignored), every handler claims the event's idempotency key in the
// dedupe ledger first, and time lines are posted with an external id derived from the entry version. Sessions
// would serialize each record's events and cap concurrency without adding a guarantee PsaSync needs.
resource queues 'Microsoft.ServiceBus/namespaces/queues@2022-10-01-preview' = [for queueName in queueNames: {
  parent: namespace
  name: queueName
  properties: {
    // The Functions host renews the lock while a handler runs (host.json maxAutoLockRenewalDuration); one minute
    // matches the dedupe ledger's claim lease, so a crashed worker's message moves again soon.
    lockDuration: 'PT1M'
    maxDeliveryCount: maxDeliveryCount
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: duplicateDetectionWindow
    requiresSession: false
    // A message that outlives its time to live is dead-lettered, never dropped.
    deadLetteringOnMessageExpiration: true
    defaultMessageTimeToLive: 'P14D'
    enableBatchedOperations: true
    enablePartitioning: false
    maxSizeInMegabytes: 1024
  }
}]

output name string = namespace.name
output resourceId string = namespace.id
output fullyQualifiedNamespace string = '${namespace.name}.servicebus.windows.net'
