using System.Net;
using System.Text.Json;
using PsaSync.Connectors.Sandbox.Crm;
using PsaSync.Connectors.Sandbox.Psa;
using PsaSync.Core.Exceptions;
using PsaSync.Core.Model;
using PsaSync.Testing;

namespace PsaSync.EndToEnd.Tests;

/// <summary>
/// Money-level, three-way reconciliation through the local runtime: zero drift after a clean month, and each injected
/// drift found with its reason, stored, and served by the operations API by project and period.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class BillingReconciliationTests(AzuriteFixture azurite)
{
    private const string Period = "2026-09";
    private static readonly DateOnly Start = new(2026, 1, 1);

    /// <summary>A customer and two T&amp;M projects synced, each with two approved entries in <see cref="Period"/>.</summary>
    private async Task<LocalRuntimeHarness> TwoProjectsWithApprovedTimeAsync(params string[] projectIds)
    {
        var runtime = await LocalRuntimeHarness.StartAsync(azurite);
        var customer = new Customer("ACC-800", "Abgleich GmbH", "DE", "EUR", "DE000000800", "NET30", "PSDE", RequiresPurchaseOrder: false);
        await runtime.PostAsync("crm/accounts", SandboxCrmWebhookWriter.ClosedWon(customer, 1, DateTimeOffset.UtcNow));
        await runtime.DrainAsync();
        foreach (var projectId in projectIds)
        {
            var project = new Project(projectId, 1, customer.CustomerKey, $"Rollout {projectId}", ProjectStatus.Active, "PSDE", "EUR", BillingModel.TimeAndMaterials,
                Start, null, $"MSA-{projectId}", null, "DE-VAT-19", "Advisory", [new RoleRate("Consultant", 100m, Start)], [], null);
            runtime.Psa.AddProject(project);
            await runtime.PostAsync("psa/projects", SandboxPsaWebhookWriter.ProjectChanged(project, DateTimeOffset.UtcNow));
            await runtime.DrainAsync();
            TimeEntry[] entries = [new($"{projectId}-A", 1, projectId, "EMP-1", new DateOnly(2026, 9, 7), 8m, true, "Consultant"),
                                   new($"{projectId}-B", 1, projectId, "EMP-2", new DateOnly(2026, 9, 8), 4m, true, "Consultant")];
            foreach (var entry in entries)
            {
                runtime.Psa.RecordApprovedTime(entry);
            }
            await runtime.PostAsync("psa/time", SandboxPsaWebhookWriter.TimeApproved(entries, DateTimeOffset.UtcNow));
            await runtime.DrainAsync();
        }
        return runtime;
    }

    private static async Task BillAsync(LocalRuntimeHarness runtime, string projectId)
    {
        using var started = await runtime.PostEmptyAsync($"api/billing/{projectId}/{Period}");
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            using var status = await runtime.GetAsync($"api/billing/{projectId}/{Period}");
            // Durable's runtime status: Pending, then Running, until Completed (or Failed, Terminated).
            var body = await status.Content.ReadAsStringAsync();
            if (body.Contains("\"Completed\"", StringComparison.Ordinal) || body.Contains("\"Failed\"", StringComparison.Ordinal) || body.Contains("\"Terminated\"", StringComparison.Ordinal))
            {
                return;
            }
            Assert.True(DateTime.UtcNow < deadline, "billing did not finish in time");
            await Task.Delay(100);
        }
    }

    private static async Task<JsonElement> ReconcileAsync(LocalRuntimeHarness runtime, string query = "")
    {
        using var run = await runtime.PostEmptyAsync("api/jobs/billing-reconciliation");
        Assert.Equal(HttpStatusCode.OK, run.StatusCode);
        using var report = await runtime.GetAsync($"api/ops/reconciliation/billing-reconciliation{query}");
        Assert.Equal(HttpStatusCode.OK, report.StatusCode);
        return (await JsonDocument.ParseAsync(await report.Content.ReadAsStreamAsync())).RootElement.Clone();
    }

    private static List<string> DriftKinds(JsonElement report) =>
        [.. report.GetProperty("drifts").EnumerateArray().Select(d => $"{d.GetProperty("record").GetProperty("id").GetString()}:{d.GetProperty("kind").GetString()}")];

    [Fact]
    public async Task A_clean_month_billed_and_paid_reconciles_with_zero_drift_and_shows_its_money_three_ways()
    {
        await using var runtime = await TwoProjectsWithApprovedTimeAsync("PRJ-801");
        await BillAsync(runtime, "PRJ-801");
        var invoice = Assert.Single(runtime.Erp.Invoices);
        runtime.Erp.SettleInvoice(invoice.InvoiceId, 500m);
        await runtime.PostEmptyAsync("api/jobs/invoice-feedback");

        var report = await ReconcileAsync(runtime, $"?project=PRJ-801&period={Period}");

        Assert.Equal(0, report.GetProperty("driftTotal").GetInt32());
        var position = Assert.Single(report.GetProperty("positions").EnumerateArray());
        Assert.Equal(12m, position.GetProperty("psaApprovedHours").GetDecimal());
        Assert.Equal(12m, position.GetProperty("ledgerHours").GetDecimal());
        Assert.Equal(1200m, position.GetProperty("billedNet").GetDecimal());
        Assert.Equal(1200m, position.GetProperty("erpInvoicedNet").GetDecimal());
        Assert.Equal(500m, position.GetProperty("erpPaid").GetDecimal());
        Assert.Equal(invoice.Gross - 500m, position.GetProperty("erpOpen").GetDecimal());
        Assert.Equal(2, position.GetProperty("timeEntries").GetInt32());
        Assert.Empty(await runtime.OpenExceptionsAsync());
    }

    [Fact]
    public async Task Each_injected_drift_is_found_with_its_own_reason()
    {
        await using var runtime = await TwoProjectsWithApprovedTimeAsync("PRJ-811", "PRJ-812", "PRJ-813");
        // PRJ-812: billed and shown, then its amount changed in the ERP behind everyone's back.
        await BillAsync(runtime, "PRJ-812");
        await runtime.PostEmptyAsync("api/jobs/invoice-feedback");
        runtime.Erp.EditInvoiceAmountDirectly(runtime.Erp.Invoices.Single(i => i.BillingBatchId.Contains("PRJ-812", StringComparison.Ordinal)).InvoiceId, 1150m);
        // PRJ-811: billed after the last feedback run, so the PSA has never been shown its invoice.
        await BillAsync(runtime, "PRJ-811");
        // PRJ-813: never billed, and one more approved entry whose webhook never came.
        runtime.Psa.RecordApprovedTime(new TimeEntry("PRJ-813-C", 1, "PRJ-813", "EMP-3", new DateOnly(2026, 9, 9), 2m, true, "Consultant"));

        var report = await ReconcileAsync(runtime);

        Assert.Equal(["PRJ-811:missingInPsa", "PRJ-812:amountMismatch", "PRJ-813:notPostedWithinSla"], DriftKinds(report).Order(StringComparer.Ordinal));
        var open = await runtime.OpenExceptionsAsync();
        Assert.Contains(open, x => x.ReasonCode == ReasonCodes.InvoiceAmountMismatch.Code && x.Message.Contains("1150.00 EUR", StringComparison.Ordinal));
        var late = Assert.Single(open, x => x.ReasonCode == ReasonCodes.ApprovedNotPostedInTime.Code);
        Assert.Contains("approved 14 billable h, PsaSync received 12 h", late.Message);
        var narrowed = await ReconcileAsync(runtime, $"?project=PRJ-813&period={Period}");
        Assert.Equal(["PRJ-813:notPostedWithinSla"], DriftKinds(narrowed));
        Assert.Equal(14m, Assert.Single(narrowed.GetProperty("positions").EnumerateArray()).GetProperty("psaApprovedHours").GetDecimal());
    }
}
