using Azure.Messaging.ServiceBus;
using PsaSync.StandIns;

namespace Microsoft.Azure.Functions.Worker;

public class ServiceBusMessageActions
{
    protected ServiceBusMessageActions()
    {
    }

    public virtual Task CompleteMessageAsync(ServiceBusReceivedMessage message, CancellationToken cancellationToken = default) =>
        throw StandIn.NotAvailable();

    public virtual Task AbandonMessageAsync(ServiceBusReceivedMessage message, IDictionary<string, object>? propertiesToModify = default, CancellationToken cancellationToken = default) =>
        throw StandIn.NotAvailable();

    public virtual Task DeadLetterMessageAsync(ServiceBusReceivedMessage message, Dictionary<string, object>? propertiesToModify = default, string? deadLetterReason = default, string? deadLetterErrorDescription = default, CancellationToken cancellationToken = default) =>
        throw StandIn.NotAvailable();
}
