using NSubstitute;
using PsaSync.Core.Idempotency;
using PsaSync.Core.Messaging;
using PsaSync.Core.Tests.Support;
using PsaSync.Core.Tracing;

namespace PsaSync.Core.Tests.Messaging;

/// <summary>A handler that parks an event: the message is done with, and the key stays claimable for the re-drive.</summary>
public class EnvelopeProcessorParkingTests
{
    private readonly ProcessorHarness _harness = new();

    [Fact]
    public async Task A_parked_result_records_a_rejected_outcome_so_that_the_re_drive_can_claim_the_key_again()
    {
        var claim = _harness.GivenClaim(ClaimStatus.Claimed);
        _harness.GivenHandlerReturns(new HandlerResult.Parked("customer ACC-1"));

        await _harness.ProcessAsync(TestData.TimeApprovedEnvelope());

        await _harness.Ledger.Received(1).RecordOutcomeAsync(claim, DedupeOutcome.Rejected,
            Arg.Is<string>(d => d.Contains("customer ACC-1", StringComparison.Ordinal)), Arg.Any<CancellationToken>());
        await _harness.Ledger.DidNotReceive().RecordOutcomeAsync(Arg.Any<DedupeClaim>(), DedupeOutcome.Completed, Arg.Any<string>(), Arg.Any<CancellationToken>());
        await _harness.Ledger.DidNotReceiveWithAnyArgs().ReleaseAsync(default!, default!, default);
    }

    [Fact]
    public async Task A_parked_message_is_completed_once_without_an_exception_item_from_the_processor()
    {
        _harness.GivenHandlerReturns(new HandlerResult.Parked("customer ACC-1"));
        var settler = Substitute.For<IMessageSettler>();

        var settlement = await _harness.Build().ProcessAndSettleAsync(TestData.TimeApprovedEnvelope().ToJson(), new DeliveryInfo("msg-1", 1), settler, CancellationToken.None);

        Assert.Equal(SettlementAction.Complete, settlement.Action);
        await settler.Received(1).CompleteAsync(Arg.Any<CancellationToken>());
        Assert.Single(settler.ReceivedCalls());
        Assert.Empty(_harness.RaisedExceptions());
    }

    [Fact]
    public async Task A_parked_message_is_traced_as_parked_with_what_it_waits_for()
    {
        var envelope = TestData.TimeApprovedEnvelope();
        _harness.GivenHandlerReturns(new HandlerResult.Parked("customer ACC-1"));

        await _harness.ProcessAsync(envelope);

        var parked = Assert.Single(_harness.Traces(), t => t.Step == TraceSteps.Parked);
        Assert.Equal(envelope.CorrelationId, parked.CorrelationId);
        Assert.Contains("customer ACC-1", parked.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_parked_message_at_the_last_delivery_is_still_completed_not_dead_lettered()
    {
        _harness.GivenHandlerReturns(new HandlerResult.Parked("customer ACC-1"));

        var settlement = await _harness.ProcessAsync(TestData.TimeApprovedEnvelope(), deliveryCount: _harness.Policy.MaxDeliveryCount);

        Assert.Equal(SettlementAction.Complete, settlement.Action);
    }
}
