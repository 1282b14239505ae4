using Azure.Messaging.ServiceBus;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using PsaSync.Core.Messaging;
using PsaSync.Functions.Shared;

namespace PsaSync.Functions.InvoiceStatus;

/// <summary>
/// The invoice status feedback app's bindings. Its queue processor settles explicitly like every domain's; the webhooks
/// and handlers of this domain arrive with their own issues, and until then the processor dead-letters
/// any event it has no handler for, with an EVENT_UNSUPPORTED exception item.
/// </summary>
public sealed class InvoiceStatusFunctions([FromKeyedServices(QueueNames.InvoiceStatus)] EnvelopeProcessor processor)
{
    [Function("InvoiceStatusQueue")]
    public Task ProcessQueueMessage(
        [ServiceBusTrigger(QueueNames.InvoiceStatus, Connection = "ServiceBusConnection", AutoCompleteMessages = false)] ServiceBusReceivedMessage message,
        ServiceBusMessageActions actions,
        CancellationToken cancellationToken) =>
        ServiceBusProcessing.ProcessAsync(processor, message, actions, cancellationToken);
}
