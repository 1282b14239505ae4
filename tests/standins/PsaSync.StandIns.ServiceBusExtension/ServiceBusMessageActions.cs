using Azure.Messaging.ServiceBus;

namespace Microsoft.Azure.Functions.Worker;

/// <summary>
/// Settles a received message, with the real extension's signatures. The real one talks to the host over gRPC; this one
/// has no host behind it, so it can only be subclassed (tests do) and refuses to settle anything itself.
/// </summary>
public class ServiceBusMessageActions
{
    protected ServiceBusMessageActions()
    {
    }

    public virtual Task CompleteMessageAsync(ServiceBusReceivedMessage message, CancellationToken cancellationToken = default) => throw NoHost();

    public virtual Task AbandonMessageAsync(ServiceBusReceivedMessage message, IDictionary<string, object>? propertiesToModify = default, CancellationToken cancellationToken = default) =>
        throw NoHost();

    public virtual Task DeadLetterMessageAsync(ServiceBusReceivedMessage message, Dictionary<string, object>? propertiesToModify = default, string? deadLetterReason = default,
        string? deadLetterErrorDescription = default, CancellationToken cancellationToken = default) => throw NoHost();

    private static NotSupportedException NoHost() => new(
        "This build uses PsaSync's stand-in for Microsoft.Azure.Functions.Worker.Extensions.ServiceBus, which has no Functions host behind it. " +
        "Build the production profile on a machine whose NuGet source has the package to settle Service Bus messages.");
}
