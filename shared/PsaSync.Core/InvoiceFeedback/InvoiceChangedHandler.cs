using PsaSync.Core.Events;
using PsaSync.Core.Messaging;
using PsaSync.Core.Model;

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
            new HandlerResult.Done($"invoice {change.InvoiceId} v{change.Version}: {await applier.ApplyAsync(change, cancellationToken)}"), cancellationToken);
    }
}
