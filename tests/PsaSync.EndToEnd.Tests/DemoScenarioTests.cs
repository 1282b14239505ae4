using PsaSync.Core.Exceptions;
using PsaSync.LocalRuntime.Demo;
using PsaSync.Testing;

namespace PsaSync.EndToEnd.Tests;

/// <summary>The README's demo, end to end: real HTTP, Azurite queues and stores, sandbox ERP with faults.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class DemoScenarioTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Demo_syncs_customers_projects_and_time_once_and_raises_one_exception_per_bad_record()
    {
        await using var runtime = await LocalRuntimeHarness.StartAsync(azurite, new Dictionary<string, string?>
        {
            ["PsaSync:Erp:Faults:ThrottleRate"] = "0.1",
            ["PsaSync:Erp:Faults:ServerErrorRate"] = "0.1",
            ["PsaSync:Erp:Faults:CommitThenTimeoutRate"] = "0.05",
            ["PsaSync:Erp:Faults:RetryAfter"] = "00:00:00.1",
        });

        var summary = await new DemoRunner(runtime.App, new DemoOptions { Consultants = 4, DuplicateDeliveryRate = 0.5 }, TextWriter.Null)
            .RunAsync(CancellationToken.None);

        Assert.Equal(0, summary.Lost);
        Assert.True(summary.DuplicateCalls > 0, "the scenario should have delivered some webhooks twice");
        Assert.Equal(3, summary.CustomersInErp);
        Assert.Equal(3, summary.CustomersInPsa);
        Assert.Equal(3, summary.ProjectsInErp);
        Assert.Equal(1, summary.ProjectsThatWaitedForTheirCustomer);
        // The cost posting job, not the handler, posts the time: aggregated, so far fewer lines and requests than entries.
        Assert.Equal(summary.UniqueTimeEntries - 2, summary.EntriesPostedToErp);
        Assert.True(summary.HoursInErpMatchPostedEntries, "the ERP's cost lines should hold each posted entry's hours exactly once");
        Assert.True(summary.ErpPostingRequests * 5 < summary.EntriesPostedToErp, $"{summary.ErpPostingRequests} ERP posting requests for {summary.EntriesPostedToErp} entries");
        Assert.Equal(summary.EntriesPostedToErp, summary.EntriesMarkedSyncedInPsa);
        Assert.Equal(new Dictionary<string, int>
        {
            [ReasonCodes.CustomerCurrencyNotAllowed.Code] = 1,
            [ReasonCodes.CustomerTaxIdInvalid.Code] = 1,
            [ReasonCodes.CustomerLikelyDuplicate.Code] = 1,
            [ReasonCodes.ProjectPurchaseOrderMissing.Code] = 1,
            [ReasonCodes.HoursOutOfRange.Code] = 1,
            [ReasonCodes.WaitingForProject.Code] = 1,
            [ReasonCodes.ReconciliationDrift.Code] = 2,
            [ReasonCodes.BillingLedgerMismatch.Code] = 1,
        }, summary.OpenExceptionsByReason);
        // The project with the 26-hour typo cannot be billed: the PSA approved hours PsaSync refused.
        Assert.Equal(1, summary.BillingRunsBlocked);
        Assert.Contains(summary.Billing, line => line.Contains("Blocked", StringComparison.Ordinal) && line.Contains("approved billable hours", StringComparison.Ordinal));
        Assert.Equal(summary.Billing.Count(line => line.Contains("invoice INV-", StringComparison.Ordinal)), summary.InvoicesIssued);
        Assert.True(summary.InvoicesIssued >= 1, "at least one project should be invoiced");
        Assert.Equal(0, summary.DeadLettered);
        Assert.True(summary.ErpFaultsInjected.Values.Sum() > 0, "the sandbox ERP should have injected faults");
        Assert.Contains(summary.Reconciliation, line => line.StartsWith("customer-reconciliation: 3 compared, 1 drift(s), 1 healed", StringComparison.Ordinal));
    }
}
