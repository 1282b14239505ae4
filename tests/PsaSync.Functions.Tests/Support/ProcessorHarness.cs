using Microsoft.Extensions.Logging.Abstractions;
using NSubstitute;
using PsaSync.Core.Events;
using PsaSync.Core.Exceptions;
using PsaSync.Core.Idempotency;
using PsaSync.Core.Messaging;
using PsaSync.Core.Telemetry;
using PsaSync.Core.Tracing;
using PsaSync.Functions.Shared;

namespace PsaSync.Functions.Tests.Support;

/// <summary>A real <see cref="EnvelopeProcessor"/> over substituted stores, with a substituted time-approved handler.</summary>
internal sealed class ProcessorHarness
{
    public const int MaxDeliveryCount = 4;

    public IDedupeLedger Ledger { get; } = Substitute.For<IDedupeLedger>();

    public ICorrelationLog CorrelationLog { get; } = Substitute.For<ICorrelationLog>();

    public IExceptionStore Exceptions { get; } = Substitute.For<IExceptionStore>();

    public IEventHandler TimeApprovedHandler { get; } = Substitute.For<IEventHandler>();

    public DeliveryPolicy Policy { get; } = new() { MaxDeliveryCount = MaxDeliveryCount };

    /// <summary>Where the Service Bus triggers schedule delayed retries.</summary>
    public IServiceBusScheduler Scheduler { get; } = Substitute.For<IServiceBusScheduler>();

    public FakeTimeProvider Clock { get; } = new(TestClock.Start);

    public ProcessorHarness()
    {
        TimeApprovedHandler.EventType.Returns(TimeApproved.EventType);
        Ledger.TryClaimAsync(Arg.Any<string>(), Arg.Any<string>(), Arg.Any<TimeSpan>(), Arg.Any<CancellationToken>())
            .Returns(call => new DedupeClaim(call.ArgAt<string>(0), ClaimStatus.Claimed, "etag-1", 1, null));
    }

    /// <summary>The time-expense processor with the substituted time-approved handler.</summary>
    public EnvelopeProcessor Build() => Build(QueueNames.TimeExpense, [TimeApprovedHandler]);

    /// <summary>The processor of <paramref name="domain"/> with exactly <paramref name="handlers"/>.</summary>
    public EnvelopeProcessor Build(string domain, IEnumerable<IEventHandler> handlers) =>
        new(domain, handlers, Ledger, CorrelationLog, Exceptions, Policy, TimeProvider.System, Substitute.For<IBusinessTelemetry>(), NullLogger<EnvelopeProcessor>.Instance);

    /// <summary>The Service Bus settlement the function classes use, over <see cref="Scheduler"/> and <see cref="Clock"/>.</summary>
    public ServiceBusProcessing ServiceBus() => new(Scheduler, Clock, NullLogger<ServiceBusProcessing>.Instance);

    public void GivenHandlerReturns(HandlerResult result) =>
        TimeApprovedHandler.HandleAsync(Arg.Any<EventEnvelope>(), Arg.Any<bool>(), Arg.Any<CancellationToken>()).Returns(result);

    public IReadOnlyList<NewException> RaisedExceptions() =>
        [.. Exceptions.ReceivedCalls()
            .Where(c => c.GetMethodInfo().Name == nameof(IExceptionStore.RaiseAsync))
            .Select(c => (NewException)c.GetArguments()[0]!)];
}
