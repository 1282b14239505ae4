using Azure.Messaging.ServiceBus;
using Microsoft.Azure.Functions.Worker;
using PsaSync.Core.Messaging;

namespace PsaSync.Functions.Shared;

/// <summary>
/// The body of every domain's Service Bus trigger: hand the message to the domain's processor, then settle it
/// explicitly as the processor decided (the triggers run with AutoCompleteMessages = false).
/// </summary>
public static class ServiceBusProcessing
{
    public static Task ProcessAsync(EnvelopeProcessor processor, ServiceBusReceivedMessage message, ServiceBusMessageActions actions, CancellationToken cancellationToken) =>
        processor.ProcessAndSettleAsync(message.Body.ToString(), new DeliveryInfo(message.MessageId, message.DeliveryCount), new Settler(message, actions), cancellationToken);

    private sealed class Settler(ServiceBusReceivedMessage message, ServiceBusMessageActions actions) : IMessageSettler
    {
        public Task CompleteAsync(CancellationToken cancellationToken) => actions.CompleteMessageAsync(message, cancellationToken);

        // Service Bus redelivers at once; the retry delay only applies where the transport can wait (the local queue).
        public Task AbandonAsync(TimeSpan retryAfter, CancellationToken cancellationToken) =>
            actions.AbandonMessageAsync(message, cancellationToken: cancellationToken);

        public Task DeadLetterAsync(string reason, string description, CancellationToken cancellationToken) =>
            actions.DeadLetterMessageAsync(message, deadLetterReason: reason, deadLetterErrorDescription: description, cancellationToken: cancellationToken);
    }
}
