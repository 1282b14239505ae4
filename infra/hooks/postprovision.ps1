# azd postprovision hook (Windows). Writes functions/<app>/local.settings.json for each of the four apps
# from the azd environment's outputs, so that `func start` in an app's folder runs against this environment's
# Table Storage and Service Bus with your own sign-in (DefaultAzureCredential; azd auth login or az login).
# Host storage (timers, keys) stays on Azurite. A local.settings.json this hook did not write is left alone.
# The webhook secrets written here are local ones; the deployed apps read theirs from Key Vault.
# See docs/deploy.md, "Running an app locally against Azure".
$ErrorActionPreference = 'Stop'

$names = @(
    'PSASYNC_TABLE_SERVICE_URI', 'PSASYNC_TABLE_PREFIX', 'PSASYNC_SERVICE_BUS_NAMESPACE', 'PSASYNC_MAX_DELIVERY_COUNT',
    'PSASYNC_PARKING_MAX_WAIT', 'PSASYNC_CUSTOMER_RECONCILIATION_SCHEDULE', 'PSASYNC_PROJECT_RECONCILIATION_SCHEDULE',
    'PSASYNC_PARKING_SWEEP_SCHEDULE', 'PSASYNC_PERIOD_CLOSE_BILLING_SCHEDULE', 'PSASYNC_INVOICE_FEEDBACK_SCHEDULE',
    'PSASYNC_BILLING_RECONCILIATION_SCHEDULE', 'PSASYNC_PSA_EXCEPTION_NOTES_SCHEDULE', 'PSASYNC_EXCEPTION_BACKLOG_SCHEDULE',
    'PSASYNC_COST_POSTING_SCHEDULE', 'PSASYNC_ERP_REQUESTS_PER_WINDOW', 'PSASYNC_ERP_MAX_CONCURRENCY')
foreach ($name in $names) {
    if ([string]::IsNullOrEmpty([Environment]::GetEnvironmentVariable($name))) {
        Write-Error "postprovision: $name is not set (run azd provision first); no local.settings.json written."
        exit 1
    }
}

$values = [ordered]@{
    'PSASYNC_LOCAL_SETTINGS_SOURCE'                 = "azd postprovision, environment $env:AZURE_ENV_NAME"
    'FUNCTIONS_WORKER_RUNTIME'                      = 'dotnet-isolated'
    'AzureWebJobsStorage'                           = 'UseDevelopmentStorage=true'
    'ServiceBusConnection__fullyQualifiedNamespace' = $env:PSASYNC_SERVICE_BUS_NAMESPACE
    'PsaSync__Storage__TableServiceUri'             = $env:PSASYNC_TABLE_SERVICE_URI
    'PsaSync__Storage__TablePrefix'                 = $env:PSASYNC_TABLE_PREFIX
    'PsaSync__Messaging__ServiceBusNamespace'       = $env:PSASYNC_SERVICE_BUS_NAMESPACE
    'PsaSync__Messaging__MaxDeliveryCount'          = $env:PSASYNC_MAX_DELIVERY_COUNT
    'PsaSync__Erp__Kind'                            = 'sandbox'
    'PsaSync__Psa__Kind'                            = 'sandbox'
    'CustomerReconciliationSchedule'                = $env:PSASYNC_CUSTOMER_RECONCILIATION_SCHEDULE
    'ProjectReconciliationSchedule'                 = $env:PSASYNC_PROJECT_RECONCILIATION_SCHEDULE
    'ParkingSweepSchedule'                          = $env:PSASYNC_PARKING_SWEEP_SCHEDULE
    'PeriodCloseBillingSchedule'                    = $env:PSASYNC_PERIOD_CLOSE_BILLING_SCHEDULE
    'InvoiceFeedbackSchedule'                       = $env:PSASYNC_INVOICE_FEEDBACK_SCHEDULE
    'BillingReconciliationSchedule'                 = $env:PSASYNC_BILLING_RECONCILIATION_SCHEDULE
    'PsaExceptionNotesSchedule'                     = $env:PSASYNC_PSA_EXCEPTION_NOTES_SCHEDULE
    'ExceptionBacklogSchedule'                      = $env:PSASYNC_EXCEPTION_BACKLOG_SCHEDULE
    'CostPostingSchedule'                           = $env:PSASYNC_COST_POSTING_SCHEDULE
    # One app run locally is the only one using this budget, so it gets all of it.
    'PsaSync__ErpBudget__RequestsPerWindow'         = $env:PSASYNC_ERP_REQUESTS_PER_WINDOW
    'PsaSync__ErpBudget__MaxConcurrency'            = $env:PSASYNC_ERP_MAX_CONCURRENCY
    'PsaSync__Webhooks__Secrets__psa'               = 'local-dev-secret-psa'
    'PsaSync__Webhooks__Secrets__crm'               = 'local-dev-secret-crm'
    'PsaSync__Webhooks__Secrets__erp'               = 'local-dev-secret-erp'
    'PsaSync__Parking__MaxWait'                     = $env:PSASYNC_PARKING_MAX_WAIT
}
$json = [ordered]@{ IsEncrypted = $false; Values = $values } | ConvertTo-Json -Depth 5

$dirs = @(
    'functions/PsaSync.Functions.CustomerMaster', 'functions/PsaSync.Functions.ProjectSetup',
    'functions/PsaSync.Functions.TimeExpense', 'functions/PsaSync.Functions.InvoiceStatus')
foreach ($dir in $dirs) {
    if (-not (Test-Path $dir -PathType Container)) {
        Write-Warning "postprovision: $dir not found; skipped."
        continue
    }
    $file = Join-Path $dir 'local.settings.json'
    if ((Test-Path $file) -and -not (Select-String -Path $file -Pattern '"PSASYNC_LOCAL_SETTINGS_SOURCE"' -Quiet)) {
        Write-Warning "postprovision: $file exists and was not written by this hook; left alone (delete it to regenerate)."
        continue
    }
    Set-Content -Path $file -Value $json -Encoding utf8
    Write-Host "postprovision: wrote $file"
}
