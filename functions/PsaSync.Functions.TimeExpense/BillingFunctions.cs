using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using PsaSync.Core.Billing;
using PsaSync.Core.Workflow;
using PsaSync.Functions.Shared.Durable;
using PsaSync.Hosting;

namespace PsaSync.Functions.TimeExpense;

/// <summary>
/// The billing-readiness workflow as Durable Functions: the orchestrator runs the shared workflow code through
/// the Durable adapter, each activity function runs the shared activity of the same name, and HTTP starts,
/// watches and un-blocks runs. No billing rule lives here.
/// </summary>
public sealed class BillingFunctions(BillingReadinessWorkflow workflow, IEnumerable<IWorkflowActivity> activities, PeriodCloseBilling periodClose)
{
    private readonly Dictionary<string, IWorkflowActivity> _activities = activities.ToDictionary(a => a.Name);

    [Function(BillingReadinessWorkflow.WorkflowName)]
    public Task<BillingStatus> Orchestrate([OrchestrationTrigger] TaskOrchestrationContext context) =>
        workflow.RunAsync(new DurableWorkflowContext(context), context.GetInput<BillingRequest>()
            ?? throw new InvalidOperationException("The billing orchestration was started without a request."));

    [Function(BillingActivityNames.RunCheck)]
    public Task<object?> RunCheck([ActivityTrigger] JsonElement input, CancellationToken cancellationToken) => Run(BillingActivityNames.RunCheck, input, cancellationToken);

    [Function(BillingActivityNames.RaiseBlocks)]
    public Task<object?> RaiseBlocks([ActivityTrigger] JsonElement input, CancellationToken cancellationToken) => Run(BillingActivityNames.RaiseBlocks, input, cancellationToken);

    [Function(BillingActivityNames.Reserve)]
    public Task<object?> Reserve([ActivityTrigger] JsonElement input, CancellationToken cancellationToken) => Run(BillingActivityNames.Reserve, input, cancellationToken);

    [Function(BillingActivityNames.CreateDraft)]
    public Task<object?> CreateDraft([ActivityTrigger] JsonElement input, CancellationToken cancellationToken) => Run(BillingActivityNames.CreateDraft, input, cancellationToken);

    [Function(BillingActivityNames.SetLines)]
    public Task<object?> SetLines([ActivityTrigger] JsonElement input, CancellationToken cancellationToken) => Run(BillingActivityNames.SetLines, input, cancellationToken);

    [Function(BillingActivityNames.Post)]
    public Task<object?> Post([ActivityTrigger] JsonElement input, CancellationToken cancellationToken) => Run(BillingActivityNames.Post, input, cancellationToken);

    [Function(BillingActivityNames.MarkBilled)]
    public Task<object?> MarkBilled([ActivityTrigger] JsonElement input, CancellationToken cancellationToken) => Run(BillingActivityNames.MarkBilled, input, cancellationToken);

    [Function(BillingActivityNames.RecordIssued)]
    public Task<object?> RecordIssued([ActivityTrigger] JsonElement input, CancellationToken cancellationToken) => Run(BillingActivityNames.RecordIssued, input, cancellationToken);

    [Function(BillingActivityNames.UndoInvoice)]
    public Task<object?> UndoInvoice([ActivityTrigger] JsonElement input, CancellationToken cancellationToken) => Run(BillingActivityNames.UndoInvoice, input, cancellationToken);

    [Function(BillingActivityNames.Release)]
    public Task<object?> Release([ActivityTrigger] JsonElement input, CancellationToken cancellationToken) => Run(BillingActivityNames.Release, input, cancellationToken);

    [Function(BillingActivityNames.RaiseCompensated)]
    public Task<object?> RaiseCompensated([ActivityTrigger] JsonElement input, CancellationToken cancellationToken) => Run(BillingActivityNames.RaiseCompensated, input, cancellationToken);

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

    private Task<object?> Run(string name, JsonElement input, CancellationToken cancellationToken) => _activities[name].RunAsync(input, cancellationToken);
}
