using Azure.Core;
using PsaSync.StandIns;

namespace Azure.Messaging.ServiceBus;

public class ServiceBusMessage
{
    public ServiceBusMessage(BinaryData body) => Body = body;

    public BinaryData Body { get; set; }

    public string MessageId { get; set; } = "";

    public string CorrelationId { get; set; } = "";

    public string Subject { get; set; } = "";

    public string ContentType { get; set; } = "";

    public IDictionary<string, object> ApplicationProperties { get; } = new Dictionary<string, object>();
}

public class ServiceBusClient : IAsyncDisposable
{
    protected ServiceBusClient()
    {
    }

    public ServiceBusClient(string fullyQualifiedNamespace, TokenCredential credential) => throw StandIn.NotAvailable();

    public virtual ServiceBusSender CreateSender(string queueOrTopicName) => throw StandIn.NotAvailable();

    public virtual ValueTask DisposeAsync() => throw StandIn.NotAvailable();
}

public class ServiceBusSender : IAsyncDisposable
{
    protected ServiceBusSender()
    {
    }

    public virtual ValueTask<ServiceBusMessageBatch> CreateMessageBatchAsync(CancellationToken cancellationToken = default) => throw StandIn.NotAvailable();

    public virtual Task SendMessagesAsync(ServiceBusMessageBatch messageBatch, CancellationToken cancellationToken = default) => throw StandIn.NotAvailable();

    public virtual Task<long> ScheduleMessageAsync(ServiceBusMessage message, DateTimeOffset scheduledEnqueueTime, CancellationToken cancellationToken = default) =>
        throw StandIn.NotAvailable();

    public virtual ValueTask DisposeAsync() => throw StandIn.NotAvailable();
}

public sealed class ServiceBusMessageBatch : IDisposable
{
    internal ServiceBusMessageBatch()
    {
    }

    public int Count => throw StandIn.NotAvailable();

    public bool TryAddMessage(ServiceBusMessage message) => throw StandIn.NotAvailable();

    public void Dispose() => throw StandIn.NotAvailable();
}
