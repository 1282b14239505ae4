using PsaSync.Core.Ports;
using PsaSync.Core.Workflow;

namespace PsaSync.Core.Billing;

/// <summary>
/// Bills one project for one period, right the first time or not at all. It runs every readiness check (each
/// an activity); while any fails it raises one exception item per failure, shows the reasons in its status,
/// and waits for a "resolved" event or its re-check timer, up to a deadline. Once ready it reserves the
/// ledger entries, creates the draft invoice (its ERP external id is the batch id; its date is decided here, by
/// <see cref="BillingOptions.InvoiceDating"/>, and the readiness checks judge that date), sets the lines, posts it
/// and marks the entries billed. A failure after the reservation is compensated in reverse: the invoice is
/// cancelled (draft) or credited (posted), the reservation released, and an exception item says what was undone.
/// Deterministic as Durable requires: time only from the context, all I/O in activities.
/// </summary>
public sealed class BillingReadinessWorkflow(BillingOptions options) : IWorkflow<BillingRequest, BillingStatus>
{
    public const string WorkflowName = "BillingReadiness";
    public const string ResolvedEvent = "resolved";

    private static readonly ActivityRetry Retry = new(MaxAttempts: 3, FirstInterval: TimeSpan.FromSeconds(1));

    public string Name => WorkflowName;

    public async Task<BillingStatus> RunAsync(IWorkflowContext context, BillingRequest request)
    {
        var deadline = context.CurrentUtcDateTime + options.ResolutionDeadline;
        BillingDates dates;
        while (true)
        {
            // Decided on each round from the orchestration's clock: a run that waited over midnight dates its invoice on the day it drafts it.
            dates = BillingDates.For(request.Period, context.CurrentUtcDateTime, options.InvoiceDating);
            context.SetCustomStatus(new BillingStatus(BillingState.Checking, []));
            var results = new List<CheckResult>();
            foreach (var check in BillingChecks.All)
            {
                results.Add(await context.CallActivityAsync<CheckResult>(BillingActivityNames.RunCheck, new CheckRequest(request, check, dates), Retry));
            }
            var failures = results.Where(r => !r.Passed).ToList();
            if (failures.Count == 0)
            {
                break;
            }
            await context.CallActivityAsync<int>(BillingActivityNames.RaiseBlocks, new BlockingReport(request, failures), Retry);
            var blocked = new BillingStatus(BillingState.Blocked, [.. failures.Select(f => f.Message)]);
            context.SetCustomStatus(blocked);
            if (context.CurrentUtcDateTime >= deadline)
            {
                return blocked;
            }
            var wait = deadline - context.CurrentUtcDateTime < options.RecheckInterval ? deadline - context.CurrentUtcDateTime : options.RecheckInterval;
            await context.WaitForExternalEventAsync<string>(ResolvedEvent, wait);
        }

        context.SetCustomStatus(new BillingStatus(BillingState.Invoicing, []));
        if (await context.CallActivityAsync<int>(BillingActivityNames.Reserve, request, Retry) == 0)
        {
            return new BillingStatus(BillingState.NothingToBill, [$"Nothing approved and unbilled for {request.ProjectId} in {request.Period}."]);
        }

        var step = "creating the draft invoice";
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
            var invoiced = new BillingStatus(BillingState.Invoiced, [], posted.Number, posted.Gross, posted.Currency);
            context.SetCustomStatus(invoiced);
            return invoiced;
        }
        catch (ActivityFailedException failure)
        {
            var undone = new List<string>
            {
                await context.CallActivityAsync<string>(BillingActivityNames.UndoInvoice, request, Retry),
                $"{await context.CallActivityAsync<int>(BillingActivityNames.Release, request, Retry)} ledger entries released",
            };
            await context.CallActivityAsync<int>(BillingActivityNames.RaiseCompensated, new CompensationReport(request, step, failure.Reason, undone), Retry);
            var compensated = new BillingStatus(BillingState.Compensated, [$"Failed while {step}: {failure.Reason}", .. undone]);
            context.SetCustomStatus(compensated);
            return compensated;
        }
    }
}
