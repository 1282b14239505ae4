using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using PsaSync.Core.Billing;
using PsaSync.Core.Ports;

namespace PsaSync.Workflow.Billing;

/// <summary>
/// Bills one project for one period, right the first time or not at all, as a Durable Task orchestration. It runs
/// every readiness check (each an activity); while any fails it raises one exception item per failure, shows the
/// reasons in its custom status, and waits for a "resolved" event or its re-check timer, up to a deadline. Once
/// ready it reserves the ledger entries, creates the draft invoice (its ERP external id is the batch id; its date is
/// decided here from the orchestration clock by <see cref="BillingOptions.InvoiceDating"/>, and the readiness checks
/// judge that date), sets the lines, posts it and marks the entries billed. A failure after the reservation is
/// compensated in reverse: the invoice is cancelled (draft) or credited (posted), the reservation released, and an
/// exception item says what was undone. Any other activity that still fails after its retries ends the run
/// <see cref="BillingState.Failed"/> with the step and the reason, and raises a BILLING_RUN_FAILED item.
/// Deterministic, as replay requires: time only from the context, all I/O in activities.
/// </summary>
public sealed class BillingReadinessOrchestrator(BillingOptions options) : TaskOrchestrator<BillingRequest, BillingStatus>
{
    public const string Name = "BillingReadiness";
    public const string ResolvedEvent = "resolved";

    /// <summary>Each activity is tried three times, 1 s then 2 s apart (durable timers, so a restart keeps the schedule).</summary>
    private static readonly TaskOptions Retry = TaskOptions.FromRetryPolicy(new RetryPolicy(maxNumberOfAttempts: 3, firstRetryInterval: TimeSpan.FromSeconds(1), backoffCoefficient: 2.0));

    /// <summary>
    /// Undoing is tried much longer (8 attempts, 1 s doubling to at most a minute apart, about 4 minutes in all): a
    /// compensation that gives up leaves a draft in the ERP or entries reserved that no later attempt will release.
    /// </summary>
    private static readonly TaskOptions CompensationRetry = TaskOptions.FromRetryPolicy(new RetryPolicy(maxNumberOfAttempts: 8, firstRetryInterval: TimeSpan.FromSeconds(1),
        backoffCoefficient: 2.0, maxRetryInterval: TimeSpan.FromMinutes(1)));

    public override async Task<BillingStatus> RunAsync(TaskOrchestrationContext context, BillingRequest request)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(request);
        var step = "checking readiness";
        try
        {
            var deadline = context.CurrentUtcDateTime + options.ResolutionDeadline;
            // Decided on each round from the orchestration's clock: a run that waited over midnight dates its invoice on the day it drafts it.
            var dates = BillingDates.For(request.Period, context.CurrentUtcDateTime, options.InvoiceDating);
            List<CheckResult> failures;
            // Bounded: each round either passes, ends at the deadline, or waits at most until it.
            while ((failures = await RunChecksAsync(context, request, dates)).Count > 0)
            {
                step = "raising the blocking items";
                await context.CallActivityAsync<int>(BillingActivityNames.RaiseBlocks, new BlockingReport(request, failures), Retry);
                var blocked = new BillingStatus(BillingState.Blocked, [.. failures.Select(f => f.Message)]);
                context.SetCustomStatus(blocked);
                if (context.CurrentUtcDateTime >= deadline)
                {
                    return blocked;
                }
                var left = deadline - context.CurrentUtcDateTime;
                await WaitForResolvedAsync(context, left < options.RecheckInterval ? left : options.RecheckInterval);
                step = "checking readiness";
                dates = BillingDates.For(request.Period, context.CurrentUtcDateTime, options.InvoiceDating);
            }

            step = ReservingStep;
            context.SetCustomStatus(new BillingStatus(BillingState.Invoicing, []));
            if (await context.CallActivityAsync<int>(BillingActivityNames.Reserve, request, Retry) == 0)
            {
                return Finish(context, new BillingStatus(BillingState.NothingToBill, [$"Nothing approved and unbilled for {request.ProjectId} in {request.Period}."]));
            }

            step = "creating the draft invoice";
            try
            {
                var draft = await context.CallActivityAsync<ErpInvoice>(BillingActivityNames.CreateDraft, new DraftRequest(request, dates), Retry);
                step = "setting the invoice lines";
                await context.CallActivityAsync<ErpInvoice>(BillingActivityNames.SetLines, new InvoiceStep(request, draft.InvoiceId), Retry);
                step = "posting the invoice";
                var posted = await context.CallActivityAsync<ErpInvoice>(BillingActivityNames.Post, new InvoiceStep(request, draft.InvoiceId), Retry);
                step = "marking the entries billed";
                await context.CallActivityAsync<int>(BillingActivityNames.MarkBilled, new InvoiceStep(request, draft.InvoiceId), Retry);
                await context.CallActivityAsync<int>(BillingActivityNames.RecordIssued, new IssuedInvoice(request, posted), Retry);
                return Finish(context, new BillingStatus(BillingState.Invoiced, [], posted.Number, posted.Gross, posted.Currency));
            }
            catch (TaskFailedException failure)
            {
                // Undone in reverse; should an undo itself keep failing, the outer handler ends the run Failed and says so.
                var failedStep = step;
                var reason = ReasonOf(failure);
                step = $"undoing the invoicing (it had failed while {failedStep}: {reason})";
                var undone = new List<string>
                {
                    await context.CallActivityAsync<string>(BillingActivityNames.UndoInvoice, request, CompensationRetry),
                    $"{await context.CallActivityAsync<int>(BillingActivityNames.Release, request, CompensationRetry)} ledger entries released",
                };
                await context.CallActivityAsync<int>(BillingActivityNames.RaiseCompensated, new CompensationReport(request, failedStep, reason, undone), Retry);
                return Finish(context, new BillingStatus(BillingState.Compensated, [$"Failed while {failedStep}: {reason}", .. undone]));
            }
        }
        catch (TaskFailedException failure)
        {
            var reason = ReasonOf(failure);
            List<string> reasons = [$"Failed while {step}: {reason}"];
            if (step == ReservingStep)
            {
                // The reservation may have got part-way: release what this batch holds, or no later attempt can bill it.
                reasons.Add(await ReleaseAfterFailedReservationAsync(context, request));
            }
            var failed = Finish(context, new BillingStatus(BillingState.Failed, reasons));
            context.CreateReplaySafeLogger<BillingReadinessOrchestrator>()
                .LogWarning("Billing {BatchId} failed while {Step}: {Reason}", request.BatchId, step, reason);
            await context.CallActivityAsync<int>(BillingActivityNames.RaiseRunFailed, new FailureReport(request, step, string.Join("; ", reasons.Skip(1).Prepend(reason))), Retry);
            return failed;
        }
    }

    private const string ReservingStep = "reserving the ledger entries";

    private static async Task<string> ReleaseAfterFailedReservationAsync(TaskOrchestrationContext context, BillingRequest request)
    {
        try
        {
            return $"{await context.CallActivityAsync<int>(BillingActivityNames.Release, request, CompensationRetry)} ledger entries released";
        }
        catch (TaskFailedException release)
        {
            return $"Releasing the entries reserved for {request.BatchId} failed too ({ReasonOf(release)}): they stay reserved until billing is run again for this batch";
        }
    }

    private static async Task<List<CheckResult>> RunChecksAsync(TaskOrchestrationContext context, BillingRequest request, BillingDates dates)
    {
        context.SetCustomStatus(new BillingStatus(BillingState.Checking, []));
        var failures = new List<CheckResult>();
        foreach (var check in BillingChecks.All)
        {
            var result = await context.CallActivityAsync<CheckResult>(BillingActivityNames.RunCheck, new CheckRequest(request, check, dates), Retry);
            if (!result.Passed)
            {
                failures.Add(result);
            }
        }
        return failures;
    }

    /// <summary>
    /// Waits for the "resolved" event or the re-check timer, whichever comes first, and cancels the other with
    /// <see cref="CancellationTokenSource.Cancel()"/>. (Awaiting <c>CancelAsync</c> here would resume the orchestrator
    /// outside the engine's replay loop, and a run resolved by its event would then never complete.) Cancelling the
    /// event wait matters as well: a waiter left behind would swallow the next round's event.
    /// </summary>
    private static async Task WaitForResolvedAsync(TaskOrchestrationContext context, TimeSpan wait)
    {
        using var cancellation = new CancellationTokenSource();
        var timer = context.CreateTimer(wait, cancellation.Token);
        var resolved = context.WaitForExternalEvent<string>(ResolvedEvent, cancellation.Token);
        await Task.WhenAny(resolved, timer);
#pragma warning disable CA1849 // Cancel, not CancelAsync: the orchestrator must stay on the engine's thread (see above).
        cancellation.Cancel();
#pragma warning restore CA1849
    }

    private static BillingStatus Finish(TaskOrchestrationContext context, BillingStatus status)
    {
        context.SetCustomStatus(status);
        return status;
    }

    private static string ReasonOf(TaskFailedException failure) => failure.FailureDetails?.ErrorMessage ?? failure.Message;
}
