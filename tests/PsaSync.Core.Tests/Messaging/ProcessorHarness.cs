using Microsoft.Extensions.Logging.Abstractions;
using NSubstitute;
using PsaSync.Core.Events;
using PsaSync.Core.Exceptions;
using PsaSync.Core.Idempotency;
using PsaSync.Core.Messaging;
using PsaSync.Core.Tests.Support;
using PsaSync.Core.Tracing;

namespace PsaSync.Core.Tests.Messaging;

/// <summary>An <see cref="EnvelopeProcessor"/> for the time-expense domain over substituted stores and one substituted handler.</summary>
internal sealed class ProcessorHarness
{
    public const string Domain = "time-expense";

    public IDedupeLedger Ledger { get; } = Substitute.For<IDedupeLedger>();

    public ICorrelationLog CorrelationLog { get; } = Substitute.For<ICorrelationLog>();

    public IExceptionStore Exceptions { get; } = Substitute.For<IExceptionStore>();

    public IEventHandler Handler { get; } = Substitute.For<IEventHandler>();

    public DeliveryPolicy Policy { get; } = new()
    {
        MaxDeliveryCount = 5,
        FirstRetryDelay = TimeSpan.FromSeconds(2),
        MaxRetryDelay = TimeSpan.FromMinutes(1),
        ClaimLease = TimeSpan.FromMinutes(3),
    };

    public FakeTimeProvider Clock { get; } = new(TestData.Now);

    public RecordingTelemetry Telemetry { get; } = new();

    public ProcessorHarness()
    {
        Handler.EventType.Returns(TimeApproved.EventType);
        GivenClaim(ClaimStatus.Claimed);
    }

    public EnvelopeProcessor Build(params IEventHandler[] handlers) =>
        new(Domain, handlers.Length == 0 ? [Handler] : handlers, Ledger, CorrelationLog, Exceptions, Policy, Clock, Telemetry, NullLogger<EnvelopeProcessor>.Instance);

    public Task<Settlement> ProcessAsync(EventEnvelope envelope, int deliveryCount = 1) =>
        Build().ProcessAsync(envelope.ToJson(), new DeliveryInfo("msg-1", deliveryCount), CancellationToken.None);

    public DedupeClaim GivenClaim(ClaimStatus status, int attempts = 1, string? outcome = null)
    {
        var claim = new DedupeClaim("any-key", status, "etag-1", attempts, outcome);
        Ledger.TryClaimAsync(Arg.Any<string>(), Arg.Any<string>(), Arg.Any<TimeSpan>(), Arg.Any<CancellationToken>()).Returns(claim);
        return claim;
    }

    public void GivenHandlerReturns(HandlerResult result) =>
        Handler.HandleAsync(Arg.Any<EventEnvelope>(), Arg.Any<bool>(), Arg.Any<CancellationToken>()).Returns(result);

    public void GivenHandlerThrows(Exception exception) =>
        Handler.HandleAsync(Arg.Any<EventEnvelope>(), Arg.Any<bool>(), Arg.Any<CancellationToken>()).Returns<HandlerResult>(_ => throw exception);

    /// <summary>Every exception item the processor raised.</summary>
    public IReadOnlyList<NewException> RaisedExceptions() =>
        [.. Exceptions.ReceivedCalls()
            .Where(c => c.GetMethodInfo().Name == nameof(IExceptionStore.RaiseAsync))
            .Select(c => (NewException)c.GetArguments()[0]!)];

    /// <summary>Every trace step the processor appended, in order.</summary>
    public IReadOnlyList<TraceEntry> Traces() =>
        [.. CorrelationLog.ReceivedCalls()
            .Where(c => c.GetMethodInfo().Name == nameof(ICorrelationLog.AppendAsync))
            .Select(c => (TraceEntry)c.GetArguments()[0]!)];
}
