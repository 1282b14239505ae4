using Microsoft.Extensions.Logging.Abstractions;
using NSubstitute;
using NSubstitute.ExceptionExtensions;
using PsaSync.Core.Events;
using PsaSync.Core.Exceptions;
using PsaSync.Core.Idempotency;
using PsaSync.Core.Messaging;
using PsaSync.Core.Model;
using PsaSync.Core.Telemetry;
using PsaSync.Core.Tracing;
using PsaSync.LocalRuntime.Queue;
using PsaSync.Testing;

namespace PsaSync.LocalRuntime.Tests;

/// <summary>
/// Issue 17, item 1 at the local queue: a message whose dedupe claim fails (as Table Storage refused a key over 1 KiB)
/// used to abandon its worker's whole batch and circle past the delivery limit. Now the others of the batch are done
/// and the poison message is dead-lettered with one exception item at the limit.
/// </summary>
public sealed class QueuePumpPoisonTests(AzuriteFixture azurite) : AzuriteTestBase(azurite)
{
    private const string Queue = QueueNames.TimeExpense;

    private readonly IDedupeLedger _ledger = Substitute.For<IDedupeLedger>();
    private readonly IExceptionStore _exceptions = Substitute.For<IExceptionStore>();
    private readonly IEventHandler _handler = Substitute.For<IEventHandler>();

    private EventEnvelope Entry(string entryId)
    {
        var entry = new TimeEntry(entryId, 1, "PRJ-100", "RES-7", new DateOnly(2025, 3, 2), 1m, true, "Consultant");
        var key = $"psa:time-entry:{entryId}:v1";
        return EventEnvelope.Create(new TimeApproved(entry), SystemNames.Psa, $"psa/time-entry/{entryId}", key,
            CorrelationIds.ForIdempotencyKey(key), Clock.GetUtcNow(), causationId: "webhook-req-1");
    }

    [Fact]
    public async Task A_message_failing_outside_its_handler_holds_back_no_other_and_is_dead_lettered_at_the_limit()
    {
        var policy = new DeliveryPolicy { MaxDeliveryCount = 1 };
        _handler.EventType.Returns(TimeApproved.EventType);
        _handler.HandleAsync(default!, default, default).ReturnsForAnyArgs(new HandlerResult.Done("posted"));
        _ledger.TryClaimAsync(default!, default!, default, default).ReturnsForAnyArgs(call =>
            ((string)call[0]).Contains("POISON", StringComparison.Ordinal)
                ? throw new InvalidOperationException("The key is too large")
                : new DedupeClaim((string)call[0], ClaimStatus.Claimed, "etag", 1, null));
        var processor = new EnvelopeProcessor(Queue, [_handler], _ledger, Substitute.For<ICorrelationLog>(), _exceptions, policy, Clock,
            Substitute.For<IBusinessTelemetry>(), NullLogger<EnvelopeProcessor>.Instance);
        var queue = new TableMessageQueue(Tables, Clock);
        var pump = new QueuePump(queue, Substitute.For<IServiceProvider>(), new LocalRuntimeOptions(), NullLogger<QueuePump>.Instance);
        await queue.PublishAsync(Queue, [Entry("TE-1"), Entry("TE-POISON"), Entry("TE-2"), Entry("TE-3")], Ct);

        await pump.ProcessBatchAsync(processor, await queue.ReceiveAsync(Queue, 10, Ct), Ct);

        Assert.Equal(0, await queue.CountAsync(Queue, Ct));
        Assert.Equal(1, await queue.CountDeadLettersAsync(Queue, Ct));
        await _handler.ReceivedWithAnyArgs(3).HandleAsync(default!, default, default);
        var raised = (NewException)Assert.Single(_exceptions.ReceivedCalls(), c => c.GetMethodInfo().Name == nameof(IExceptionStore.RaiseAsync)).GetArguments()[0]!;
        Assert.Equal(ReasonCodes.DeliveryExhausted, raised.Reason);
        Assert.Equal(new RecordRef("psa", "time-entry", "TE-POISON"), raised.SourceRecord);
    }
}
