using Azure.Messaging.ServiceBus;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using PsaSync.Core.Messaging;

namespace PsaSync.Functions.Shared;

/// <summary>
/// The body of every domain's Service Bus trigger: hand the message to the domain's processor, then settle it
/// explicitly as the processor decided (the triggers run with AutoCompleteMessages = false).
/// </summary>
/// <remarks>
/// Service Bus has no "abandon with a delay": an abandoned message is delivered again at once, so the deliveries
/// of a message the ERP throttles would all pass within seconds and end dead-lettered. A retry that should wait is
/// therefore sent again as a copy scheduled for the processor's retry time, and the delivery is completed. The
/// copy carries the number of deliveries so far, so the processor's max delivery count still counts every attempt.
/// </remarks>
public sealed class ServiceBusProcessing(IServiceBusScheduler scheduler, TimeProvider clock, ILogger<ServiceBusProcessing> logger)
{
    /// <summary>Application property of a scheduled retry: how often the earlier copies of the message were delivered.</summary>
    public const string EarlierDeliveriesProperty = "PsaSync.EarlierDeliveries";

    /// <summary>Processes a message of the domain's queue (the queue has the domain's name) and settles it.</summary>
    /// <remarks>
    /// The processor decides for every failure it meets (dead-lettering at the delivery limit with an exception
    /// item); what still escapes (a settlement call) is logged and the message abandoned, never thrown to the
    /// host, so one message cannot hold back the others of its session or batch.
    /// </remarks>
    public async Task ProcessAsync(EnvelopeProcessor processor, ServiceBusReceivedMessage message, ServiceBusMessageActions actions, CancellationToken cancellationToken)
    {
        try
        {
            await processor.ProcessAndSettleAsync(message.Body.ToString(), new DeliveryInfo(message.MessageId, DeliveriesSoFar(message)),
                new Settler(this, processor.Domain, message, actions), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(ex, "Message {MessageId} on {Queue} failed outside the processor's decision; abandoning it", message.MessageId, processor.Domain);
            try
            {
                await actions.AbandonMessageAsync(message, cancellationToken: cancellationToken);
            }
            catch (Exception again) when (again is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // The lock expires and Service Bus delivers it again (and dead-letters it past the queue's limit).
                logger.LogWarning(again, "Could not abandon message {MessageId}", message.MessageId);
            }
        }
    }

    /// <summary>Deliveries of this message and of the earlier copies it was scheduled from.</summary>
    public static int DeliveriesSoFar(ServiceBusReceivedMessage message) =>
        message.DeliveryCount + (message.ApplicationProperties.TryGetValue(EarlierDeliveriesProperty, out var earlier) && earlier is int count ? count : 0);

    /// <summary>The copy of <paramref name="message"/> that is scheduled for its next attempt.</summary>
    public static ServiceBusMessage RetryCopy(ServiceBusReceivedMessage message)
    {
        var copy = new ServiceBusMessage(message.Body)
        {
            // A new id: under the original's id, Service Bus duplicate detection would drop the copy.
            MessageId = Guid.NewGuid().ToString("N"),
            CorrelationId = message.CorrelationId,
            Subject = message.Subject,
            ContentType = message.ContentType,
        };
        foreach (var (name, value) in message.ApplicationProperties)
        {
            copy.ApplicationProperties[name] = value;
        }
        copy.ApplicationProperties[EarlierDeliveriesProperty] = DeliveriesSoFar(message);
        return copy;
    }

    private async Task RetryLaterAsync(string queueName, ServiceBusReceivedMessage message, ServiceBusMessageActions actions, TimeSpan retryAfter,
        CancellationToken cancellationToken)
    {
        try
        {
            await scheduler.ScheduleAsync(queueName, RetryCopy(message), clock.GetUtcNow() + retryAfter, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Without a scheduled copy the message must stay: abandoned, it comes back at once rather than never.
            logger.LogWarning(ex, "Could not schedule the retry of message {MessageId} on {Queue}; abandoning it for an immediate redelivery",
                message.MessageId, queueName);
            await actions.AbandonMessageAsync(message, cancellationToken: cancellationToken);
            return;
        }
        // If this completion fails (lock lost), the original comes back as well; the dedupe ledger absorbs the twin.
        await actions.CompleteMessageAsync(message, cancellationToken);
    }

    private sealed class Settler(ServiceBusProcessing owner, string queueName, ServiceBusReceivedMessage message, ServiceBusMessageActions actions) : IMessageSettler
    {
        public Task CompleteAsync(CancellationToken cancellationToken) => actions.CompleteMessageAsync(message, cancellationToken);

        public Task AbandonAsync(TimeSpan retryAfter, CancellationToken cancellationToken) => retryAfter > TimeSpan.Zero
            ? owner.RetryLaterAsync(queueName, message, actions, retryAfter, cancellationToken)
            : actions.AbandonMessageAsync(message, cancellationToken: cancellationToken);

        public Task DeadLetterAsync(string reason, string description, CancellationToken cancellationToken) =>
            actions.DeadLetterMessageAsync(message, deadLetterReason: reason, deadLetterErrorDescription: description, cancellationToken: cancellationToken);
    }
}

/// <summary>Sends a message to a queue where it becomes visible at a given time (Service Bus scheduled messages).</summary>
public interface IServiceBusScheduler
{
    Task ScheduleAsync(string queueName, ServiceBusMessage message, DateTimeOffset visibleAt, CancellationToken cancellationToken);
}
