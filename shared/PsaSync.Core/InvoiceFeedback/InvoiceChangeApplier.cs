using System.Globalization;
using PsaSync.Core.Billing;
using PsaSync.Core.Exceptions;
using PsaSync.Core.Messaging;
using PsaSync.Core.Model;
using PsaSync.Core.Ports;
using PsaSync.Core.Tracing;

namespace PsaSync.Core.InvoiceFeedback;

public enum InvoiceChangeOutcome
{
    Applied,

    /// <summary>This version (or a later one) was applied before: a repeated poll or a redelivery.</summary>
    Duplicate,

    /// <summary>A draft: not shown to the PSA until it is posted.</summary>
    Draft,

    /// <summary>A draft cancelled before it was ever issued (a compensated billing run): the PSA never hears of it.</summary>
    NeverIssued,

    /// <summary>An ERP document PsaSync did not make: raised as an exception for finance instead.</summary>
    Unknown,
}

/// <summary>
/// Carries one ERP invoice change to the PSA: which records it bills, its amounts and what is paid. Whatever brings
/// the change (the polling job today, an ERP webhook where an ERP has one) goes through here, so dedupe and order
/// are the same. Order per invoice holds because a version at or below the registered one is never applied again.
/// </summary>
public sealed class InvoiceChangeApplier(
    IInvoiceRegister register,
    IUnbilledLedger ledger,
    IPsaConnector psa,
    IExceptionStore exceptions,
    ICorrelationLog correlationLog,
    TimeProvider clock)
{
    private const string Domain = QueueNames.InvoiceStatus;

    public async Task<InvoiceChangeOutcome> ApplyAsync(ErpInvoiceChange change, CancellationToken cancellationToken)
    {
        if (change.Status == ErpInvoiceStatus.Draft)
        {
            return InvoiceChangeOutcome.Draft;
        }
        // The PSA learns about invoices that were issued, and what happens to them after. An issued invoice has a number
        // (posting gives it one); a cancelled document without one is a draft that never left the ERP.
        if (change is { Status: ErpInvoiceStatus.Cancelled, Number: null, Kind: ErpDocumentKind.Invoice })
        {
            return InvoiceChangeOutcome.NeverIssued;
        }
        if (await register.GetAsync(change.InvoiceId, cancellationToken) is { } known && known.Version >= change.Version)
        {
            return InvoiceChangeOutcome.Duplicate;
        }
        var state = StateOf(change);
        var request = BillingRequest.FromBatchId(change.BillingBatchId);
        if (request is null)
        {
            await RaiseUnknownAsync(change, cancellationToken);
            await register.SaveAsync(Registered(change, state, request), cancellationToken);
            return InvoiceChangeOutcome.Unknown;
        }

        var billed = (await ledger.ListAsync(request.ProjectId, request.Period, cancellationToken))
            .Where(e => e.BillingBatchId == change.BillingBatchId)
            .ToList();
        await psa.ApplyInvoiceStatusAsync(new PsaInvoiceStatus(change.InvoiceId, change.Version, change.Number, request.ProjectId, request.Period,
            state, change.InvoiceDate, change.DueDate, change.Net, change.Tax, change.Gross, change.AmountPaid, change.WrittenOff, change.Balance,
            change.Currency, [.. billed.Select(e => e.SourceId)], change.CreditedInvoiceId), cancellationToken);

        // The invoice's own timeline, and one line on the timeline of every record it bills: "what happened to this time entry?" ends here.
        var detail = Describe(change, state);
        await correlationLog.AppendAsync(new TraceEntry(request.BatchId, clock.GetUtcNow(), Domain, TraceSteps.WrittenBack, detail,
            new RecordRef(SystemNames.Erp, EntityKinds.Invoice, change.InvoiceId)), cancellationToken);
        foreach (var entry in billed)
        {
            await correlationLog.AppendAsync(new TraceEntry(entry.CorrelationId, clock.GetUtcNow(), Domain, TraceSteps.WrittenBack, detail,
                new RecordRef(SystemNames.Psa, EntityKindOf(entry.Kind), entry.SourceId)), cancellationToken);
        }
        await register.SaveAsync(Registered(change, state, request), cancellationToken);
        return InvoiceChangeOutcome.Applied;
    }

    public static PsaInvoiceState StateOf(ErpInvoiceChange change) => change switch
    {
        { Kind: ErpDocumentKind.CreditMemo } => PsaInvoiceState.CreditMemo,
        { Status: ErpInvoiceStatus.Cancelled } => PsaInvoiceState.Cancelled,
        { Status: ErpInvoiceStatus.Credited } => PsaInvoiceState.Credited,
        { Balance: 0m, Gross: > 0m } => PsaInvoiceState.Paid,
        { AmountPaid: > 0m } or { WrittenOff: > 0m } => PsaInvoiceState.PartiallyPaid,
        _ => PsaInvoiceState.Issued,
    };

    private static string Describe(ErpInvoiceChange change, PsaInvoiceState state)
    {
        var name = change.Number ?? change.InvoiceId;
        string Money(decimal amount) => $"{amount.ToString("0.00", CultureInfo.InvariantCulture)} {change.Currency}";
        return state switch
        {
            PsaInvoiceState.Issued => string.Create(CultureInfo.InvariantCulture, $"Invoice {name} issued: {Money(change.Gross)} gross, due {change.DueDate:yyyy-MM-dd}; shown in the PSA."),
            PsaInvoiceState.PartiallyPaid => $"Invoice {name} partly paid: {Money(change.AmountPaid)} received, {Money(change.Balance)} open; shown in the PSA.",
            PsaInvoiceState.Paid => $"Invoice {name} paid in full ({Money(change.AmountPaid)}{(change.WrittenOff > 0 ? $", {Money(change.WrittenOff)} written off" : "")}); shown in the PSA.",
            PsaInvoiceState.Credited => $"Invoice {name} credited; its records count as not invoiced in the PSA.",
            PsaInvoiceState.Cancelled => $"Invoice {name} cancelled; shown in the PSA.",
            _ => $"Credit memo {name} for invoice {change.CreditedInvoiceId}: {Money(change.Gross)}; shown in the PSA.",
        };
    }

    private static string EntityKindOf(LedgerEntryKind kind) => kind switch
    {
        LedgerEntryKind.Time => EntityKinds.TimeEntry,
        LedgerEntryKind.Expense => EntityKinds.Expense,
        _ => EntityKinds.Milestone,
    };

    private Task RaiseUnknownAsync(ErpInvoiceChange change, CancellationToken cancellationToken) =>
        exceptions.RaiseAsync(new NewException(ReasonCodes.ErpInvoiceUnknown,
            $"ERP {change.Kind.ToString().ToLowerInvariant()} {change.Number ?? change.InvoiceId} ({change.Gross.ToString("0.00", CultureInfo.InvariantCulture)} {change.Currency}) "
            + $"has {(change.BillingBatchId is null ? "no external reference" : $"external reference '{change.BillingBatchId}'")}, which is not a PsaSync billing batch.",
            Domain, new RecordRef(SystemNames.Erp, EntityKinds.Invoice, change.InvoiceId), $"erp-invoice-{change.InvoiceId}", $"erp-invoice:{change.InvoiceId}"),
            cancellationToken);

    private RegisteredInvoice Registered(ErpInvoiceChange change, PsaInvoiceState state, BillingRequest? request) =>
        new(change.InvoiceId, change.Version, change.Kind, change.BillingBatchId, request?.ProjectId, request?.Period, change.Number, state,
            change.Net, change.Gross, change.AmountPaid, change.Balance, change.Currency, clock.GetUtcNow());
}
