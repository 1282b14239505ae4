using PsaSync.Core.Events;
using PsaSync.Core.Exceptions;
using PsaSync.Core.Messaging;
using PsaSync.Core.Model;
using PsaSync.Core.Tracing;

namespace PsaSync.Core.InvoiceFeedback;

/// <summary>
/// An invoice change the ERP announced by webhook, applied exactly as the poll applies one: the register makes a
/// change that both paths bring, or an older version arriving late, a no-op.
/// </summary>
public sealed class InvoiceChangedHandler(InvoiceChangeApplier applier, HandlerSupport support) : IEventHandler
{
    public string EventType => InvoiceChanged.EventType;

    public async Task<HandlerResult> HandleAsync(EventEnvelope envelope, bool isRedelivery, CancellationToken cancellationToken)
    {
        var change = envelope.DataAs<InvoiceChanged>().Change;
        var record = new RecordRef(SystemNames.Erp, EntityKinds.Invoice, change.InvoiceId);
        return await support.GuardAsync(QueueNames.InvoiceStatus, envelope, record, async () =>
        {
            // Every accepted change ends its own timeline with a terminal step, whatever became of it.
            var outcome = await applier.ApplyAsync(change, cancellationToken);
            var name = $"ERP invoice {change.Number ?? change.InvoiceId} v{change.Version}";
            switch (outcome)
            {
                case InvoiceChangeOutcome.Unknown:
                    // Not issued by PsaSync: the applier raised ERP_INVOICE_UNKNOWN for finance (owner and fix); the
                    // processor ends this timeline as rejected with that reason.
                    return new HandlerResult.Rejected(ReasonCodes.ErpInvoiceUnknown.Code);
                case InvoiceChangeOutcome.Duplicate:
                    await support.TraceAsync(QueueNames.InvoiceStatus, envelope, record, TraceSteps.DuplicateAbsorbed,
                        $"{name} was applied before (by the poll or an earlier webhook); nothing to do.", cancellationToken);
                    break;
                case InvoiceChangeOutcome.Draft:
                    await support.TraceAsync(QueueNames.InvoiceStatus, envelope, record, TraceSteps.Ignored,
                        $"{name} is a draft; it is shown in the PSA once it is posted.", cancellationToken);
                    break;
                default:
                    await support.TraceAsync(QueueNames.InvoiceStatus, envelope, record, TraceSteps.WrittenBack,
                        $"{name} shown in the PSA.", cancellationToken);
                    break;
            }
            return new HandlerResult.Done($"invoice {change.InvoiceId} v{change.Version}: {outcome}");
        }, cancellationToken);
    }
}
