using NSubstitute;
using NSubstitute.ExceptionExtensions;
using PsaSync.Core.Events;
using PsaSync.Core.Exceptions;
using PsaSync.Core.Messaging;
using PsaSync.Core.Tests.Support;
using PsaSync.Core.Tracing;

namespace PsaSync.Core.Tests.Messaging;

/// <summary>
/// Issue 17, item 1: a failure outside the handler (here the dedupe claim, as Table Storage refused an oversized key)
/// used to escape the processor, so the message circled past its delivery limit without a dead-letter or an item.
/// </summary>
public class EnvelopeProcessorPoisonTests
{
    private readonly ProcessorHarness _harness = new();
    private readonly EventEnvelope _envelope = TestData.TimeApprovedEnvelope();

    private void GivenClaimFails() =>
        _harness.Ledger.TryClaimAsync(Arg.Any<string>(), Arg.Any<string>(), Arg.Any<TimeSpan>(), Arg.Any<CancellationToken>())
            .ThrowsAsync(new InvalidOperationException("The key is too large (400 OutOfRangeInput)"));

    [Fact]
    public async Task A_failing_claim_before_the_limit_is_retried_later_not_thrown()
    {
        GivenClaimFails();

        var settlement = await _harness.ProcessAsync(_envelope, deliveryCount: 1);

        Assert.Equal(SettlementAction.Abandon, settlement.Action);
        Assert.True(settlement.RetryAfter > TimeSpan.Zero);
        Assert.Empty(_harness.RaisedExceptions());
    }

    [Fact]
    public async Task A_failing_claim_at_the_limit_is_dead_lettered_with_one_exception_item()
    {
        GivenClaimFails();

        var settlement = await _harness.ProcessAsync(_envelope, deliveryCount: _harness.Policy.MaxDeliveryCount);

        Assert.Equal(SettlementAction.DeadLetter, settlement.Action);
        Assert.Equal(ReasonCodes.DeliveryExhausted.Code, settlement.DeadLetterReason);
        var raised = Assert.Single(_harness.RaisedExceptions());
        Assert.Equal(ReasonCodes.DeliveryExhausted, raised.Reason);
        Assert.Equal(_envelope.IdempotencyKey, raised.IdempotencyKey);
        Assert.Contains("too large", raised.Message);
        Assert.Contains(_harness.Traces(), t => t.Step == TraceSteps.DeadLettered);
    }

    [Fact]
    public async Task At_the_limit_a_failing_timeline_still_dead_letters_with_one_item()
    {
        _harness.CorrelationLog.AppendAsync(Arg.Any<TraceEntry>(), Arg.Any<CancellationToken>()).ThrowsAsync(new InvalidOperationException("trace down"));

        var settlement = await _harness.ProcessAsync(_envelope, deliveryCount: _harness.Policy.MaxDeliveryCount);

        Assert.Equal(SettlementAction.DeadLetter, settlement.Action);
        Assert.Single(_harness.RaisedExceptions());
    }

    [Fact]
    public async Task A_claim_held_by_another_past_the_limit_is_dead_lettered_not_abandoned_forever()
    {
        _harness.GivenClaim(Idempotency.ClaimStatus.HeldByAnother);

        var settlement = await _harness.ProcessAsync(_envelope, deliveryCount: _harness.Policy.MaxDeliveryCount);

        Assert.Equal(SettlementAction.DeadLetter, settlement.Action);
        Assert.Single(_harness.RaisedExceptions());
    }
}
