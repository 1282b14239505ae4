using Azure.Messaging.ServiceBus;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using PsaSync.Core.Messaging;
using PsaSync.Functions.Shared;

namespace PsaSync.Functions.ProjectSetup;

/// <summary>
/// The project setup app's bindings. Its queue processor settles explicitly like every domain's; the webhooks
/// and handlers of this domain arrive with their own issues, and until then the processor dead-letters
/// any event it has no handler for, with an EVENT_UNSUPPORTED exception item.
/// </summary>
public sealed class ProjectSetupFunctions([FromKeyedServices(QueueNames.ProjectSetup)] EnvelopeProcessor processor)
{
    [Function("ProjectSetupQueue")]
    public Task ProcessQueueMessage(
        [ServiceBusTrigger(QueueNames.ProjectSetup, Connection = "ServiceBusConnection", AutoCompleteMessages = false)] ServiceBusReceivedMessage message,
        ServiceBusMessageActions actions,
        CancellationToken cancellationToken) =>
        ServiceBusProcessing.ProcessAsync(processor, message, actions, cancellationToken);
}
