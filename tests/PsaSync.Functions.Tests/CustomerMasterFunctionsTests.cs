using Azure.Messaging.ServiceBus;
using Microsoft.Azure.Functions.Worker;
using NSubstitute;
using PsaSync.Core.Events;
using PsaSync.Core.Messaging;
using PsaSync.Core.Model;
using PsaSync.Functions.CustomerMaster;
using PsaSync.Functions.Tests.Support;

namespace PsaSync.Functions.Tests;

public class CustomerMasterFunctionsTests
{
    private readonly ProcessorHarness _harness = new();
    private readonly ServiceBusMessageActions _actions = Substitute.For<ServiceBusMessageActions>();

    private Task ProcessAsync(ServiceBusReceivedMessage message)
    {
        // The customer master domain has no handlers yet, as in its registration.
        var processor = _harness.Build(QueueNames.CustomerMaster, []);
        return new CustomerMasterFunctions(processor).ProcessQueueMessage(message, _actions, CancellationToken.None);
    }

    [Fact]
    public async Task An_event_it_has_no_handler_for_is_dead_lettered_as_EVENT_UNSUPPORTED()
    {
        var customer = new Customer("C-1", "Contoso GmbH", "DE", "EUR", "DE123", "NET30", "LE-DE");
        var envelope = EventEnvelope.Create(new CustomerUpserted(customer, SystemNames.Crm), SystemNames.Crm, "crm/customer/C-1",
            "crm:customer:C-1:v1", CorrelationIds.ForIdempotencyKey("crm:customer:C-1:v1"), TestData.Now);
        var message = TestData.MessageFor(envelope);

        await ProcessAsync(message);

        await _actions.Received(1).DeadLetterMessageAsync(
            message, Arg.Any<Dictionary<string, object>?>(), "EVENT_UNSUPPORTED",
            Arg.Is<string?>(d => d != null && d.Contains(CustomerUpserted.EventType)), Arg.Any<CancellationToken>());
        Assert.Single(_actions.ReceivedCalls());
        var raised = Assert.Single(_harness.RaisedExceptions());
        Assert.Equal("EVENT_UNSUPPORTED", raised.Reason.Code);
        Assert.Equal(QueueNames.CustomerMaster, raised.Domain);
        Assert.Equal(new RecordRef("crm", "customer", "C-1"), raised.SourceRecord);
        await _harness.Ledger.DidNotReceiveWithAnyArgs().TryClaimAsync(default!, default!, default, default);
    }

    [Fact]
    public async Task A_time_event_on_the_customer_queue_is_dead_lettered_as_EVENT_UNSUPPORTED_too()
    {
        var message = TestData.MessageFor(TestData.TimeApprovedEnvelope());

        await ProcessAsync(message);

        await _actions.Received(1).DeadLetterMessageAsync(
            message, Arg.Any<Dictionary<string, object>?>(), "EVENT_UNSUPPORTED", Arg.Any<string?>(), Arg.Any<CancellationToken>());
        await _actions.DidNotReceiveWithAnyArgs().CompleteMessageAsync(default!, default);
    }
}
