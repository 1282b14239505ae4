// One PsaSync function app: its own Flex Consumption plan (FC1; a Flex plan hosts one app) and the site, running
// as its user-assigned identity. Every connection is identity-based: no keys, no connection strings with secrets.
@description('The azure.yaml service name; tagged azd-service-name so that azd deploy finds this app.')
param serviceName string

param name string
param planName string
param location string = resourceGroup().location
param tags object = {}

@description('Resource id of the app\'s user-assigned identity.')
param identityId string

@description('Client id of the app\'s user-assigned identity (AZURE_CLIENT_ID and the __clientId settings).')
param identityClientId string

param storageAccountName string
param deploymentContainerName string
param applicationInsightsName string
param serviceBusFullyQualifiedNamespace string

@description('Key Vault URI, ending with a slash. The apps read the webhook signing secrets there (webhook-<source>-current and -previous).')
param keyVaultUri string

@description('The app\'s own Durable Functions task hub in the shared storage account.')
param taskHubName string

param maxDeliveryCount int
param tablePrefix string
param parkingMaxWait string

@description('This app\'s share of the ERP principal\'s request budget: requests per 5 minutes (PsaSync:ErpBudget:RequestsPerWindow).')
param erpRequestsPerWindow int

@description('This app\'s share of the ERP principal\'s concurrent requests (PsaSync:ErpBudget:MaxConcurrency).')
param erpMaxConcurrency int

@description('Settings only this app reads (its timer schedules).')
param appSettings object = {}

param maximumInstanceCount int = 40
param instanceMemoryMB int = 2048

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

// Flex Consumption: a plan hosts one app, Linux only.
resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

// Host storage (AzureWebJobsStorage) with the identity: blob for the deployment package, function keys and timer
// locks; queue and table for the Durable Functions Azure Storage backend. The four apps share the storage account,
// so each overrides host.json's durableTask.hubName with its own task hub.
var hostSettings = {
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  AzureWebJobsStorage__blobServiceUri: storage.properties.primaryEndpoints.blob
  AzureWebJobsStorage__queueServiceUri: storage.properties.primaryEndpoints.queue
  AzureWebJobsStorage__tableServiceUri: storage.properties.primaryEndpoints.table
  AzureFunctionsJobHost__extensions__durableTask__hubName: taskHubName
}

// The Service Bus triggers' connection (Connection = "ServiceBusConnection").
var serviceBusSettings = {
  ServiceBusConnection__fullyQualifiedNamespace: serviceBusFullyQualifiedNamespace
  ServiceBusConnection__credential: 'managedidentity'
  ServiceBusConnection__clientId: identityClientId
}

// Telemetry with Entra ID. The connection string locates the resource; it grants nothing, because local
// authentication is disabled on Application Insights. The Logging__ rule lets PsaSync's Information logs (the
// workbook's "Accepted", "Duplicate", "Job ... finished") past the Application Insights logger's default
// Warning filter in the worker.
var telemetrySettings = {
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsights.properties.ConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
  Logging__ApplicationInsights__LogLevel__PsaSync: 'Information'
}

// PsaSyncOptions (shared/PsaSync.Hosting/PsaSyncOptions.cs). DefaultAzureCredential picks the identity by AZURE_CLIENT_ID.
var psaSyncSettings = {
  AZURE_CLIENT_ID: identityClientId
  PsaSync__Storage__TableServiceUri: storage.properties.primaryEndpoints.table
  PsaSync__Storage__TablePrefix: tablePrefix
  PsaSync__Messaging__ServiceBusNamespace: serviceBusFullyQualifiedNamespace
  PsaSync__Messaging__MaxDeliveryCount: string(maxDeliveryCount)
  PsaSync__Erp__Kind: 'sandbox'
  PsaSync__Psa__Kind: 'sandbox'
  PsaSync__Parking__MaxWait: parkingMaxWait
  // The webhook signing secrets are read from Key Vault with the app's identity (AZURE_CLIENT_ID) and cached briefly,
  // so a rotation is picked up without a restart. The values live only in Key Vault.
  PsaSync__Webhooks__KeyVaultUri: keyVaultUri
  PsaSync__ErpBudget__RequestsPerWindow: string(erpRequestsPerWindow)
  PsaSync__ErpBudget__MaxConcurrency: string(erpMaxConcurrency)
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  kind: 'functionapp,linux'
  tags: union(tags, { 'azd-service-name': serviceName })
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identityId
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
    }
  }
}

// The app settings as their own resource, the way the site module set them.
resource settings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'appsettings'
  properties: union(appSettings, hostSettings, serviceBusSettings, telemetrySettings, psaSyncSettings)
}

output name string = site.name
