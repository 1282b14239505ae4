using PsaSync.Core.Exceptions;
using PsaSync.Core.Messaging;
using PsaSync.Core.Model;
using PsaSync.Core.Ports;
using PsaSync.Core.Scheduling;
using PsaSync.Core.Telemetry;

namespace PsaSync.Core.Reconciliation;

/// <summary>
/// Compares ERP customers with PSA customers. The ERP is the system of record, so a customer missing in the PSA
/// or differing from the ERP is healed by writing the ERP's data to the PSA; a PSA customer with no ERP
/// customer cannot be healed safely and is left for a person.
/// </summary>
public sealed class CustomerReconciliationJob(IErpConnector erp, IPsaConnector psa, IExceptionStore exceptions, IReconciliationReports reports, TimeProvider clock, IBusinessTelemetry telemetry)
    : IScheduledJob
{
    public string Name => JobNames.CustomerReconciliation;

    public async Task<string> RunAsync(CancellationToken cancellationToken)
    {
        var run = new ReconciliationRun(Name, QueueNames.CustomerMaster, exceptions, reports, clock, telemetry);
        var erpCustomers = await erp.ListCustomersAsync(cancellationToken);
        var psaCustomers = await psa.ListCustomersAsync(cancellationToken);
        var psaByNumber = psaCustomers.Where(c => c.ErpCustomerNumber is not null).ToLookup(c => c.ErpCustomerNumber!);

        foreach (var customer in erpCustomers)
        {
            var record = new RecordRef(SystemNames.Erp, EntityKinds.Customer, customer.CustomerNumber);
            var matches = psaByNumber[customer.CustomerNumber].ToList();
            if (matches.Count > 1)
            {
                // Which PSA customer is the real one is a business decision (projects may hang on either).
                await run.LeftForAPersonAsync(record, DriftKind.DuplicateInPsa,
                    $"ERP customer {customer.CustomerNumber} ({customer.LegalName}) has {matches.Count} PSA customers: {string.Join(", ", matches.Select(m => $"{m.PsaCustomerId} (key {m.CustomerKey})"))}. Merge them in the PSA.",
                    cancellationToken);
                continue;
            }
            if (matches.Count == 0)
            {
                await psa.UpsertCustomerAsync(ToPsa(customer), cancellationToken);
                run.Healed(record, DriftKind.MissingInPsa, $"ERP customer {customer.CustomerNumber} ({customer.LegalName}) was missing in the PSA; it was added.");
                continue;
            }
            var inPsa = matches[0];
            var differences = Differences(customer, inPsa);
            if (differences.Count > 0)
            {
                await psa.UpsertCustomerAsync(ToPsa(customer), cancellationToken);
                run.Healed(record, DriftKind.FieldMismatch, $"PSA customer {inPsa.PsaCustomerId} differed from ERP customer {customer.CustomerNumber} ({string.Join("; ", differences)}); the ERP's data was written to the PSA.");
            }
        }

        var erpNumbers = erpCustomers.Select(c => c.CustomerNumber).ToHashSet();
        foreach (var orphan in psaCustomers.Where(c => c.ErpCustomerNumber is null || !erpNumbers.Contains(c.ErpCustomerNumber)))
        {
            await run.LeftForAPersonAsync(new RecordRef(SystemNames.Psa, EntityKinds.Customer, orphan.PsaCustomerId ?? orphan.CustomerKey), DriftKind.OrphanInPsa,
                $"PSA customer {orphan.PsaCustomerId} ({orphan.LegalName}) has no ERP customer{(orphan.ErpCustomerNumber is null ? "" : $" (it refers to {orphan.ErpCustomerNumber})")}.",
                cancellationToken);
        }
        return await run.CompleteAsync(erpCustomers.Count, cancellationToken);
    }

    private static PsaCustomer ToPsa(ErpCustomer c) =>
        new(null, string.IsNullOrEmpty(c.ExternalId) ? c.CustomerNumber : c.ExternalId, c.LegalName, c.BillingCountry, c.Currency, c.CustomerNumber,
            string.IsNullOrEmpty(c.ExternalId) ? null : c.ExternalId);

    private static List<string> Differences(ErpCustomer erp, PsaCustomer psa)
    {
        var differences = new List<string>();
        Compare("legal name", erp.LegalName, psa.LegalName);
        Compare("billing country", erp.BillingCountry, psa.BillingCountry);
        Compare("currency", erp.Currency, psa.Currency);
        return differences;

        void Compare(string field, string inErp, string inPsa)
        {
            if (!string.Equals(inErp, inPsa, StringComparison.Ordinal))
            {
                differences.Add($"{field}: ERP '{inErp}', PSA '{inPsa}'");
            }
        }
    }
}
