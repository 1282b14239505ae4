using System.Collections.Concurrent;
using Azure.Identity;
using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Options;
using PsaSync.Core.Events;
using PsaSync.Core.Messaging;
using PsaSync.Hosting;

namespace PsaSync.Functions.Shared;

/// <summary>
/// Enqueues envelopes on Service Bus with the managed identity. MessageId is the envelope id, which is the
/// same for every duplicate of a record version's webhook (so Service Bus duplicate detection drops re-sent
/// webhooks within its window) and new for a deliberate re-publication such as a re-driven parked event.
/// It also schedules the delayed retries of <see cref="ServiceBusProcessing"/>, over the same senders.
/// </summary>
public sealed class ServiceBusPublisher(IOptions<PsaSyncOptions> options) : IMessagePublisher, IServiceBusScheduler, IAsyncDisposable
{
    private readonly Lazy<ServiceBusClient> _client = new(() => new ServiceBusClient(
        options.Value.Messaging.ServiceBusNamespace
            ?? throw new InvalidOperationException("PsaSync:Messaging:ServiceBusNamespace is not set."),
        new DefaultAzureCredential()));

    private readonly ConcurrentDictionary<string, ServiceBusSender> _senders = new();

    /// <remarks>
    /// Every batch is built before the first is sent, so an envelope too large for a message refuses the whole call.
    /// Service Bus has no transaction over several batches: a failure after the first batch was sent throws
    /// <see cref="PartiallyPublishedException"/>; sending the call again completes it, as the messages keep their ids
    /// and duplicate detection drops the ones already sent.
    /// </remarks>
    public async Task PublishAsync(string queueName, IReadOnlyList<EventEnvelope> envelopes, CancellationToken cancellationToken)
    {
        var sender = SenderFor(queueName);
        var pending = new Queue<EventEnvelope>(envelopes);
        var batches = new List<ServiceBusMessageBatch>();
        try
        {
            while (pending.Count > 0)
            {
                // Several batches when the envelopes exceed one message batch's size limit.
                var batch = await sender.CreateMessageBatchAsync(cancellationToken);
                batches.Add(batch);
                while (pending.Count > 0 && batch.TryAddMessage(ToMessage(pending.Peek())))
                {
                    pending.Dequeue();
                }
                if (batch.Count == 0)
                {
                    throw new InvalidOperationException($"Envelope {pending.Peek().Id} is larger than a Service Bus message may be.");
                }
            }
            var sent = 0;
            foreach (var batch in batches)
            {
                try
                {
                    await sender.SendMessagesAsync(batch, cancellationToken);
                }
                catch (Exception ex) when (sent > 0)
                {
                    throw new PartiallyPublishedException(queueName, sent, envelopes.Count, ex);
                }
                sent += batch.Count;
            }
        }
        finally
        {
            foreach (var batch in batches)
            {
                batch.Dispose();
            }
        }
    }

    public async Task ScheduleAsync(string queueName, ServiceBusMessage message, DateTimeOffset visibleAt, CancellationToken cancellationToken) =>
        await SenderFor(queueName).ScheduleMessageAsync(message, visibleAt, cancellationToken);

    private ServiceBusSender SenderFor(string queueName) => _senders.GetOrAdd(queueName, q => _client.Value.CreateSender(q));

    internal static ServiceBusMessage ToMessage(EventEnvelope envelope) => new(BinaryData.FromString(envelope.ToJson()))
    {
        MessageId = envelope.Id,
        CorrelationId = envelope.CorrelationId,
        Subject = envelope.Type,
        ContentType = "application/json",
    };

    public async ValueTask DisposeAsync()
    {
        if (_client.IsValueCreated)
        {
            await _client.Value.DisposeAsync();
        }
    }
}
