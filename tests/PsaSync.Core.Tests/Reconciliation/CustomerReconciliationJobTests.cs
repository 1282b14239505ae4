using PsaSync.Connectors.Sandbox;
using PsaSync.Connectors.Sandbox.Erp;
using PsaSync.Connectors.Sandbox.Psa;
using PsaSync.Core.Exceptions;
using PsaSync.Core.Messaging;
using PsaSync.Core.Model;
using PsaSync.Core.Ports;
using PsaSync.Core.Reconciliation;
using PsaSync.Core.Tests.Support;
using static PsaSync.Core.Tests.Support.MasterDataTestData;

namespace PsaSync.Core.Tests.Reconciliation;

public class CustomerReconciliationJobTests
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly FakeTimeProvider _clock = new(TestData.Now);
    private readonly SandboxErp _erp = new(new SandboxFaultOptions());
    private readonly SandboxPsa _psa = new(new SandboxFaultOptions());
    private readonly InMemoryReconciliationReports _reports = new();
    private readonly InMemoryExceptionStore _exceptions;
    private readonly RecordingTelemetry _telemetry = new();

    public CustomerReconciliationJobTests() => _exceptions = new InMemoryExceptionStore(_clock);

    private CustomerReconciliationJob Job() => new(_erp, _psa, _exceptions, _reports, _clock, _telemetry);

    /// <summary>An ERP customer with its PSA twin, as customer master leaves them.</summary>
    private async Task<ErpCustomer> SyncedAsync(string key, string legalName)
    {
        var erpCustomer = await _erp.CreateCustomerAsync(Draft(Customer(customerKey: key, legalName: legalName, taxId: null)), None);
        await _psa.UpsertCustomerAsync(new PsaCustomer(null, key, legalName, "DE", "EUR", erpCustomer.CustomerNumber, key), None);
        return erpCustomer;
    }

    [Fact]
    public void It_is_the_customer_reconciliation_job()
    {
        Assert.Equal("customer-reconciliation", Job().Name);
    }

    [Fact]
    public async Task Customers_that_agree_give_a_report_without_drift()
    {
        await SyncedAsync("ACC-1", "Contoso GmbH");
        await SyncedAsync("ACC-2", "Fabrikam GmbH");

        var summary = await Job().RunAsync(None);

        var report = Assert.Single(_reports.Saved);
        Assert.Equal("customer-reconciliation", report.Job);
        Assert.Equal(2, report.RecordsCompared);
        Assert.Empty(report.Drifts);
        Assert.Equal(TestData.Now, report.RanAt);
        Assert.Equal(report.Summary, summary);
        Assert.Empty(_exceptions.Raised);
    }

    [Fact]
    public async Task An_ERP_customer_missing_in_the_PSA_is_added_to_the_PSA()
    {
        var customer = await _erp.CreateCustomerAsync(Draft(Customer(legalName: "Contoso GmbH")), None);

        await Job().RunAsync(None);

        Assert.Equal(new PsaCustomer("PC-00001", "ACC-1", "Contoso GmbH", "DE", "EUR", customer.CustomerNumber, "ACC-1"), Assert.Single(_psa.Customers.Values));
        var drift = Assert.Single(Assert.Single(_reports.Saved).Drifts);
        Assert.Equal(DriftKind.MissingInPsa, drift.Kind);
        Assert.True(drift.Healed);
        Assert.Equal(new RecordRef("erp", "customer", "CUST-00001"), drift.Record);
        Assert.Empty(_exceptions.Raised);
    }

    [Fact]
    public async Task A_name_that_differs_in_the_PSA_is_healed_with_the_ERPs_data()
    {
        await SyncedAsync("ACC-1", "Contoso GmbH");
        _psa.EditCustomerDirectly("ACC-1", c => c with { LegalName = "Contoso (typo) GmbH" });

        await Job().RunAsync(None);

        var inPsa = _psa.Customers["ACC-1"];
        Assert.Equal("Contoso GmbH", inPsa.LegalName);
        Assert.Equal("PC-00001", inPsa.PsaCustomerId);
        var drift = Assert.Single(Assert.Single(_reports.Saved).Drifts);
        Assert.Equal(DriftKind.FieldMismatch, drift.Kind);
        Assert.True(drift.Healed);
        Assert.Contains("Contoso (typo) GmbH", drift.Detail, StringComparison.Ordinal);
        Assert.Empty(_exceptions.Raised);
    }

    [Fact]
    public async Task A_change_made_in_the_ERP_is_carried_to_the_PSA()
    {
        await SyncedAsync("ACC-1", "Contoso GmbH");
        _erp.EditCustomerDirectly("CUST-00001", c => c with { LegalName = "Contoso Deutschland GmbH", Currency = "CHF" });

        await Job().RunAsync(None);

        Assert.Equal(("Contoso Deutschland GmbH", "CHF"), (_psa.Customers["ACC-1"].LegalName, _psa.Customers["ACC-1"].Currency));
        Assert.Equal(DriftKind.FieldMismatch, Assert.Single(Assert.Single(_reports.Saved).Drifts).Kind);
    }

    [Fact]
    public async Task A_PSA_customer_without_an_ERP_customer_is_left_for_a_person_as_RECONCILIATION_DRIFT()
    {
        await SyncedAsync("ACC-1", "Contoso GmbH");
        await _psa.UpsertCustomerAsync(new PsaCustomer(null, "ACC-GHOST", "Ghost Ltd", "GB", "GBP", "CUST-09999", "ACC-GHOST"), None);

        await Job().RunAsync(None);

        var raised = Assert.Single(_exceptions.Raised);
        Assert.Equal(ReasonCodes.ReconciliationDrift, raised.Reason);
        Assert.Equal(QueueNames.CustomerMaster, raised.Domain);
        Assert.Equal(new RecordRef("psa", "customer", "PC-00002"), raised.SourceRecord);
        Assert.Contains("CUST-09999", raised.Message, StringComparison.Ordinal);
        var drift = Assert.Single(Assert.Single(_reports.Saved).Drifts);
        Assert.Equal(DriftKind.OrphanInPsa, drift.Kind);
        Assert.False(drift.Healed);
        // Not healed: the orphan is still there, and the ERP got no customer for it.
        Assert.Equal(2, _psa.Customers.Count);
        Assert.Single(_erp.Customers);
    }

    [Fact]
    public async Task The_report_counts_what_was_compared_healed_and_left()
    {
        await SyncedAsync("ACC-1", "Contoso GmbH");
        await SyncedAsync("ACC-2", "Fabrikam GmbH");
        _psa.EditCustomerDirectly("ACC-2", c => c with { BillingCountry = "AT" });
        await _erp.CreateCustomerAsync(Draft(Customer(customerKey: "ACC-3", legalName: "Northwind GmbH", taxId: null)), None);
        await _psa.UpsertCustomerAsync(new PsaCustomer(null, "ACC-GHOST", "Ghost Ltd", "GB", "GBP", null, "ACC-GHOST"), None);

        var summary = await Job().RunAsync(None);

        var report = Assert.Single(_reports.Saved);
        Assert.Equal(3, report.RecordsCompared);
        Assert.Equal(3, report.Drifts.Count);
        Assert.Equal(2, report.Drifts.Count(d => d.Healed));
        Assert.Equal([DriftKind.FieldMismatch, DriftKind.MissingInPsa, DriftKind.OrphanInPsa], report.Drifts.Select(d => d.Kind));
        Assert.Equal("customer-reconciliation: 3 compared, 3 drift(s), 2 healed, 1 left for a person.", summary);
        Assert.Single(_exceptions.Raised);
        Assert.Equal(report.RunId, _exceptions.Raised[0].CorrelationId);
    }

    [Fact]
    public async Task A_second_run_after_healing_finds_no_drift()
    {
        await _erp.CreateCustomerAsync(Draft(Customer()), None);
        await Job().RunAsync(None);

        await Job().RunAsync(None);

        Assert.Empty(_reports.Saved[1].Drifts);
        Assert.NotEqual(_reports.Saved[0].RunId, _reports.Saved[1].RunId);
    }

    /// <summary>
    /// One ERP customer with two PSA customers, reached by following CUSTOMER_LIKELY_DUPLICATE's how-to-fix: a customer
    /// created in the ERP syncs to the PSA keyed by its ERP number; a CRM account for the same company is rejected as a
    /// likely duplicate; finance links the account to the ERP customer by setting its external id; the ERP's change
    /// event syncs the customer again, now keyed by the CRM account id, and the PSA (keyed by customer key) gets a
    /// second customer carrying the same ERP number. CustomerReconciliationJob indexes PSA customers with
    /// ToDictionary(ErpCustomerNumber), which throws ArgumentException on that duplicate: the job fails on every run,
    /// saves no report and raises no exception item, so every other drift goes unhealed and unreported as well.
    /// </summary>
    [Fact]
    public async Task Two_PSA_customers_for_one_ERP_customer_do_not_stop_the_reconciliation()
    {
        var h = new MasterData.MasterDataHarness();
        await h.Erp.CreateCustomerAsync(Draft(Customer(customerKey: "ERP-NATIVE", legalName: "Contoso GmbH")), None);
        h.Erp.EditCustomerDirectly("CUST-00001", c => c with { ExternalId = "" });
        Assert.IsType<HandlerResult.Done>(await h.HandleCustomerAsync(ErpCustomerEnvelope("CUST-00001", Customer(customerKey: "CUST-00001"), version: 1)));
        Assert.Equal(new HandlerResult.Rejected("CUSTOMER_LIKELY_DUPLICATE"),
            await h.HandleCustomerAsync(CrmCustomerEnvelope(Customer(customerKey: "ACC-9", legalName: "Contoso Beratung GmbH"))));
        h.Erp.EditCustomerDirectly("CUST-00001", c => c with { ExternalId = "ACC-9" });
        Assert.IsType<HandlerResult.Done>(await h.HandleCustomerAsync(ErpCustomerEnvelope("CUST-00001", Customer(customerKey: "ACC-9"), version: 2)));
        Assert.Equal(2, h.Psa.Customers.Values.Count(c => c.ErpCustomerNumber == "CUST-00001"));
        await h.Erp.CreateCustomerAsync(Draft(Customer(customerKey: "ACC-2", legalName: "Fabrikam GmbH", taxId: null)), None);
        var job = new CustomerReconciliationJob(h.Erp, h.Psa, _exceptions, _reports, _clock, _telemetry);

        await job.RunAsync(None);

        var report = Assert.Single(_reports.Saved);
        Assert.Equal(2, report.RecordsCompared);
        Assert.Contains(report.Drifts, d => d.Kind == DriftKind.MissingInPsa && d.Healed);
        Assert.Contains(h.Psa.Customers.Values, c => c.CustomerKey == "ACC-2");
    }
}
