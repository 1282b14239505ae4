using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PsaSync.Core.Messaging;

namespace PsaSync.LocalRuntime.Queue;

/// <summary>
/// Plays the Service Bus trigger for every domain queue: receive under a lock, hand the message to the
/// domain's processor, settle as it decided. Several workers per queue, like the trigger's concurrency.
/// </summary>
public sealed class QueuePump(
    TableMessageQueue queue,
    IServiceProvider services,
    LocalRuntimeOptions options,
    ILogger<QueuePump> logger) : BackgroundService
{
    private long _processed;

    public long Processed => Interlocked.Read(ref _processed);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(QueueNames.All.SelectMany(name =>
        {
            var processor = services.GetRequiredKeyedService<EnvelopeProcessor>(name);
            return Enumerable.Range(0, options.WorkersPerQueue).Select(_ => RunWorkerAsync(name, processor, stoppingToken));
        }));

    private async Task RunWorkerAsync(string queueName, EnvelopeProcessor processor, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var messages = await queue.ReceiveAsync(queueName, options.ReceiveBatchSize, stoppingToken);
                if (messages.Count == 0)
                {
                    await Task.Delay(options.IdlePollInterval, stoppingToken);
                    continue;
                }
                await ProcessBatchAsync(processor, messages, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // Storage hiccup: nothing is lost (unsettled messages reappear after their lock), so wait and go on.
                logger.LogWarning(ex, "Queue {Queue} worker failed; retrying", queueName);
                await Task.Delay(options.IdlePollInterval * 5, stoppingToken);
            }
        }
    }

    /// <summary>A received batch, one message after the other; none can stop the others.</summary>
    internal async Task ProcessBatchAsync(EnvelopeProcessor processor, IReadOnlyList<LockedMessage> messages, CancellationToken stoppingToken)
    {
        foreach (var message in messages)
        {
            await ProcessAsync(processor, message, stoppingToken);
        }
    }

    /// <summary>
    /// One message on its own: whatever fails while processing or settling it is this message's problem only, so
    /// the rest of the batch goes on and this one is given back for a later delivery (after the lock, when even
    /// the abandon fails), where the processor dead-letters it once its deliveries are spent.
    /// </summary>
    internal async Task ProcessAsync(EnvelopeProcessor processor, LockedMessage message, CancellationToken stoppingToken)
    {
        try
        {
            await processor.ProcessAndSettleAsync(message.Body, new DeliveryInfo(message.MessageId, message.DeliveryCount), new Settler(queue, message), stoppingToken);
            Interlocked.Increment(ref _processed);
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            logger.LogWarning(ex, "Message {MessageId} on {Queue} failed (delivery {DeliveryCount}); the rest of its batch goes on",
                message.MessageId, message.Queue, message.DeliveryCount);
            try
            {
                await queue.AbandonAsync(message, options.IdlePollInterval * 5, stoppingToken);
            }
            catch (Exception again) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(again, "Could not give message {MessageId} back; it reappears after its lock", message.MessageId);
            }
        }
    }

    private sealed class Settler(TableMessageQueue queue, LockedMessage message) : IMessageSettler
    {
        public Task CompleteAsync(CancellationToken cancellationToken) => queue.CompleteAsync(message, cancellationToken);

        public Task AbandonAsync(TimeSpan retryAfter, CancellationToken cancellationToken) => queue.AbandonAsync(message, retryAfter, cancellationToken);

        public Task DeadLetterAsync(string reason, string description, CancellationToken cancellationToken) =>
            queue.DeadLetterAsync(message, reason, description, cancellationToken);
    }
}
