using Microsoft.DurableTask.Client;
using PsaSync.Core.Billing;
using PsaSync.Core.Exceptions;
using PsaSync.Core.Model;
using PsaSync.Core.Ports;
using PsaSync.Core.Tests.Sandbox;
using PsaSync.Core.Tests.Support;
using PsaSync.Workflow.Tests.Support;
using SandboxOperations = PsaSync.Connectors.Sandbox.Erp.SandboxErp.Operations;

namespace PsaSync.Workflow.Tests;

/// <summary>
/// The billing orchestration on the real Durable Task engine: every await below the orchestrator is a Durable
/// activity call, timer or event, and every resumption replays the orchestrator from its history.
/// </summary>
public sealed class BillingOrchestrationTests
{
    /// <summary>Long enough that within a test only a "resolved" event can end a wait.</summary>
    private static readonly BillingOptions WaitForEvents = new() { ResolutionDeadline = TimeSpan.FromHours(1), RecheckInterval = TimeSpan.FromMinutes(30) };

    [Fact]
    public async Task A_ready_project_is_invoiced_posted_and_its_entries_marked_billed()
    {
        await using var engine = await (await new BillingEngine().WithApprovedTimeAsync()).StartAsync();

        var (started, _) = await engine.Workflows.StartAsync(engine.Request(), CancellationToken.None);
        var status = await engine.CompletionAsync(engine.Request());

        Assert.True(started);
        Assert.Equal(nameof(OrchestrationRuntimeStatus.Completed), status.RuntimeStatus);
        Assert.Equal(BillingState.Invoiced, status.Output!.State);
        Assert.Equal(BillingState.Invoiced, status.CustomStatus!.State);
        var invoice = Assert.Single(engine.Erp.Invoices);
        Assert.Equal((ErpInvoiceStatus.Posted, engine.Request().BatchId, invoice.Number), (invoice.Status, invoice.BillingBatchId, status.Output.InvoiceNumber));
        Assert.Equal(invoice.Gross, status.Output.Gross);
        Assert.All(engine.InnerLedger.Entries, e => Assert.Equal((LedgerEntryState.Billed, invoice.InvoiceId), (e.State, e.InvoiceId)));
        Assert.Empty(engine.Exceptions.Open);
    }

    public static TheoryData<string> Blockers => ["project-not-in-erp", "tax-code-invalid", "ledger-short", "purchase-order-missing"];

    /// <summary>Each blocker: blocked with its reason and an item, fixed, then the "resolved" event makes the run re-check at once and invoice.</summary>
    [Theory]
    [MemberData(nameof(Blockers))]
    public async Task A_blocked_run_waits_and_its_resolved_event_makes_it_recheck_and_invoice(string blocker)
    {
        await using var engine = await new BillingEngine(WaitForEvents).WithApprovedTimeAsync(projectInErp: blocker != "project-not-in-erp");
        var (expectedReason, fix) = await BreakAsync(engine, blocker);
        await engine.StartAsync();
        var request = engine.Request();

        await engine.Workflows.StartAsync(request, CancellationToken.None);
        var blocked = await engine.StatusAsync(request, BillingState.Blocked);

        Assert.Single(blocked.CustomStatus!.Reasons);
        var item = Assert.Single(engine.Exceptions.Open);
        Assert.Equal(expectedReason.Code, item.ReasonCode);
        Assert.Empty(engine.Erp.Invoices);

        await fix();
        Assert.True(await engine.Workflows.RaiseResolvedAsync(request, CancellationToken.None));
        var status = await engine.CompletionAsync(request, TimeSpan.FromSeconds(30));

        Assert.Equal(BillingState.Invoiced, status.Output!.State);
        Assert.Single(engine.Erp.Invoices);
        Assert.Empty(engine.Exceptions.Open);
    }

    [Fact]
    public async Task A_run_whose_worker_restarts_while_it_waits_resumes_by_replay_without_repeating_its_activities()
    {
        await using var engine = await (await new BillingEngine(WaitForEvents).WithApprovedTimeAsync(projectInErp: false)).StartAsync();
        var request = engine.Request();
        await engine.Workflows.StartAsync(request, CancellationToken.None);
        await engine.StatusAsync(request, BillingState.Blocked);

        await engine.RestartWorkerAsync();
        engine.SeedProject();
        await engine.Workflows.RaiseResolvedAsync(request, CancellationToken.None);
        var status = await engine.CompletionAsync(request);

        Assert.Equal(BillingState.Invoiced, status.Output!.State);
        // Replay re-ran the orchestrator code from its history, not the activities: one block raised, one reserve, one invoice.
        Assert.Single(engine.Exceptions.Raised);
        Assert.Equal(1, engine.Ledger.ReserveCalls);
        Assert.Single(engine.Erp.Invoices);
        Assert.Empty(engine.Exceptions.Open);
    }

    [Fact]
    public async Task A_run_nobody_unblocks_rechecks_on_its_timer_and_ends_blocked_at_its_deadline()
    {
        var options = new BillingOptions { ResolutionDeadline = TimeSpan.FromSeconds(5), RecheckInterval = TimeSpan.FromSeconds(2) };
        await using var engine = await (await new BillingEngine(options).WithApprovedTimeAsync(projectInErp: false)).StartAsync();

        await engine.Workflows.StartAsync(engine.Request(), CancellationToken.None);
        var status = await engine.CompletionAsync(engine.Request());

        Assert.Equal(nameof(OrchestrationRuntimeStatus.Completed), status.RuntimeStatus);
        Assert.Equal(BillingState.Blocked, status.Output!.State);
        Assert.Contains("not in the ERP", Assert.Single(status.Output.Reasons), StringComparison.Ordinal);
        // The first check, re-checks at 2 s and 4 s, and the last at the deadline: each round raises its block again (one open item).
        Assert.InRange(engine.Exceptions.Raised.Count, 3, 5);
        Assert.Single(engine.Exceptions.Open);
        Assert.Empty(engine.Erp.Invoices);
        Assert.All(engine.InnerLedger.Entries, e => Assert.Equal(LedgerEntryState.Unbilled, e.State));
    }

    [Fact]
    public async Task A_fix_without_an_event_is_found_by_the_recheck_timer()
    {
        var options = new BillingOptions { ResolutionDeadline = TimeSpan.FromMinutes(5), RecheckInterval = TimeSpan.FromSeconds(2) };
        await using var engine = await (await new BillingEngine(options).WithApprovedTimeAsync(projectInErp: false)).StartAsync();

        await engine.Workflows.StartAsync(engine.Request(), CancellationToken.None);
        await engine.StatusAsync(engine.Request(), BillingState.Blocked);
        engine.SeedProject();
        var status = await engine.CompletionAsync(engine.Request());

        Assert.Equal(BillingState.Invoiced, status.Output!.State);
    }

    [Fact]
    public async Task A_post_that_keeps_failing_is_compensated_in_reverse_and_says_what_was_undone()
    {
        await using var engine = await (await new BillingEngine().WithApprovedTimeAsync()).StartAsync();
        engine.Erp.FailNext(SandboxOperations.PostInvoice, ErpFailureKind.Unavailable, times: 3);

        await engine.Workflows.StartAsync(engine.Request(), CancellationToken.None);
        var status = await engine.CompletionAsync(engine.Request());

        Assert.Equal(BillingState.Compensated, status.Output!.State);
        Assert.StartsWith("Failed while posting the invoice", status.Output.Reasons[0], StringComparison.Ordinal);
        var invoice = Assert.Single(engine.Erp.Invoices);
        Assert.Equal(ErpInvoiceStatus.Cancelled, invoice.Status);
        Assert.Contains($"draft invoice {invoice.InvoiceId} cancelled", status.Output.Reasons[1], StringComparison.Ordinal);
        Assert.Equal("2 ledger entries released", status.Output.Reasons[2]);
        Assert.All(engine.InnerLedger.Entries, e => Assert.Equal((LedgerEntryState.Unbilled, (string?)null), (e.State, e.BillingBatchId)));
        var item = Assert.Single(engine.Exceptions.Open);
        Assert.Equal((ReasonCodes.BillingCompensated.Code, ExceptionOwner.IntegrationSupport), (item.ReasonCode, item.Owner));
        Assert.Contains("attempt=2", item.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Starting_the_same_project_and_period_twice_is_one_instance_and_one_invoice()
    {
        await using var engine = await (await new BillingEngine().WithApprovedTimeAsync()).StartAsync();

        var first = await engine.Workflows.StartAsync(engine.Request(), CancellationToken.None);
        await engine.CompletionAsync(engine.Request());
        var second = await engine.Workflows.StartAsync(engine.Request(), CancellationToken.None);

        Assert.True(first.Started);
        Assert.False(second.Started);
        Assert.Equal(engine.Request().BatchId, first.Status.InstanceId);
        Assert.Equal(first.Status.InstanceId, second.Status.InstanceId);
        Assert.Equal(BillingState.Invoiced, second.Status.Output!.State);
        Assert.Single(engine.Erp.Invoices);
    }

    [Fact]
    public async Task A_check_that_still_fails_after_its_retries_ends_the_run_failed_with_its_reason_and_an_item()
    {
        await using var engine = await (await new BillingEngine().WithApprovedTimeAsync()).StartAsync();
        engine.Erp.FailNext(SandboxOperations.FindProject, ErpFailureKind.Unavailable, times: 3);

        await engine.Workflows.StartAsync(engine.Request(), CancellationToken.None);
        var status = await engine.CompletionAsync(engine.Request());

        Assert.Equal(nameof(OrchestrationRuntimeStatus.Completed), status.RuntimeStatus);
        Assert.Equal(BillingState.Failed, status.Output!.State);
        Assert.Equal(BillingState.Failed, status.CustomStatus!.State);
        Assert.StartsWith("Failed while checking readiness: ", Assert.Single(status.Output.Reasons), StringComparison.Ordinal);
        var item = Assert.Single(engine.Exceptions.Open);
        Assert.Equal((ReasonCodes.BillingRunFailed.Code, ExceptionOwner.IntegrationSupport), (item.ReasonCode, item.Owner));
        Assert.Contains("checking readiness", item.Message, StringComparison.Ordinal);
        Assert.Contains("attempt=2", item.Message, StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace(item.HowToFix));
        Assert.Empty(engine.Erp.Invoices);
        Assert.Equal(0, engine.Ledger.ReserveCalls);
    }

    [Fact]
    public async Task A_reserve_that_still_fails_after_its_retries_ends_the_run_failed_releases_what_it_reserved_and_invoices_nothing()
    {
        await using var engine = await (await new BillingEngine().WithApprovedTimeAsync()).StartAsync();
        // Each attempt reserves and then loses its answer: the entries are reserved though every call failed.
        engine.Ledger.ReserveFailures = 3;
        engine.Ledger.ReserveBeforeFailing = true;

        await engine.Workflows.StartAsync(engine.Request(), CancellationToken.None);
        var status = await engine.CompletionAsync(engine.Request());

        Assert.Equal(BillingState.Failed, status.Output!.State);
        Assert.Equal(["Failed while reserving the ledger entries: The ledger store did not answer.", "2 ledger entries released"], status.Output.Reasons);
        Assert.Equal(3, engine.Ledger.ReserveCalls);
        var item = Assert.Single(engine.Exceptions.Open);
        Assert.Equal(ReasonCodes.BillingRunFailed.Code, item.ReasonCode);
        Assert.Contains("2 ledger entries released", item.Message, StringComparison.Ordinal);
        Assert.Empty(engine.Erp.Invoices);
        Assert.All(engine.InnerLedger.Entries, e => Assert.Equal(LedgerEntryState.Unbilled, e.State));
    }

    [Fact]
    public async Task A_reserve_that_fails_twice_is_retried_by_the_engine_and_the_run_invoices()
    {
        await using var engine = await (await new BillingEngine().WithApprovedTimeAsync()).StartAsync();
        engine.Ledger.ReserveFailures = 2;

        await engine.Workflows.StartAsync(engine.Request(), CancellationToken.None);
        var status = await engine.CompletionAsync(engine.Request());

        Assert.Equal(BillingState.Invoiced, status.Output!.State);
        Assert.Equal(3, engine.Ledger.ReserveCalls);
        Assert.Empty(engine.Exceptions.Open);
    }

    private static async Task<(ReasonCode Reason, Func<Task> Fix)> BreakAsync(BillingEngine engine, string blocker)
    {
        var project = SandboxMasterData.Project(BillingEngine.ProjectId, contractCeiling: null);
        switch (blocker)
        {
            case "project-not-in-erp":
                return (ReasonCodes.BillingProjectNotActive, () => { engine.SeedProject(); return Task.CompletedTask; });
            case "tax-code-invalid":
                await engine.Profiles.SaveAsync(project with { TaxCode = "XX-NONE" }, CancellationToken.None);
                return (ReasonCodes.BillingTaxCodeInvalid, () => engine.Profiles.SaveAsync(project, CancellationToken.None));
            case "purchase-order-missing":
                var customer = engine.Erp.Customers.Single();
                engine.Erp.EditCustomerDirectly(customer.CustomerNumber, c => c with { RequiresPurchaseOrder = true });
                await engine.Profiles.SaveAsync(project with { PurchaseOrder = null }, CancellationToken.None);
                return (ReasonCodes.BillingPurchaseOrderMissing, () => engine.Profiles.SaveAsync(project, CancellationToken.None));
            case "ledger-short":
                // Approved in the PSA, but its message has not reached the ledger yet.
                var late = TestData.TimeEntry(entryId: "TE-3", projectId: BillingEngine.ProjectId, hours: 2m, workDate: engine.InnerLedger.Entries.First().Date);
                engine.Psa.RecordApprovedTime(late);
                return (ReasonCodes.BillingLedgerMismatch, () => engine.InnerLedger.AddAsync(LedgerEntry.ForTime(late, "corr-TE-3"), CancellationToken.None));
            default:
                throw new ArgumentOutOfRangeException(nameof(blocker), blocker, null);
        }
    }
}
