using NSubstitute;
using PsaSync.Core.Events;
using PsaSync.Core.Exceptions;
using PsaSync.Core.Idempotency;
using PsaSync.Core.Messaging;
using PsaSync.Core.Model;
using PsaSync.Core.Tests.Support;
using PsaSync.Core.Tracing;

namespace PsaSync.Core.Tests.Messaging;

public class EnvelopeProcessorTests
{
    private readonly ProcessorHarness _harness = new();
    private readonly EventEnvelope _envelope = TestData.TimeApprovedEnvelope();

    [Fact]
    public async Task An_unreadable_body_is_dead_lettered_as_MESSAGE_UNREADABLE_with_one_exception_item()
    {
        var settlement = await _harness.Build().ProcessAsync("{ definitely not an envelope", new DeliveryInfo("msg-bad", 1), CancellationToken.None);

        Assert.Equal(SettlementAction.DeadLetter, settlement.Action);
        Assert.Equal("MESSAGE_UNREADABLE", settlement.DeadLetterReason);
        Assert.False(string.IsNullOrWhiteSpace(settlement.DeadLetterDescription));
        var raised = Assert.Single(_harness.RaisedExceptions());
        Assert.Equal(ReasonCodes.UnreadableMessage, raised.Reason);
        Assert.Equal(ProcessorHarness.Domain, raised.Domain);
        Assert.Equal(new RecordRef("queue", ProcessorHarness.Domain, "msg-bad"), raised.SourceRecord);
        await _harness.Ledger.DidNotReceiveWithAnyArgs().TryClaimAsync(default!, default!, default, default);
        await _harness.Handler.DidNotReceiveWithAnyArgs().HandleAsync(default!, default, default);
    }

    [Fact]
    public async Task An_event_type_without_a_handler_is_dead_lettered_as_EVENT_UNSUPPORTED()
    {
        var envelope = EventEnvelope.Create(
            new ExpenseApproved(new Expense("EX-1", 1, "PRJ-1", "RES-1", TestData.WorkDate, "travel", 12m, "EUR", true, 0m, null)),
            "psa", "psa/expense/EX-1", "psa:expense:EX-1:v1", "corr-ex-1", TestData.Now);

        var settlement = await _harness.ProcessAsync(envelope);

        Assert.Equal(SettlementAction.DeadLetter, settlement.Action);
        Assert.Equal("EVENT_UNSUPPORTED", settlement.DeadLetterReason);
        var raised = Assert.Single(_harness.RaisedExceptions());
        Assert.Equal(ReasonCodes.UnsupportedEvent, raised.Reason);
        Assert.Equal(new RecordRef("psa", "expense", "EX-1"), raised.SourceRecord);
        Assert.Equal("corr-ex-1", raised.CorrelationId);
        Assert.Equal("psa:expense:EX-1:v1", raised.IdempotencyKey);
        Assert.Contains(_harness.Traces(), t => t.Step == TraceSteps.DeadLettered && t.CorrelationId == "corr-ex-1");
        await _harness.Ledger.DidNotReceiveWithAnyArgs().TryClaimAsync(default!, default!, default, default);
    }

    [Fact]
    public async Task The_claim_is_made_on_the_envelopes_idempotency_key_with_the_policys_lease()
    {
        _harness.GivenHandlerReturns(new HandlerResult.Done("ok"));

        await _harness.ProcessAsync(_envelope);

        await _harness.Ledger.Received(1).TryClaimAsync(_envelope.IdempotencyKey, _envelope.CorrelationId, _harness.Policy.ClaimLease, Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task A_duplicate_is_completed_without_calling_the_handler_and_traced_as_absorbed()
    {
        _harness.GivenClaim(ClaimStatus.AlreadyCompleted, attempts: 1, outcome: "erp-time-line:TL-000001");

        var settlement = await _harness.ProcessAsync(_envelope, deliveryCount: 2);

        Assert.Equal(SettlementAction.Complete, settlement.Action);
        await _harness.Handler.DidNotReceiveWithAnyArgs().HandleAsync(default!, default, default);
        var trace = Assert.Single(_harness.Traces());
        Assert.Equal(TraceSteps.DuplicateAbsorbed, trace.Step);
        Assert.Equal(_envelope.CorrelationId, trace.CorrelationId);
        Assert.Equal(TestData.Now, trace.At);
        Assert.Contains("erp-time-line:TL-000001", trace.Detail, StringComparison.Ordinal);
        await _harness.Ledger.DidNotReceiveWithAnyArgs().RecordOutcomeAsync(default!, default, default!, default);
    }

    [Fact]
    public async Task A_key_held_by_another_delivery_is_abandoned_without_calling_the_handler()
    {
        _harness.GivenClaim(ClaimStatus.HeldByAnother);

        var settlement = await _harness.ProcessAsync(_envelope, deliveryCount: 2);

        Assert.Equal(SettlementAction.Abandon, settlement.Action);
        Assert.Equal(_harness.Policy.RetryDelay(2, null), settlement.RetryAfter);
        await _harness.Handler.DidNotReceiveWithAnyArgs().HandleAsync(default!, default, default);
        await _harness.Ledger.DidNotReceiveWithAnyArgs().ReleaseAsync(default!, default!, default);
        Assert.Empty(_harness.RaisedExceptions());
    }

    [Fact]
    public async Task Done_records_a_completed_outcome_and_completes()
    {
        var claim = _harness.GivenClaim(ClaimStatus.Claimed);
        _harness.GivenHandlerReturns(new HandlerResult.Done("erp-time-line:TL-000007"));

        var settlement = await _harness.ProcessAsync(_envelope);

        Assert.Equal(SettlementAction.Complete, settlement.Action);
        await _harness.Handler.Received(1).HandleAsync(Arg.Is<EventEnvelope>(e => e.Id == _envelope.Id), false, Arg.Any<CancellationToken>());
        await _harness.Ledger.Received(1).RecordOutcomeAsync(claim, DedupeOutcome.Completed, "erp-time-line:TL-000007", Arg.Any<CancellationToken>());
        await _harness.Exceptions.DidNotReceiveWithAnyArgs().ResolveForRecordAsync(default!, default!, default!, default);
        await _harness.Ledger.DidNotReceiveWithAnyArgs().ReleaseAsync(default!, default!, default);
        Assert.Contains(_harness.Traces(), t => t.Step == TraceSteps.Received);
    }

    [Theory]
    [InlineData(2, 1)]
    [InlineData(1, 2)]
    public async Task Done_on_a_redelivery_resolves_the_records_open_exception_items(int deliveryCount, int attempts)
    {
        _harness.GivenClaim(ClaimStatus.Claimed, attempts);
        _harness.GivenHandlerReturns(new HandlerResult.Done("ok"));

        var settlement = await _harness.ProcessAsync(_envelope, deliveryCount);

        Assert.Equal(SettlementAction.Complete, settlement.Action);
        await _harness.Handler.Received(1).HandleAsync(Arg.Any<EventEnvelope>(), true, Arg.Any<CancellationToken>());
        await _harness.Exceptions.Received(1).ResolveForRecordAsync(
            ProcessorHarness.Domain, new RecordRef("psa", "time-entry", "TE-1001"), Arg.Any<string>(), Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task Rejected_records_a_rejected_outcome_and_completes()
    {
        var claim = _harness.GivenClaim(ClaimStatus.Claimed);
        _harness.GivenHandlerReturns(new HandlerResult.Rejected("TIME_HOURS_OUT_OF_RANGE"));

        var settlement = await _harness.ProcessAsync(_envelope);

        Assert.Equal(SettlementAction.Complete, settlement.Action);
        await _harness.Ledger.Received(1).RecordOutcomeAsync(claim, DedupeOutcome.Rejected, "TIME_HOURS_OUT_OF_RANGE", Arg.Any<CancellationToken>());
        Assert.Contains(_harness.Traces(), t => t.Step == TraceSteps.Rejected && t.Detail.Contains("TIME_HOURS_OUT_OF_RANGE", StringComparison.Ordinal));
        // The handler raised its own item; the processor adds none.
        Assert.Empty(_harness.RaisedExceptions());
    }

    [Fact]
    public async Task RetryLater_below_the_max_delivery_count_releases_the_claim_and_abandons_with_the_policy_delay()
    {
        var claim = _harness.GivenClaim(ClaimStatus.Claimed);
        _harness.GivenHandlerReturns(new HandlerResult.RetryLater("ERP Throttled"));

        var settlement = await _harness.ProcessAsync(_envelope, deliveryCount: 3);

        Assert.Equal(SettlementAction.Abandon, settlement.Action);
        Assert.Equal(TimeSpan.FromSeconds(8), settlement.RetryAfter);
        await _harness.Ledger.Received(1).ReleaseAsync(claim, "ERP Throttled", Arg.Any<CancellationToken>());
        await _harness.Ledger.DidNotReceiveWithAnyArgs().RecordOutcomeAsync(default!, default, default!, default);
        Assert.Contains(_harness.Traces(), t => t.Step == TraceSteps.RetryScheduled);
        Assert.Empty(_harness.RaisedExceptions());
    }

    [Fact]
    public async Task RetryLater_with_a_longer_Retry_After_abandons_with_that_delay()
    {
        _harness.GivenHandlerReturns(new HandlerResult.RetryLater("ERP Throttled", TimeSpan.FromSeconds(45)));

        var settlement = await _harness.ProcessAsync(_envelope, deliveryCount: 1);

        Assert.Equal(Settlement.Abandon(TimeSpan.FromSeconds(45)), settlement);
    }

    [Fact]
    public async Task RetryLater_at_the_max_delivery_count_dead_letters_as_DELIVERY_EXHAUSTED_with_an_exception_item()
    {
        var claim = _harness.GivenClaim(ClaimStatus.Claimed, attempts: 5);
        _harness.GivenHandlerReturns(new HandlerResult.RetryLater("ERP Unavailable: 503"));

        var settlement = await _harness.ProcessAsync(_envelope, deliveryCount: _harness.Policy.MaxDeliveryCount);

        Assert.Equal(SettlementAction.DeadLetter, settlement.Action);
        Assert.Equal("DELIVERY_EXHAUSTED", settlement.DeadLetterReason);
        Assert.Contains("ERP Unavailable: 503", settlement.DeadLetterDescription, StringComparison.Ordinal);
        await _harness.Ledger.Received(1).ReleaseAsync(claim, "ERP Unavailable: 503", Arg.Any<CancellationToken>());
        var raised = Assert.Single(_harness.RaisedExceptions());
        Assert.Equal(ReasonCodes.DeliveryExhausted, raised.Reason);
        Assert.Equal(new RecordRef("psa", "time-entry", "TE-1001"), raised.SourceRecord);
        Assert.Equal(_envelope.CorrelationId, raised.CorrelationId);
        Assert.Equal(_envelope.IdempotencyKey, raised.IdempotencyKey);
        Assert.Contains("ERP Unavailable: 503", raised.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_throwing_handler_is_treated_as_RetryLater()
    {
        var claim = _harness.GivenClaim(ClaimStatus.Claimed);
        _harness.GivenHandlerThrows(new TimeoutException("table storage timed out"));

        var settlement = await _harness.ProcessAsync(_envelope, deliveryCount: 2);

        Assert.Equal(Settlement.Abandon(_harness.Policy.RetryDelay(2, null)), settlement);
        await _harness.Ledger.Received(1).ReleaseAsync(claim, Arg.Is<string>(s => s.Contains("table storage timed out", StringComparison.Ordinal)), Arg.Any<CancellationToken>());
        Assert.Empty(_harness.RaisedExceptions());
    }

    [Fact]
    public async Task A_throwing_handler_at_the_max_delivery_count_is_dead_lettered_as_DELIVERY_EXHAUSTED()
    {
        _harness.GivenHandlerThrows(new InvalidOperationException("boom"));

        var settlement = await _harness.ProcessAsync(_envelope, deliveryCount: _harness.Policy.MaxDeliveryCount);

        Assert.Equal("DELIVERY_EXHAUSTED", settlement.DeadLetterReason);
        Assert.Equal(ReasonCodes.DeliveryExhausted, Assert.Single(_harness.RaisedExceptions()).Reason);
    }

    [Fact]
    public async Task Cancellation_of_the_delivery_is_not_swallowed()
    {
        using var cts = new CancellationTokenSource();
        _harness.Handler.HandleAsync(Arg.Any<EventEnvelope>(), Arg.Any<bool>(), Arg.Any<CancellationToken>())
            .Returns<HandlerResult>(_ =>
            {
                cts.Cancel();
                throw new OperationCanceledException(cts.Token);
            });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            _harness.Build().ProcessAsync(_envelope.ToJson(), new DeliveryInfo("msg-1", 1), cts.Token));
        await _harness.Ledger.DidNotReceiveWithAnyArgs().ReleaseAsync(default!, default!, default);
    }
}
