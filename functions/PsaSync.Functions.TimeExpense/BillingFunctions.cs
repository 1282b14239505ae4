using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using PsaSync.Core.Billing;
using PsaSync.Core.Ports;
using PsaSync.Hosting;
using PsaSync.Workflow.Billing;

namespace PsaSync.Functions.TimeExpense;

/// <summary>
/// The billing-readiness orchestration as Durable Functions: the orchestrator function runs the shared
/// <see cref="BillingReadinessOrchestrator"/> on its <see cref="TaskOrchestrationContext"/>, each activity function
/// runs the shared activity of the same name with its typed input, and HTTP starts, watches and un-blocks runs.
/// No billing rule lives here.
/// </summary>
#pragma warning disable CA1062 // The Functions host binds every trigger argument.
public sealed class BillingFunctions(
    BillingReadinessOrchestrator orchestrator,
    RunBillingCheck runCheck,
    RaiseBillingBlocks raiseBlocks,
    ReserveBillingEntries reserve,
    CreateDraftInvoice createDraft,
    SetInvoiceLines setLines,
    PostInvoice post,
    MarkEntriesBilled markBilled,
    RecordInvoiceIssued recordIssued,
    UndoInvoice undoInvoice,
    ReleaseBillingEntries release,
    RaiseBillingCompensated raiseCompensated,
    RaiseBillingRunFailed raiseRunFailed,
    PeriodCloseBilling periodClose)
{
    [Function(BillingReadinessOrchestrator.Name)]
    public Task<BillingStatus> Orchestrate([OrchestrationTrigger] TaskOrchestrationContext context) =>
        orchestrator.RunAsync(context, context.GetInput<BillingRequest>()
            ?? throw new InvalidOperationException("The billing orchestration was started without a request."));

    [Function(BillingActivityNames.RunCheck)]
    public Task<CheckResult> RunCheck([ActivityTrigger] CheckRequest input, CancellationToken cancellationToken) => runCheck.ExecuteAsync(input, cancellationToken);

    [Function(BillingActivityNames.RaiseBlocks)]
    public Task<int> RaiseBlocks([ActivityTrigger] BlockingReport input, CancellationToken cancellationToken) => raiseBlocks.ExecuteAsync(input, cancellationToken);

    [Function(BillingActivityNames.Reserve)]
    public Task<int> Reserve([ActivityTrigger] BillingRequest input, CancellationToken cancellationToken) => reserve.ExecuteAsync(input, cancellationToken);

    [Function(BillingActivityNames.CreateDraft)]
    public Task<ErpInvoice> CreateDraft([ActivityTrigger] DraftRequest input, CancellationToken cancellationToken) => createDraft.ExecuteAsync(input, cancellationToken);

    [Function(BillingActivityNames.SetLines)]
    public Task<ErpInvoice> SetLines([ActivityTrigger] InvoiceStep input, CancellationToken cancellationToken) => setLines.ExecuteAsync(input, cancellationToken);

    [Function(BillingActivityNames.Post)]
    public Task<ErpInvoice> Post([ActivityTrigger] InvoiceStep input, CancellationToken cancellationToken) => post.ExecuteAsync(input, cancellationToken);

    [Function(BillingActivityNames.MarkBilled)]
    public Task<int> MarkBilled([ActivityTrigger] InvoiceStep input, CancellationToken cancellationToken) => markBilled.ExecuteAsync(input, cancellationToken);

    [Function(BillingActivityNames.RecordIssued)]
    public Task<int> RecordIssued([ActivityTrigger] IssuedInvoice input, CancellationToken cancellationToken) => recordIssued.ExecuteAsync(input, cancellationToken);

    [Function(BillingActivityNames.UndoInvoice)]
    public Task<string> UndoInvoice([ActivityTrigger] BillingRequest input, CancellationToken cancellationToken) => undoInvoice.ExecuteAsync(input, cancellationToken);

    [Function(BillingActivityNames.Release)]
    public Task<int> Release([ActivityTrigger] BillingRequest input, CancellationToken cancellationToken) => release.ExecuteAsync(input, cancellationToken);

    [Function(BillingActivityNames.RaiseCompensated)]
    public Task<int> RaiseCompensated([ActivityTrigger] CompensationReport input, CancellationToken cancellationToken) => raiseCompensated.ExecuteAsync(input, cancellationToken);

    [Function(BillingActivityNames.RaiseRunFailed)]
    public Task<int> RaiseRunFailed([ActivityTrigger] FailureReport input, CancellationToken cancellationToken) => raiseRunFailed.ExecuteAsync(input, cancellationToken);

    [Function("BillingStart")]
    public async Task<IActionResult> Start(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "billing/{projectId}/{period}")] HttpRequest request,
        string projectId, string period, [DurableClient] DurableTaskClient client, CancellationToken cancellationToken) =>
        await BillingHttp.StartAsync(new DurableBillingWorkflows(client), projectId, period, request, cancellationToken);

    [Function("BillingStatus")]
    public async Task<IActionResult> Status(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "billing/{projectId}/{period}")] HttpRequest request,
        string projectId, string period, [DurableClient] DurableTaskClient client, CancellationToken cancellationToken) =>
        await BillingHttp.GetAsync(new DurableBillingWorkflows(client), projectId, period, request, cancellationToken);

    [Function("BillingResolved")]
    public async Task<IActionResult> Resolved(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "billing/{projectId}/{period}/resolved")] HttpRequest request,
        string projectId, string period, [DurableClient] DurableTaskClient client, CancellationToken cancellationToken) =>
        await BillingHttp.ResolvedAsync(new DurableBillingWorkflows(client), projectId, period, request, cancellationToken);

    [Function("PeriodCloseBilling")]
    public Task<string> PeriodClose(
        [TimerTrigger("%PeriodCloseBillingSchedule%")] TimerInfo timer, [DurableClient] DurableTaskClient client, CancellationToken cancellationToken) =>
        periodClose.RunAsync(new DurableBillingWorkflows(client), cancellationToken);
}
#pragma warning restore CA1062
