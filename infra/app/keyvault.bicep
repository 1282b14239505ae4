// Key Vault for the webhook signing secrets (two per source: webhook-<source>-current and webhook-<source>-previous,
// the latter only during a rotation). The apps read them with their identity (Key Vault Secrets User). Access is by
// Azure RBAC only. The secrets themselves are not created here: their values never appear in a template, a
// parameter or a deployment history. docs/deploy.md says how to set and rotate them.
param name string
param location string = resourceGroup().location
param tags object = {}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    publicNetworkAccess: 'Enabled'
  }
}

output name string = vault.name
output resourceId string = vault.id
// Ends with a slash, e.g. https://kv-abc.vault.azure.net/
output uri string = vault.properties.vaultUri
