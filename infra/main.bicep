// PsaSync in Azure: four Flex Consumption function apps (one per sync domain), their Service Bus queues, the
// storage account (host storage, deployment packages, PsaSync tables, the Durable Functions task hubs), Key Vault
// for the webhook secrets, Application Insights with a workbook and alert rules, and one user-assigned identity
// per app with least-privilege role assignments. Deployed by `azd up`; see docs/deploy.md.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment. It names the resource group and, hashed, every resource.')
param environmentName string

@minLength(1)
@description('Region for all resources. It must offer the Flex Consumption plan (az functionapp list-flexconsumption-locations).')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Object id of whoever runs azd (AZURE_PRINCIPAL_ID). Gets Key Vault Secrets Officer to set the webhook secrets, and data access when deployerDataAccess is true.')
param principalId string = deployer().objectId

@description('Give the deployer data access to the PsaSync tables and queues, so an app can run locally against this environment (infra/hooks). Set PSASYNC_DEPLOYER_DATA_ACCESS=false for shared or production environments.')
param deployerDataAccess bool = true

@description('E-mail address that receives the alerts (PSASYNC_ALERT_EMAIL). Empty: the alert rules are created without a notification.')
param alertEmail string = ''

@description('NCRONTAB schedule of the customer reconciliation (customer-master app).')
param customerReconciliationSchedule string = '0 0 * * * *'

@description('NCRONTAB schedule of the project reconciliation (project-setup app).')
param projectReconciliationSchedule string = '0 15 * * * *'

@description('NCRONTAB schedule of the parking sweep (project-setup app).')
param parkingSweepSchedule string = '0 */15 * * * *'

@description('NCRONTAB schedule of period-close billing, which starts the billing-readiness runs (time-expense app).')
param periodCloseBillingSchedule string = '0 0 6 1 * *'

@description('NCRONTAB schedule of the poll that carries ERP invoice changes and payments to the PSA (invoice-status app).')
param invoiceFeedbackSchedule string = '0 */5 * * * *'

@description('NCRONTAB schedule of the job that shows open exception items on their PSA records (invoice-status app).')
param psaExceptionNotesSchedule string = '0 */5 * * * *'

@description('NCRONTAB schedule of the money-level billing reconciliation (invoice-status app).')
param billingReconciliationSchedule string = '0 30 5 * * *'

@description('NCRONTAB schedule of the exception-backlog job, which reports open exception items and their age as metrics (invoice-status app).')
param exceptionBacklogSchedule string = '0 */15 * * * *'

@description('NCRONTAB schedule of the cost posting job, which posts accepted time to the ERP in batches (time-expense app).')
param costPostingSchedule string = '0 */5 * * * *'

@description('The ERP principal\'s request budget per 5 minutes, shared by the four apps (Business Central: 6,000). See docs/configuration.md, "ERP request budget".')
param erpRequestsPerWindow int = 6000

@description('The ERP principal\'s concurrent requests, shared by the four apps (Business Central: 5).')
param erpMaxConcurrency int = 5

@description('How long a record may wait for its parent before the parking sweep raises it for a person (PsaSync:Parking:MaxWait).')
param parkingMaxWait string = '1.00:00:00'

@description('Flex Consumption: the most instances each app scales out to. The ERP, not Azure, is the bottleneck; see docs/deploy.md, "Scaling".')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Flex Consumption: memory of each instance.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Redundancy of the storage account that holds the PsaSync tables (dedupe ledger, timelines, exception items). Use Standard_ZRS for production.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
])
param storageSkuName string = 'Standard_LRS'

var abbrs = loadJsonContent('./abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}

// Deliveries before Service Bus dead-letters a message. The same number is PsaSync__Messaging__MaxDeliveryCount,
// so the processor's last attempt (which dead-letters with DELIVERY_EXHAUSTED and raises an exception item) is
// the queue's last delivery, and Service Bus never dead-letters a message behind PsaSync's back. A retry that waits
// is a scheduled copy carrying the deliveries so far, so the processor counts all of them and stops first.
var maxDeliveryCount = 10

// Service Bus duplicate detection. The first publication of a record version has an envelope id (= MessageId)
// derived from its idempotency key, so a webhook delivered twice within this window is dropped by Service Bus.
// Later duplicates still reach the processor and are absorbed by the dedupe ledger, which is the real guarantee.
// A longer window buys little and widens the time in which a deliberate re-send of the same record version
// (after fixing a rejected record) is silently dropped; replays get a new MessageId and are not affected.
var duplicateDetectionWindow = 'PT10M'

// One queue per sync domain (shared/PsaSync.Core/Messaging/Messaging.cs, QueueNames.All).
var queueNames = [
  'customer-master'
  'project-setup'
  'time-expense'
  'invoice-status'
]

// Every app reads and writes the same tables (dedupe ledger, cross references, parking lot, ...): one prefix.
var tablePrefix = 'psasync'

// The four function apps. serviceName is the azure.yaml service (tagged azd-service-name). sendsTo: the queues the
// app publishes to (its webhooks' queues, where it also schedules its own delayed retries; the customer handler
// re-drives parked project events to project-setup, and the project handler re-drives parked time, expenses and
// milestones to time-expense; the operations API in invoice-status replays a failed event to its domain's queue).
// receivesFrom: the queue its Service Bus trigger reads. taskHub: its own Durable task hub, because the four apps share one storage
// account (time-expense runs the billing-readiness orchestrations). settings: app settings only this app reads
// (its timer schedules). The order matters for the SERVICE_*_NAME outputs at the end of this file.
var apps = [
  {
    serviceName: 'customer-master'
    sendsTo: [
      'customer-master'
      'project-setup'
    ]
    receivesFrom: 'customer-master'
    taskHub: 'PsaSyncCustomerMaster'
    erpShare: 1
    settings: {
      CustomerReconciliationSchedule: customerReconciliationSchedule
    }
  }
  {
    serviceName: 'project-setup'
    sendsTo: [
      'project-setup'
      'time-expense'
    ]
    receivesFrom: 'project-setup'
    taskHub: 'PsaSyncProjectSetup'
    erpShare: 1
    settings: {
      ProjectReconciliationSchedule: projectReconciliationSchedule
      ParkingSweepSchedule: parkingSweepSchedule
    }
  }
  {
    serviceName: 'time-expense'
    sendsTo: [
      'time-expense'
    ]
    receivesFrom: 'time-expense'
    taskHub: 'PsaSyncTimeExpense'
    // Sixths of the ERP budget (they add up to 6): time-expense posts the costs and the invoices, so it gets half.
    erpShare: 3
    settings: {
      PeriodCloseBillingSchedule: periodCloseBillingSchedule
      CostPostingSchedule: costPostingSchedule
    }
  }
  {
    serviceName: 'invoice-status'
    sendsTo: queueNames
    receivesFrom: 'invoice-status'
    taskHub: 'PsaSyncInvoiceStatus'
    erpShare: 1
    settings: {
      InvoiceFeedbackSchedule: invoiceFeedbackSchedule
      BillingReconciliationSchedule: billingReconciliationSchedule
      PsaExceptionNotesSchedule: psaExceptionNotesSchedule
      ExceptionBacklogSchedule: exceptionBacklogSchedule
    }
  }
]

// One Flex deployment container per app, in the shared storage account.
var deploymentContainers = [for app in apps: 'app-package-${app.serviceName}-${take(resourceToken, 7)}']

resource rg 'Microsoft.Resources/resourceGroups@2021-04-01' = {
  name: '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

// One user-assigned identity per app, so each app holds only its own roles.
module identities 'app/identity.bicep' = [for app in apps: {
  name: 'identity-${app.serviceName}'
  scope: rg
  params: {
    name: '${abbrs.managedIdentityUserAssignedIdentities}${app.serviceName}-${resourceToken}'
    location: location
    tags: tags
  }
}]

// Log Analytics and Application Insights (local authentication off: Entra ID only).
module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    applicationInsightsName: '${abbrs.insightsComponents}${resourceToken}'
    location: location
    tags: tags
    retentionInDays: 30
  }
}

// Host storage (AzureWebJobsStorage), deployment packages, the PsaSync tables (created by the apps on first use,
// named <tablePrefix><suffix>) and the Durable task hubs. Shared keys are off: identities only.
module storage 'app/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: '${abbrs.storageStorageAccounts}${resourceToken}'
    location: location
    tags: tags
    skuName: storageSkuName
    deploymentContainers: deploymentContainers
  }
}

module serviceBus 'app/servicebus.bicep' = {
  name: 'servicebus'
  scope: rg
  params: {
    name: '${abbrs.serviceBusNamespaces}${resourceToken}'
    location: location
    tags: tags
    queueNames: queueNames
    maxDeliveryCount: maxDeliveryCount
    duplicateDetectionWindow: duplicateDetectionWindow
  }
}

module keyVault 'app/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    name: '${abbrs.keyVaultVaults}${resourceToken}'
    location: location
    tags: tags
  }
}

module appAccess 'app/app-access.bicep' = [for (app, i) in apps: {
  name: 'access-${app.serviceName}'
  scope: rg
  params: {
    principalId: identities[i].outputs.principalId
    storageAccountName: storage.outputs.name
    serviceBusNamespaceName: serviceBus.outputs.name
    sendsTo: app.sendsTo
    receivesFrom: app.receivesFrom
    keyVaultName: keyVault.outputs.name
    applicationInsightsName: monitoring.outputs.name
  }
}]

module functionApps 'app/function-app.bicep' = [for (app, i) in apps: {
  name: 'app-${app.serviceName}'
  scope: rg
  params: {
    serviceName: app.serviceName
    name: '${abbrs.webSitesFunctions}${app.serviceName}-${resourceToken}'
    planName: '${abbrs.webServerFarms}${app.serviceName}-${resourceToken}'
    location: location
    tags: tags
    identityId: identities[i].outputs.resourceId
    identityClientId: identities[i].outputs.clientId
    storageAccountName: storage.outputs.name
    deploymentContainerName: deploymentContainers[i]
    applicationInsightsName: monitoring.outputs.name
    serviceBusFullyQualifiedNamespace: serviceBus.outputs.fullyQualifiedNamespace
    keyVaultUri: keyVault.outputs.uri
    taskHubName: app.taskHub
    maxDeliveryCount: maxDeliveryCount
    tablePrefix: tablePrefix
    parkingMaxWait: parkingMaxWait
    appSettings: app.settings
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    erpRequestsPerWindow: erpRequestsPerWindow * app.erpShare / 6
    erpMaxConcurrency: max(1, erpMaxConcurrency * app.erpShare / 6)
  }
  // The roles must exist before the app first starts: it pulls its package and resolves its Key Vault
  // references with its identity.
  dependsOn: [
    appAccess[i]
  ]
}]

module deployerAccess 'app/deployer-access.bicep' = if (!empty(principalId)) {
  name: 'access-deployer'
  scope: rg
  params: {
    principalId: principalId
    dataAccess: deployerDataAccess
    storageAccountName: storage.outputs.name
    serviceBusNamespaceName: serviceBus.outputs.name
    keyVaultName: keyVault.outputs.name
  }
}

module operations 'app/operations.bicep' = {
  name: 'operations'
  scope: rg
  params: {
    location: location
    tags: tags
    resourceToken: resourceToken
    applicationInsightsName: monitoring.outputs.name
    serviceBusNamespaceName: serviceBus.outputs.name
    actionGroupName: '${abbrs.insightsActionGroups}${resourceToken}'
    alertEmail: alertEmail
  }
}

// Outputs become azd environment values (azd env get-values); infra/hooks reads them.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_KEY_VAULT_ENDPOINT string = keyVault.outputs.uri
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.name
output PSASYNC_TABLE_SERVICE_URI string = 'https://${storage.outputs.name}.table.${environment().suffixes.storage}/'
output PSASYNC_TABLE_PREFIX string = tablePrefix
output PSASYNC_SERVICE_BUS_NAMESPACE string = serviceBus.outputs.fullyQualifiedNamespace
output PSASYNC_MAX_DELIVERY_COUNT string = string(maxDeliveryCount)
output PSASYNC_PARKING_MAX_WAIT string = parkingMaxWait
output PSASYNC_CUSTOMER_RECONCILIATION_SCHEDULE string = customerReconciliationSchedule
output PSASYNC_PROJECT_RECONCILIATION_SCHEDULE string = projectReconciliationSchedule
output PSASYNC_PARKING_SWEEP_SCHEDULE string = parkingSweepSchedule
output PSASYNC_PERIOD_CLOSE_BILLING_SCHEDULE string = periodCloseBillingSchedule
output PSASYNC_INVOICE_FEEDBACK_SCHEDULE string = invoiceFeedbackSchedule
output PSASYNC_BILLING_RECONCILIATION_SCHEDULE string = billingReconciliationSchedule
output PSASYNC_PSA_EXCEPTION_NOTES_SCHEDULE string = psaExceptionNotesSchedule
output PSASYNC_EXCEPTION_BACKLOG_SCHEDULE string = exceptionBacklogSchedule
output PSASYNC_COST_POSTING_SCHEDULE string = costPostingSchedule
output PSASYNC_ERP_REQUESTS_PER_WINDOW string = string(erpRequestsPerWindow)
output PSASYNC_ERP_MAX_CONCURRENCY string = string(erpMaxConcurrency)
output SERVICE_CUSTOMER_MASTER_NAME string = functionApps[0].outputs.name
output SERVICE_PROJECT_SETUP_NAME string = functionApps[1].outputs.name
output SERVICE_TIME_EXPENSE_NAME string = functionApps[2].outputs.name
output SERVICE_INVOICE_STATUS_NAME string = functionApps[3].outputs.name
