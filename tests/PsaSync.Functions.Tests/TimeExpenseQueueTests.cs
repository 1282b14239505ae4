using Azure.Messaging.ServiceBus;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging.Abstractions;
using NSubstitute;
using PsaSync.Core.Events;
using PsaSync.Core.Ingress;
using PsaSync.Core.Messaging;
using PsaSync.Core.Tracing;
using PsaSync.Functions.Shared;
using PsaSync.Functions.Tests.Support;
using PsaSync.Functions.TimeExpense;

namespace PsaSync.Functions.Tests;

/// <summary>The time-expense Service Bus trigger settles each message exactly once, as the processor decided.</summary>
public class TimeExpenseQueueTests
{
    private readonly ProcessorHarness _harness = new();
    private readonly ServiceBusMessageActions _actions = Substitute.For<ServiceBusMessageActions>();

    private Task ProcessAsync(ServiceBusReceivedMessage message)
    {
        var functions = new TimeExpenseFunctions(
            WebhookHttp.Ingress([], Substitute.For<IMessagePublisher>(), Substitute.For<ICorrelationLog>(), new IngressLimits()),
            new IngressLimits(),
            _harness.Build(),
            _harness.ServiceBus());
        return functions.ProcessQueueMessage(message, _actions, CancellationToken.None);
    }

    /// <summary>Exactly one settlement call reached Service Bus.</summary>
    private void AssertSettledOnce() => Assert.Single(_actions.ReceivedCalls());

    [Fact]
    public async Task A_message_the_handler_is_done_with_is_completed_and_nothing_else()
    {
        _harness.GivenHandlerReturns(new HandlerResult.Done("erp-time-line:TL-000001"));
        var envelope = TestData.TimeApprovedEnvelope();
        var message = TestData.MessageFor(envelope);

        await ProcessAsync(message);

        await _actions.Received(1).CompleteMessageAsync(message, Arg.Any<CancellationToken>());
        AssertSettledOnce();
        await _harness.TimeApprovedHandler.Received(1).HandleAsync(Arg.Is<EventEnvelope>(e => e.Id == envelope.Id), false, Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task A_rejected_message_is_completed_too()
    {
        _harness.GivenHandlerReturns(new HandlerResult.Rejected("TIME_HOURS_OUT_OF_RANGE"));
        var message = TestData.MessageFor(TestData.TimeApprovedEnvelope());

        await ProcessAsync(message);

        await _actions.Received(1).CompleteMessageAsync(message, Arg.Any<CancellationToken>());
        AssertSettledOnce();
    }

    [Fact]
    public async Task A_message_to_retry_later_is_scheduled_again_for_its_retry_time_and_the_delivery_completed()
    {
        _harness.GivenHandlerReturns(new HandlerResult.RetryLater("ERP Throttled", TimeSpan.FromSeconds(30)));
        var envelope = TestData.TimeApprovedEnvelope();
        var message = TestData.MessageFor(envelope, deliveryCount: 2, properties: new Dictionary<string, object> { ["source"] = "psa" });
        ServiceBusMessage? copy = null;
        DateTimeOffset visibleAt = default;
        await _harness.Scheduler.ScheduleAsync(QueueNames.TimeExpense, Arg.Do<ServiceBusMessage>(m => copy = m), Arg.Do<DateTimeOffset>(t => visibleAt = t), Arg.Any<CancellationToken>());

        await ProcessAsync(message);

        // Service Bus would redeliver an abandoned message at once: the retry is a copy that waits for the ERP's Retry-After.
        Assert.Equal(_harness.Clock.GetUtcNow() + TimeSpan.FromSeconds(30), visibleAt);
        Assert.NotNull(copy);
        Assert.Equal(envelope.Id, EventEnvelope.FromJson(copy.Body.ToString()).Id);
        Assert.NotEqual(message.MessageId, copy.MessageId);
        Assert.Equal(message.CorrelationId, copy.CorrelationId);
        Assert.Equal("psa", copy.ApplicationProperties["source"]);
        Assert.Equal(2, copy.ApplicationProperties[ServiceBusProcessing.EarlierDeliveriesProperty]);
        await _actions.Received(1).CompleteMessageAsync(message, Arg.Any<CancellationToken>());
        AssertSettledOnce();
        Assert.Empty(_harness.RaisedExceptions());
    }

    [Fact]
    public async Task Without_a_retry_time_from_the_system_the_copy_waits_for_the_backoff_of_all_deliveries_so_far()
    {
        _harness.GivenHandlerReturns(new HandlerResult.RetryLater("ERP Unavailable"));
        var message = TestData.MessageFor(TestData.TimeApprovedEnvelope(), deliveryCount: 1,
            properties: new Dictionary<string, object> { [ServiceBusProcessing.EarlierDeliveriesProperty] = 2 });
        DateTimeOffset visibleAt = default;
        await _harness.Scheduler.ScheduleAsync(Arg.Any<string>(), Arg.Any<ServiceBusMessage>(), Arg.Do<DateTimeOffset>(t => visibleAt = t), Arg.Any<CancellationToken>());

        await ProcessAsync(message);

        Assert.Equal(_harness.Clock.GetUtcNow() + _harness.Policy.RetryDelay(3, null), visibleAt);
        await _harness.Scheduler.Received(1).ScheduleAsync(QueueNames.TimeExpense,
            Arg.Is<ServiceBusMessage>(m => (int)m.ApplicationProperties[ServiceBusProcessing.EarlierDeliveriesProperty] == 3), Arg.Any<DateTimeOffset>(), Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task A_copy_whose_earlier_deliveries_reach_the_max_delivery_count_is_dead_lettered_not_scheduled_again()
    {
        _harness.GivenHandlerReturns(new HandlerResult.RetryLater("ERP Unavailable"));
        var message = TestData.MessageFor(TestData.TimeApprovedEnvelope(), deliveryCount: 1,
            properties: new Dictionary<string, object> { [ServiceBusProcessing.EarlierDeliveriesProperty] = ProcessorHarness.MaxDeliveryCount - 1 });

        await ProcessAsync(message);

        await _actions.Received(1).DeadLetterMessageAsync(message, Arg.Any<Dictionary<string, object>?>(), "DELIVERY_EXHAUSTED", Arg.Any<string?>(), Arg.Any<CancellationToken>());
        AssertSettledOnce();
        Assert.Empty(_harness.Scheduler.ReceivedCalls());
    }

    [Fact]
    public async Task When_the_retry_cannot_be_scheduled_the_message_is_abandoned_so_it_comes_back_rather_than_never()
    {
        _harness.GivenHandlerReturns(new HandlerResult.RetryLater("ERP Throttled", TimeSpan.FromSeconds(30)));
        _harness.Scheduler.ScheduleAsync(Arg.Any<string>(), Arg.Any<ServiceBusMessage>(), Arg.Any<DateTimeOffset>(), Arg.Any<CancellationToken>())
            .Returns(Task.FromException(new InvalidOperationException("Service Bus unreachable")));
        var message = TestData.MessageFor(TestData.TimeApprovedEnvelope(), deliveryCount: 2);

        await ProcessAsync(message);

        await _actions.Received(1).AbandonMessageAsync(message, Arg.Any<IDictionary<string, object>?>(), Arg.Any<CancellationToken>());
        AssertSettledOnce();
    }

    [Fact]
    public async Task A_message_to_retry_at_the_max_delivery_count_is_dead_lettered_as_DELIVERY_EXHAUSTED()
    {
        _harness.GivenHandlerReturns(new HandlerResult.RetryLater("ERP Unavailable"));
        var message = TestData.MessageFor(TestData.TimeApprovedEnvelope(), deliveryCount: ProcessorHarness.MaxDeliveryCount);

        await ProcessAsync(message);

        await _actions.Received(1).DeadLetterMessageAsync(
            message, Arg.Any<Dictionary<string, object>?>(), "DELIVERY_EXHAUSTED",
            Arg.Is<string?>(d => d != null && d.Contains("ERP Unavailable")), Arg.Any<CancellationToken>());
        AssertSettledOnce();
        Assert.Equal("DELIVERY_EXHAUSTED", Assert.Single(_harness.RaisedExceptions()).Reason.Code);
    }

    [Fact]
    public async Task A_garbage_body_is_dead_lettered_as_MESSAGE_UNREADABLE()
    {
        var message = TestData.Message("<xml>not an envelope</xml>", messageId: "msg-garbage");

        await ProcessAsync(message);

        await _actions.Received(1).DeadLetterMessageAsync(
            message, Arg.Any<Dictionary<string, object>?>(), "MESSAGE_UNREADABLE", Arg.Any<string?>(), Arg.Any<CancellationToken>());
        AssertSettledOnce();
        var raised = Assert.Single(_harness.RaisedExceptions());
        Assert.Equal("MESSAGE_UNREADABLE", raised.Reason.Code);
        Assert.Equal("msg-garbage", raised.SourceRecord.Id);
        await _harness.TimeApprovedHandler.DidNotReceiveWithAnyArgs().HandleAsync(default!, default, default);
    }

    [Fact]
    public async Task The_delivery_count_of_the_message_reaches_the_handler_as_a_redelivery()
    {
        _harness.GivenHandlerReturns(new HandlerResult.Done("ok"));
        var message = TestData.MessageFor(TestData.TimeApprovedEnvelope(), deliveryCount: 3);

        await ProcessAsync(message);

        await _harness.TimeApprovedHandler.Received(1).HandleAsync(Arg.Any<EventEnvelope>(), true, Arg.Any<CancellationToken>());
        await _actions.Received(1).CompleteMessageAsync(message, Arg.Any<CancellationToken>());
    }
}
