using System.Globalization;
using Microsoft.DurableTask;
using PsaSync.Core.Audit;
using PsaSync.Core.Billing;
using PsaSync.Core.CrossReference;
using PsaSync.Core.Exceptions;
using PsaSync.Core.Messaging;
using PsaSync.Core.Model;
using PsaSync.Core.Ports;
using PsaSync.Core.Tracing;

namespace PsaSync.Workflow.Billing;

/// <summary>
/// A billing activity: a Durable Task activity with a typed input and result. The engine calls
/// <see cref="RunAsync(TaskActivityContext, TInput)"/>; a Functions activity trigger calls <see cref="ExecuteAsync"/> with
/// its own cancellation token. Either way the ERP changes it makes are audited under the run's billing batch.
/// </summary>
public abstract class BillingActivity<TInput, TResult> : TaskActivity<TInput, TResult>
{
    public abstract string Name { get; }

    public sealed override Task<TResult> RunAsync(TaskActivityContext context, TInput input) => ExecuteAsync(input, CancellationToken.None);

    public async Task<TResult> ExecuteAsync(TInput input, CancellationToken cancellationToken)
    {
        if (input is null)
        {
            throw new ArgumentException($"Activity {Name} received no input.", nameof(input));
        }
        // ERP changes are audited under the billing batch (also the orchestration instance id and the invoice's external id).
        using var audit = AuditContext.Begin(BatchOf(input) ?? Name, $"workflow/{Name}");
        return await RunAsync(input, cancellationToken);
    }

    private static string? BatchOf(TInput input) => input switch
    {
        BillingRequest request => request.BatchId,
        CheckRequest check => check.Request.BatchId,
        DraftRequest draft => draft.Request.BatchId,
        InvoiceStep step => step.Request.BatchId,
        IssuedInvoice issued => issued.Request.BatchId,
        BlockingReport report => report.Request.BatchId,
        CompensationReport report => report.Request.BatchId,
        FailureReport report => report.Request.BatchId,
        _ => null,
    };

    protected abstract Task<TResult> RunAsync(TInput input, CancellationToken cancellationToken);
}

/// <summary>The activity names: the Durable activity functions are named the same.</summary>
public static class BillingActivityNames
{
    public const string RunCheck = "BillingRunCheck";
    public const string RaiseBlocks = "BillingRaiseBlocks";
    public const string Reserve = "BillingReserveEntries";
    public const string CreateDraft = "BillingCreateDraftInvoice";
    public const string SetLines = "BillingSetInvoiceLines";
    public const string Post = "BillingPostInvoice";
    public const string MarkBilled = "BillingMarkEntriesBilled";
    public const string RecordIssued = "BillingRecordInvoiceIssued";
    public const string UndoInvoice = "BillingUndoInvoice";
    public const string Release = "BillingReleaseEntries";
    public const string RaiseCompensated = "BillingRaiseCompensated";
    public const string RaiseRunFailed = "BillingRaiseRunFailed";
}

/// <summary>The ERP-side facts an invoice needs, read from the project's profile and the cross references.</summary>
public sealed class BillingContext(IProjectProfiles profiles, ICrossReferenceMap crossReferences, IErpConnector erp)
{
    public async Task<(Project Project, string CustomerNumber, string ErpProjectCode)> ResolveAsync(BillingRequest request, CancellationToken cancellationToken)
    {
        var project = await profiles.GetAsync(request.ProjectId, cancellationToken)
            ?? throw new InvalidOperationException($"Project {request.ProjectId} has no profile.");
        var customer = (await crossReferences.FindAsync(EntityKinds.Customer, SystemNames.CustomerKey, project.CustomerKey, cancellationToken))?.IdIn(SystemNames.Erp)
            ?? throw new InvalidOperationException($"Customer {project.CustomerKey} is not in the ERP.");
        var erpProject = await erp.FindProjectAsync(project.ProjectId, cancellationToken)
            ?? throw new InvalidOperationException($"Project {project.ProjectId} is not in the ERP.");
        return (project, customer, erpProject.ErpProjectCode);
    }

    public static RecordRef RecordOf(BillingRequest request) => new(SystemNames.Psa, EntityKinds.Project, request.ProjectId);
}

public sealed class RunBillingCheck(BillingChecks checks) : BillingActivity<CheckRequest, CheckResult>
{
    public override string Name => BillingActivityNames.RunCheck;

    protected override Task<CheckResult> RunAsync(CheckRequest input, CancellationToken cancellationToken) => checks.RunAsync(input, cancellationToken);
}

/// <summary>One exception item per failed check, on the project.</summary>
public sealed class RaiseBillingBlocks(IExceptionStore exceptions) : BillingActivity<BlockingReport, int>
{
    public override string Name => BillingActivityNames.RaiseBlocks;

    protected override async Task<int> RunAsync(BlockingReport input, CancellationToken cancellationToken)
    {
        foreach (var failure in input.Failures)
        {
            var reason = ReasonCodes.Find(failure.ReasonCode ?? "") ?? ReasonCodes.BillingLedgerMismatch;
            await exceptions.RaiseAsync(new NewException(reason, $"Billing {input.Request.Period} is blocked: {failure.Message}", QueueNames.TimeExpense,
                BillingContext.RecordOf(input.Request), input.Request.BatchId, input.Request.BatchId), cancellationToken);
        }
        return input.Failures.Count;
    }
}

public sealed class ReserveBillingEntries(IUnbilledLedger ledger) : BillingActivity<BillingRequest, int>
{
    public override string Name => BillingActivityNames.Reserve;

    protected override Task<int> RunAsync(BillingRequest input, CancellationToken cancellationToken) =>
        ledger.ReserveAsync(input.ProjectId, input.Period, input.BatchId, cancellationToken);
}

/// <summary>The draft, dated as the workflow decided, with the service period stated in its description.</summary>
public sealed class CreateDraftInvoice(BillingContext context, IErpConnector erp) : BillingActivity<DraftRequest, ErpInvoice>
{
    public override string Name => BillingActivityNames.CreateDraft;

    protected override async Task<ErpInvoice> RunAsync(DraftRequest input, CancellationToken cancellationToken)
    {
        var request = input.Request;
        // Looked up first: a create that timed out after committing is found, not repeated.
        if (await erp.FindInvoiceByBatchAsync(request.BatchId, cancellationToken) is { } existing)
        {
            return existing;
        }
        var (project, customer, erpProject) = await context.ResolveAsync(request, cancellationToken);
        return await erp.CreateDraftInvoiceAsync(new ErpInvoiceDraft(request.BatchId, customer, erpProject, request.Period, input.Dates.InvoiceDate,
            $"{project.Name}: {BillingDates.ServicePeriodText(request.Period)}", project.Currency, project.PurchaseOrder, project.TaxCode ?? "", request.BatchId), cancellationToken);
    }
}

public sealed class SetInvoiceLines(IProjectProfiles profiles, IUnbilledLedger ledger, IErpConnector erp) : BillingActivity<InvoiceStep, ErpInvoice>
{
    public override string Name => BillingActivityNames.SetLines;

    protected override async Task<ErpInvoice> RunAsync(InvoiceStep input, CancellationToken cancellationToken)
    {
        var request = input.Request;
        var project = await profiles.GetAsync(request.ProjectId, cancellationToken)
            ?? throw new InvalidOperationException($"Project {request.ProjectId} has no profile.");
        var reserved = (await ledger.ListAsync(request.ProjectId, request.Period, cancellationToken))
            .Where(e => e.BillingBatchId == request.BatchId && e.State == LedgerEntryState.Reserved);
        return await erp.SetInvoiceLinesAsync(input.InvoiceId, InvoiceLines.Build(reserved, project), cancellationToken);
    }
}

public sealed class PostInvoice(IErpConnector erp) : BillingActivity<InvoiceStep, ErpInvoice>
{
    public override string Name => BillingActivityNames.Post;

    protected override Task<ErpInvoice> RunAsync(InvoiceStep input, CancellationToken cancellationToken) => erp.PostInvoiceAsync(input.InvoiceId, cancellationToken);
}

public sealed class MarkEntriesBilled(IUnbilledLedger ledger) : BillingActivity<InvoiceStep, int>
{
    public override string Name => BillingActivityNames.MarkBilled;

    protected override Task<int> RunAsync(InvoiceStep input, CancellationToken cancellationToken) =>
        ledger.MarkBilledAsync(input.Request.ProjectId, input.Request.Period, input.Request.BatchId, input.InvoiceId, cancellationToken);
}

/// <summary>The invoice is out: the project's billing items are resolved and the timeline says so.</summary>
public sealed class RecordInvoiceIssued(IExceptionStore exceptions, ICorrelationLog correlationLog, TimeProvider clock) : BillingActivity<IssuedInvoice, int>
{
    public override string Name => BillingActivityNames.RecordIssued;

    protected override async Task<int> RunAsync(IssuedInvoice input, CancellationToken cancellationToken)
    {
        var (request, invoice) = (input.Request, input.Invoice);
        await correlationLog.AppendAsync(new TraceEntry(request.BatchId, clock.GetUtcNow(), QueueNames.TimeExpense, TraceSteps.Posted,
            string.Create(CultureInfo.InvariantCulture, $"Invoice {invoice.Number} posted: {invoice.Net:0.00} net, {invoice.Tax:0.00} tax, {invoice.Gross:0.00} {invoice.Currency} gross, {invoice.Lines.Count} line(s)."),
            BillingContext.RecordOf(request)), cancellationToken);
        return await exceptions.ResolveForRecordAsync(QueueNames.TimeExpense, BillingContext.RecordOf(request), $"Invoice {invoice.Number} was issued.", cancellationToken);
    }
}

/// <summary>Compensation: a draft is cancelled, a posted invoice is credited, nothing else is touched. Safe to repeat.</summary>
public sealed class UndoInvoice(IErpConnector erp) : BillingActivity<BillingRequest, string>
{
    public override string Name => BillingActivityNames.UndoInvoice;

    protected override async Task<string> RunAsync(BillingRequest input, CancellationToken cancellationToken)
    {
        var invoice = await erp.FindInvoiceByBatchAsync(input.BatchId, cancellationToken);
        switch (invoice?.Status)
        {
            case ErpInvoiceStatus.Draft:
                await erp.CancelDraftInvoiceAsync(invoice.InvoiceId, cancellationToken);
                return $"draft invoice {invoice.InvoiceId} cancelled";
            case ErpInvoiceStatus.Posted:
                var credited = await erp.CreditInvoiceAsync(invoice.InvoiceId, $"Billing of {input.ProjectId} for {input.Period} failed after posting.", cancellationToken);
                return $"invoice {invoice.Number} credited by credit memo {credited.CreditMemoId}";
            case ErpInvoiceStatus.Credited:
                return $"invoice {invoice.Number} was already credited ({invoice.CreditMemoId})";
            default:
                return "no invoice had been created";
        }
    }
}

public sealed class ReleaseBillingEntries(IUnbilledLedger ledger) : BillingActivity<BillingRequest, int>
{
    public override string Name => BillingActivityNames.Release;

    protected override Task<int> RunAsync(BillingRequest input, CancellationToken cancellationToken) =>
        ledger.ReleaseAsync(input.ProjectId, input.Period, input.BatchId, cancellationToken);
}

public sealed class RaiseBillingCompensated(IExceptionStore exceptions) : BillingActivity<CompensationReport, int>
{
    public override string Name => BillingActivityNames.RaiseCompensated;

    protected override async Task<int> RunAsync(CompensationReport input, CancellationToken cancellationToken)
    {
        await exceptions.RaiseAsync(new NewException(ReasonCodes.BillingCompensated,
            $"Billing {input.Request.ProjectId} for {input.Request.Period} failed at {input.FailedStep} ({input.Reason}). Undone: {string.Join("; ", input.Undone)}. " +
            $"Once the cause is fixed, start the next attempt: POST billing/{input.Request.ProjectId}/{input.Request.Period}?attempt={input.Request.Attempt + 1}.",
            QueueNames.TimeExpense, BillingContext.RecordOf(input.Request), input.Request.BatchId, input.Request.BatchId), cancellationToken);
        return 1;
    }
}

/// <summary>The run stopped on an error before anything was invoiced (or while undoing): one item says where, why and what to do.</summary>
public sealed class RaiseBillingRunFailed(IExceptionStore exceptions) : BillingActivity<FailureReport, int>
{
    public override string Name => BillingActivityNames.RaiseRunFailed;

    protected override async Task<int> RunAsync(FailureReport input, CancellationToken cancellationToken)
    {
        await exceptions.RaiseAsync(new NewException(ReasonCodes.BillingRunFailed,
            $"Billing {input.Request.ProjectId} for {input.Request.Period} failed while {input.FailedStep} ({input.Reason}). " +
            $"Once the cause is fixed, start the next attempt: POST billing/{input.Request.ProjectId}/{input.Request.Period}?attempt={input.Request.Attempt + 1}.",
            QueueNames.TimeExpense, BillingContext.RecordOf(input.Request), input.Request.BatchId, input.Request.BatchId), cancellationToken);
        return 1;
    }
}
