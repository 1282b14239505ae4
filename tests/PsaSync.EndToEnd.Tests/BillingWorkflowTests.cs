using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using PsaSync.Connectors.Sandbox.Crm;
using PsaSync.Connectors.Sandbox.Erp;
using PsaSync.Connectors.Sandbox.Psa;
using PsaSync.Core.Billing;
using PsaSync.Core.Exceptions;
using PsaSync.Core.Model;
using PsaSync.Core.Ports;
using PsaSync.Testing;

namespace PsaSync.EndToEnd.Tests;

/// <summary>
/// The billing-readiness workflow in the local runtime (the in-process runner, the same workflow code Durable
/// runs in Azure), from approved time to a posted invoice, through a blocked check, and through compensation.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class BillingWorkflowTests(AzuriteFixture azurite)
{
    private const string ProjectId = "PRJ-700";
    private const string Period = "2026-10";
    private static readonly DateOnly Start = new(2026, 1, 1);

    private static readonly TimeEntry[] Approved =
    [
        new("TE-7001", 1, ProjectId, "EMP-1", new DateOnly(2026, 10, 5), 8m, true, "Consultant"),
        new("TE-7002", 1, ProjectId, "EMP-2", new DateOnly(2026, 10, 6), 6m, true, "Senior Consultant"),
        new("TE-7003", 1, ProjectId, "EMP-1", new DateOnly(2026, 10, 7), 4m, true, "Consultant"),
        new("TE-7004", 1, ProjectId, "EMP-1", new DateOnly(2026, 10, 8), 2m, false, "Consultant"),
    ];

    [Fact]
    public async Task Approved_time_becomes_one_posted_invoice_with_hours_times_rates_and_a_second_start_bills_nothing_more()
    {
        await using var runtime = await ReadyToBillAsync();

        using var started = await runtime.PostEmptyAsync($"api/billing/{ProjectId}/{Period}");
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var status = await WaitForCompletionAsync(runtime);
        using var again = await runtime.PostEmptyAsync($"api/billing/{ProjectId}/{Period}");

        Assert.Equal(BillingState.Invoiced, status.Output!.State);
        var invoice = Assert.Single(runtime.Erp.Invoices);
        Assert.Equal(ErpInvoiceStatus.Posted, invoice.Status);
        Assert.Equal(12m * 150m + 6m * 190m, invoice.Net);
        Assert.Equal(Math.Round(invoice.Net * 0.19m, 2), invoice.Tax);
        Assert.Equal(invoice.Net + invoice.Tax, invoice.Gross);
        Assert.Equal(invoice.Number, status.Output.InvoiceNumber);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Single(runtime.Erp.Invoices);
        Assert.All(await LedgerAsync(runtime), e => Assert.Equal(LedgerEntryState.Billed, e.State));
    }

    [Fact]
    public async Task A_failing_check_blocks_with_its_own_readable_exception_and_billing_continues_once_resolved()
    {
        await using var runtime = await ReadyToBillAsync();
        runtime.Psa.SetPendingExpenseApprovals(ProjectId, Period, 2);

        await runtime.PostEmptyAsync($"api/billing/{ProjectId}/{Period}");
        await WaitUntilAsync(async () => (await StatusAsync(runtime)).CustomStatus?.State == BillingState.Blocked);
        var blocking = Assert.Single(await runtime.OpenExceptionsAsync());
        Assert.Equal(ReasonCodes.BillingExpensesPending.Code, blocking.ReasonCode);
        Assert.Contains("2 expense(s)", blocking.Message);
        Assert.Empty(runtime.Erp.Invoices);

        runtime.Psa.SetPendingExpenseApprovals(ProjectId, Period, 0);
        using var resolved = await runtime.PostEmptyAsync($"api/billing/{ProjectId}/{Period}/resolved");
        Assert.Equal(HttpStatusCode.Accepted, resolved.StatusCode);
        var status = await WaitForCompletionAsync(runtime);

        Assert.Equal(BillingState.Invoiced, status.Output!.State);
        Assert.Single(runtime.Erp.Invoices);
        Assert.Empty(await runtime.OpenExceptionsAsync());
    }

    [Fact]
    public async Task A_revoked_entry_is_left_off_the_invoice_and_one_revoked_after_billing_becomes_a_credit_candidate()
    {
        await using var runtime = await ReadyToBillAsync();
        runtime.Psa.RevokeApproval("TE-7003");
        await runtime.PostAsync("psa/time", SandboxPsaWebhookWriter.TimeApprovalRevoked([Approved[2]], DateTimeOffset.UtcNow), times: 2);
        await runtime.DrainAsync();

        await runtime.PostEmptyAsync($"api/billing/{ProjectId}/{Period}");
        Assert.Equal(BillingState.Invoiced, (await WaitForCompletionAsync(runtime)).Output!.State);
        var invoice = Assert.Single(runtime.Erp.Invoices);
        Assert.Equal(8m * 150m + 6m * 190m, invoice.Net);
        // The cost side: all 20 approved hours were posted (aggregated), and TE-7003's 4 taken back by a reversing line.
        Assert.Equal(-4m, Assert.Single(runtime.Erp.TimeLines, l => l.Line.ExternalId == "PSA-TE-TE-7003-V1-REV").Line.Hours);
        Assert.Equal(16m, runtime.Erp.TimeLines.Sum(l => l.Line.Hours));
        Assert.Empty(await runtime.OpenExceptionsAsync());

        runtime.Psa.RevokeApproval("TE-7002");
        await runtime.PostAsync("psa/time", SandboxPsaWebhookWriter.TimeApprovalRevoked([Approved[1]], DateTimeOffset.UtcNow));
        await runtime.DrainAsync();

        var candidate = Assert.Single(await runtime.OpenExceptionsAsync());
        Assert.Equal(ReasonCodes.TimeCreditCandidate.Code, candidate.ReasonCode);
        Assert.Contains(invoice.InvoiceId, candidate.Message);
        Assert.Single(runtime.Erp.Invoices);
    }

    [Fact]
    public async Task Invoice_changes_sent_by_ERP_webhook_reach_the_PSA_once_and_a_late_older_version_changes_nothing()
    {
        await using var runtime = await ReadyToBillAsync();
        await runtime.PostEmptyAsync($"api/billing/{ProjectId}/{Period}");
        await WaitForCompletionAsync(runtime);
        var invoice = Assert.Single(runtime.Erp.Invoices);
        runtime.Erp.SettleInvoice(invoice.InvoiceId, 100m);
        var changes = (await runtime.Erp.GetInvoiceChangesAsync(null, 10, CancellationToken.None)).Changes;

        // The payment arrives first, twice; the posting arrives last.
        await runtime.PostAsync("erp/invoices", SandboxErpWebhookWriter.InvoiceChanged(changes[1], DateTimeOffset.UtcNow), times: 2);
        await runtime.DrainAsync();
        await runtime.PostAsync("erp/invoices", SandboxErpWebhookWriter.InvoiceChanged(changes[0], DateTimeOffset.UtcNow));
        await runtime.DrainAsync();
        // The poll sees both changes again and applies neither.
        await RunJobAsync(runtime, "invoice-feedback");

        var shown = Assert.Single(runtime.Psa.InvoiceHistory);
        Assert.Equal((2L, PsaInvoiceState.PartiallyPaid, invoice.Gross - 100m), (shown.Version, shown.State, shown.Balance));
        Assert.Empty(await runtime.OpenExceptionsAsync());
    }

    [Fact]
    public async Task Payments_reach_the_PSA_in_order_and_the_trace_of_a_time_entry_runs_from_webhook_to_paid_invoice()
    {
        await using var runtime = await ReadyToBillAsync();
        await runtime.PostEmptyAsync($"api/billing/{ProjectId}/{Period}");
        await WaitForCompletionAsync(runtime);
        var invoice = Assert.Single(runtime.Erp.Invoices);

        await RunJobAsync(runtime, "invoice-feedback");
        runtime.Erp.SettleInvoice(invoice.InvoiceId, 1000m);
        await RunJobAsync(runtime, "invoice-feedback");
        runtime.Erp.SettleInvoice(invoice.InvoiceId, invoice.Gross - 1000m);
        await RunJobAsync(runtime, "invoice-feedback");
        await RunJobAsync(runtime, "invoice-feedback");

        Assert.Equal(
            [(PsaInvoiceState.Issued, invoice.Gross), (PsaInvoiceState.PartiallyPaid, invoice.Gross - 1000m), (PsaInvoiceState.Paid, 0m)],
            runtime.Psa.InvoiceHistory.Select(i => (i.State, i.Balance)));
        Assert.Equal(["TE-7001", "TE-7002", "TE-7003"], runtime.Psa.Invoices[invoice.InvoiceId].BilledRecordIds.Order(StringComparer.Ordinal));
        Assert.Null(runtime.Psa.InvoiceOf("TE-7004"));

        using var response = await runtime.GetAsync("api/ops/trace?record=psa/time-entry/TE-7002");
        var timeline = Assert.Single((await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync())).RootElement.GetProperty("timelines").EnumerateArray());
        var details = timeline.GetProperty("entries").EnumerateArray().Select(e => $"{e.GetProperty("step").GetString()}: {e.GetProperty("detail").GetString()}").ToList();
        Assert.StartsWith("accepted", details[0]);
        Assert.Contains(details, d => d.StartsWith("posted", StringComparison.Ordinal));
        Assert.Contains("issued", details[^3]);
        Assert.Contains("partly paid", details[^2]);
        Assert.Contains("paid in full", details[^1]);
    }

    [Theory]
    [InlineData(SandboxErp.Operations.SetInvoiceLines)]
    [InlineData(SandboxErp.Operations.PostInvoice)]
    public async Task An_ERP_failure_after_the_reservation_leaves_no_draft_and_no_reserved_entry(string failingStep)
    {
        await using var runtime = await ReadyToBillAsync();
        runtime.Erp.FailNext(failingStep, ErpFailureKind.Rejected, times: 3);

        await runtime.PostEmptyAsync($"api/billing/{ProjectId}/{Period}");
        var status = await WaitForCompletionAsync(runtime);

        Assert.Equal(BillingState.Compensated, status.Output!.State);
        Assert.All(runtime.Erp.Invoices, i => Assert.Equal(ErpInvoiceStatus.Cancelled, i.Status));
        Assert.All(await LedgerAsync(runtime), e => Assert.Equal(LedgerEntryState.Unbilled, e.State));
        var compensated = Assert.Single(await runtime.OpenExceptionsAsync(), x => x.ReasonCode == ReasonCodes.BillingCompensated.Code);
        Assert.Contains("cancelled", compensated.Message);
        Assert.Contains("3 ledger entries released", compensated.Message);

        // The batch id of attempt 1 is spent in the ERP; a second attempt, once the cause is gone, bills the released entries.
        using var retried = await runtime.PostEmptyAsync($"api/billing/{ProjectId}/{Period}?attempt=2");
        Assert.Equal(HttpStatusCode.Accepted, retried.StatusCode);
        await WaitUntilAsync(async () =>
        {
            using var response = await runtime.GetAsync($"api/billing/{ProjectId}/{Period}?attempt=2");
            return (await response.Content.ReadAsStringAsync()).Contains("\"invoiced\"", StringComparison.OrdinalIgnoreCase);
        });
        var rebilled = Assert.Single(runtime.Erp.Invoices, i => i.Status == ErpInvoiceStatus.Posted);
        Assert.Equal($"billing-{ProjectId}-{Period}-a2", rebilled.BillingBatchId);
        Assert.Equal(12m * 150m + 6m * 190m, rebilled.Net);
        Assert.All(await LedgerAsync(runtime), e => Assert.Equal(LedgerEntryState.Billed, e.State));
    }

    [Theory]
    [InlineData("?attempt=0")]
    [InlineData("?attempt=x")]
    [InlineData("?attempt=100")]
    public async Task A_bad_attempt_number_is_refused_with_a_reason(string query)
    {
        await using var runtime = await LocalRuntimeHarness.StartAsync(azurite);
        using var response = await runtime.PostEmptyAsync($"api/billing/{ProjectId}/{Period}{query}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("BILLING_ATTEMPT_INVALID", await response.Content.ReadAsStringAsync());
    }

    /// <summary>A customer and a T&amp;M project synced through their webhooks, and four approved entries (one not billable).</summary>
    private async Task<LocalRuntimeHarness> ReadyToBillAsync()
    {
        var runtime = await LocalRuntimeHarness.StartAsync(azurite);
        var customer = new Customer("ACC-700", "Billable Kunde GmbH", "DE", "EUR", "DE000000700", "NET30", "PSDE", RequiresPurchaseOrder: false);
        var project = new Project(ProjectId, 1, customer.CustomerKey, "Billable rollout", ProjectStatus.Active, "PSDE", "EUR", BillingModel.TimeAndMaterials,
            Start, null, "MSA-700", null, "DE-VAT-19", "Advisory",
            [new RoleRate("Consultant", 150m, Start), new RoleRate("Senior Consultant", 190m, Start)], [], null);
        await runtime.PostAsync("crm/accounts", SandboxCrmWebhookWriter.ClosedWon(customer, 1, DateTimeOffset.UtcNow));
        await runtime.DrainAsync();
        runtime.Psa.AddProject(project);
        await runtime.PostAsync("psa/projects", SandboxPsaWebhookWriter.ProjectChanged(project, DateTimeOffset.UtcNow));
        await runtime.DrainAsync();
        foreach (var entry in Approved)
        {
            runtime.Psa.RecordApprovedTime(entry);
        }
        await runtime.PostAsync("psa/time", SandboxPsaWebhookWriter.TimeApproved(Approved, DateTimeOffset.UtcNow));
        await runtime.DrainAsync();
        Assert.Empty(await runtime.OpenExceptionsAsync());
        return runtime;
    }

    private static async Task RunJobAsync(LocalRuntimeHarness runtime, string job)
    {
        using var response = await runtime.PostEmptyAsync($"api/jobs/{job}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static Task<IReadOnlyList<LedgerEntry>> LedgerAsync(LocalRuntimeHarness runtime) =>
        runtime.App.Services.GetRequiredService<IUnbilledLedger>().ListAsync(ProjectId, Period, CancellationToken.None);

    private static async Task<BillingRunStatus> StatusAsync(LocalRuntimeHarness runtime)
    {
        using var response = await runtime.GetAsync($"api/billing/{ProjectId}/{Period}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await JsonSerializer.DeserializeAsync<BillingRunStatus>(await response.Content.ReadAsStreamAsync(), Core.Events.PsaSyncJson.Options))!;
    }

    private static async Task<BillingRunStatus> WaitForCompletionAsync(LocalRuntimeHarness runtime)
    {
        BillingRunStatus? status = null;
        await WaitUntilAsync(async () => (status = await StatusAsync(runtime)).RuntimeStatus is "Completed" or "Failed" or "Terminated");
        return status!;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the billing run did not get there in time");
            await Task.Delay(100);
        }
    }
}
