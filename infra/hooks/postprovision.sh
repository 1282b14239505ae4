#!/bin/sh
# azd postprovision hook (Linux, macOS). Writes functions/<app>/local.settings.json for each of the four apps
# from the azd environment's outputs, so that `func start` in an app's folder runs against this environment's
# Table Storage and Service Bus with your own sign-in (DefaultAzureCredential; azd auth login or az login).
# Host storage (timers, keys) stays on Azurite. A local.settings.json this hook did not write is left alone.
# The webhook secrets written here are local ones; the deployed apps read theirs from Key Vault.
# See docs/deploy.md, "Running an app locally against Azure".
set -eu

for name in PSASYNC_TABLE_SERVICE_URI PSASYNC_TABLE_PREFIX PSASYNC_SERVICE_BUS_NAMESPACE PSASYNC_MAX_DELIVERY_COUNT \
  PSASYNC_PARKING_MAX_WAIT PSASYNC_CUSTOMER_RECONCILIATION_SCHEDULE PSASYNC_PROJECT_RECONCILIATION_SCHEDULE \
  PSASYNC_PARKING_SWEEP_SCHEDULE PSASYNC_PERIOD_CLOSE_BILLING_SCHEDULE PSASYNC_INVOICE_FEEDBACK_SCHEDULE \
  PSASYNC_BILLING_RECONCILIATION_SCHEDULE PSASYNC_PSA_EXCEPTION_NOTES_SCHEDULE PSASYNC_EXCEPTION_BACKLOG_SCHEDULE \
  PSASYNC_COST_POSTING_SCHEDULE PSASYNC_ERP_REQUESTS_PER_WINDOW PSASYNC_ERP_MAX_CONCURRENCY; do
  eval "value=\${$name:-}"
  if [ -z "$value" ]; then
    echo "postprovision: $name is not set (run azd provision first); no local.settings.json written." >&2
    exit 1
  fi
done

for dir in functions/PsaSync.Functions.CustomerMaster functions/PsaSync.Functions.ProjectSetup \
  functions/PsaSync.Functions.TimeExpense functions/PsaSync.Functions.InvoiceStatus; do
  if [ ! -d "$dir" ]; then
    echo "postprovision: $dir not found; skipped." >&2
    continue
  fi
  file="$dir/local.settings.json"
  if [ -f "$file" ] && ! grep -q '"PSASYNC_LOCAL_SETTINGS_SOURCE"' "$file"; then
    echo "postprovision: $file exists and was not written by this hook; left alone (delete it to regenerate)." >&2
    continue
  fi
  cat >"$file" <<EOF
{
  "IsEncrypted": false,
  "Values": {
    "PSASYNC_LOCAL_SETTINGS_SOURCE": "azd postprovision, environment ${AZURE_ENV_NAME:-}",
    "FUNCTIONS_WORKER_RUNTIME": "dotnet-isolated",
    "AzureWebJobsStorage": "UseDevelopmentStorage=true",
    "ServiceBusConnection__fullyQualifiedNamespace": "$PSASYNC_SERVICE_BUS_NAMESPACE",
    "PsaSync__Storage__TableServiceUri": "$PSASYNC_TABLE_SERVICE_URI",
    "PsaSync__Storage__TablePrefix": "$PSASYNC_TABLE_PREFIX",
    "PsaSync__Messaging__ServiceBusNamespace": "$PSASYNC_SERVICE_BUS_NAMESPACE",
    "PsaSync__Messaging__MaxDeliveryCount": "$PSASYNC_MAX_DELIVERY_COUNT",
    "PsaSync__Erp__Kind": "sandbox",
    "PsaSync__Psa__Kind": "sandbox",
    "CustomerReconciliationSchedule": "$PSASYNC_CUSTOMER_RECONCILIATION_SCHEDULE",
    "ProjectReconciliationSchedule": "$PSASYNC_PROJECT_RECONCILIATION_SCHEDULE",
    "ParkingSweepSchedule": "$PSASYNC_PARKING_SWEEP_SCHEDULE",
    "PeriodCloseBillingSchedule": "$PSASYNC_PERIOD_CLOSE_BILLING_SCHEDULE",
    "InvoiceFeedbackSchedule": "$PSASYNC_INVOICE_FEEDBACK_SCHEDULE",
    "BillingReconciliationSchedule": "$PSASYNC_BILLING_RECONCILIATION_SCHEDULE",
    "PsaExceptionNotesSchedule": "$PSASYNC_PSA_EXCEPTION_NOTES_SCHEDULE",
    "ExceptionBacklogSchedule": "$PSASYNC_EXCEPTION_BACKLOG_SCHEDULE",
    "CostPostingSchedule": "$PSASYNC_COST_POSTING_SCHEDULE",
    "PsaSync__ErpBudget__RequestsPerWindow": "$PSASYNC_ERP_REQUESTS_PER_WINDOW",
    "PsaSync__ErpBudget__MaxConcurrency": "$PSASYNC_ERP_MAX_CONCURRENCY",
    "PsaSync__Webhooks__Secrets__psa": "local-dev-secret-psa",
    "PsaSync__Webhooks__Secrets__crm": "local-dev-secret-crm",
    "PsaSync__Webhooks__Secrets__erp": "local-dev-secret-erp",
    "PsaSync__Parking__MaxWait": "$PSASYNC_PARKING_MAX_WAIT"
  }
}
EOF
  echo "postprovision: wrote $file"
done
