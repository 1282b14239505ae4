// What operations watches: the PsaSync workbook on Application Insights and the alert rules. The queries read the
// business events and metrics the code emits (TelemetryNames) and the log lines it writes (docs/deploy.md,
// "Monitoring"); tests/PsaSync.Infra.Tests checks that every name, message template and property they use is the code's.
param location string = resourceGroup().location
param tags object = {}
param resourceToken string
param applicationInsightsName string
param serviceBusNamespaceName string
param actionGroupName string

@description('Receives the alerts; empty: the rules fire without a notification (visible under Azure Monitor alerts).')
param alertEmail string = ''

@description('ERP 429 answers to one domain within 5 minutes above which the ERP throttle-storm alert fires.')
param erpThrottleStormThreshold int = 50

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource serviceBus 'Microsoft.ServiceBus/namespaces@2022-10-01-preview' existing = {
  name: serviceBusNamespaceName
}

resource workbook 'Microsoft.Insights/workbooks@2022-04-01' = {
  name: guid(applicationInsights.id, 'psasync-operations')
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: 'PsaSync operations'
    category: 'workbook'
    sourceId: applicationInsights.id
    serializedData: replace(loadTextContent('../workbook/psasync-operations.json'), '__APPLICATION_INSIGHTS_ID__', applicationInsights.id)
  }
}

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = if (!empty(alertEmail)) {
  name: actionGroupName
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'psasync'
    enabled: true
    emailReceivers: [
      {
        name: 'operations'
        emailAddress: alertEmail
        useCommonAlertSchema: true
      }
    ]
  }
}

// By id, so that no rule reads the optional action group; each rule depends on it explicitly.
var actionGroupIds = empty(alertEmail) ? [] : [
  resourceId('Microsoft.Insights/actionGroups', actionGroupName)
]

// Every dead-letter written by a domain processor (the "Dead-lettered ..." error logs).
resource deadLetterAlert 'Microsoft.Insights/scheduledQueryRules@2021-08-01' = {
  name: 'psasync-dead-letters-${resourceToken}'
  location: location
  tags: tags
  properties: {
    displayName: 'PsaSync: messages dead-lettered'
    description: 'A domain processor dead-lettered a message (DELIVERY_EXHAUSTED, MESSAGE_UNREADABLE or EVENT_UNSUPPORTED). Each has an exception item; see docs/operations.md.'
    severity: 2
    enabled: true
    scopes: [
      applicationInsights.id
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT5M'
    criteria: {
      allOf: [
        {
          query: loadTextContent('../alerts/dead-letters.kql')
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: true
    actions: {
      actionGroups: actionGroupIds
    }
  }
  dependsOn: [
    actionGroup
  ]
}

// Reconciliation runs whose summary says drifts were left for a person (RECONCILIATION_DRIFT items). The jobs run
// hourly by default, so the rule looks at the last hour, and fires again every hour the drift is still reported.
resource reconciliationDriftAlert 'Microsoft.Insights/scheduledQueryRules@2021-08-01' = {
  name: 'psasync-reconciliation-drift-${resourceToken}'
  location: location
  tags: tags
  properties: {
    displayName: 'PsaSync: reconciliation drift left for a person'
    description: 'A reconciliation run found differences between the ERP and the PSA it could not heal safely (RECONCILIATION_DRIFT exception items).'
    severity: 3
    enabled: true
    scopes: [
      applicationInsights.id
    ]
    evaluationFrequency: 'PT1H'
    windowSize: 'PT1H'
    criteria: {
      allOf: [
        {
          query: loadTextContent('../alerts/reconciliation-drift.kql')
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: true
    actions: {
      actionGroups: actionGroupIds
    }
  }
  dependsOn: [
    actionGroup
  ]
}

// An ERP 429 storm: more throttled ERP calls in one domain within 5 minutes than the threshold (the custom event
// PsaSync.ErpThrottled, one per 429 a handler met). Lasting storms exhaust deliveries and dead-letter messages.
resource erpThrottleStormAlert 'Microsoft.Insights/scheduledQueryRules@2021-08-01' = {
  name: 'psasync-erp-throttle-storm-${resourceToken}'
  location: location
  tags: tags
  properties: {
    displayName: 'PsaSync: ERP 429 storm'
    description: 'The ERP throttled (HTTP 429) a domain more often than the threshold in 5 minutes. Lower the concurrency of the apps or raise the ERP budget; see docs/deploy.md, Scaling.'
    severity: 2
    enabled: true
    scopes: [
      applicationInsights.id
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT5M'
    criteria: {
      allOf: [
        {
          query: loadTextContent('../alerts/erp-throttle-storm.kql')
          timeAggregation: 'Total'
          metricMeasureColumn: 'Throttled'
          dimensions: [
            {
              name: 'Domain'
              operator: 'Include'
              values: [
                '*'
              ]
            }
          ]
          operator: 'GreaterThan'
          threshold: erpThrottleStormThreshold
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: true
    actions: {
      actionGroups: actionGroupIds
    }
  }
  dependsOn: [
    actionGroup
  ]
}

// Service Bus's own count of dead-lettered messages per queue. Independent of logging: it also catches messages
// Service Bus dead-letters itself (expiry, or a worker that crashed on every delivery), and stays raised until the
// dead-letter queue is drained.
resource deadLetterQueueAlert 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: 'psasync-dead-letter-queues-${resourceToken}'
  location: 'global'
  tags: tags
  properties: {
    description: 'Messages are waiting in a PsaSync dead-letter queue.'
    severity: 2
    enabled: true
    scopes: [
      serviceBus.id
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'DeadLetteredMessages'
          metricNamespace: 'Microsoft.ServiceBus/namespaces'
          metricName: 'DeadletteredMessages'
          dimensions: [
            {
              name: 'EntityName'
              operator: 'Include'
              values: [
                '*'
              ]
            }
          ]
          operator: 'GreaterThan'
          threshold: 0
          timeAggregation: 'Maximum'
        }
      ]
    }
    autoMitigate: true
    actions: [for id in actionGroupIds: {
      actionGroupId: id
    }]
  }
  dependsOn: [
    actionGroup
  ]
}

output workbookId string = workbook.id
