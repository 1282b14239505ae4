using Azure.Messaging.ServiceBus;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging.Abstractions;
using NSubstitute;
using PsaSync.Connectors.Sandbox.Crm;
using PsaSync.Connectors.Sandbox.Erp;
using PsaSync.Core.Events;
using PsaSync.Core.Ingress;
using PsaSync.Core.Messaging;
using PsaSync.Core.Model;
using PsaSync.Core.Ports;
using PsaSync.Core.Scheduling;
using PsaSync.Core.Tracing;
using PsaSync.Functions.CustomerMaster;
using PsaSync.Functions.Tests.Support;
using PsaSync.Hosting;

namespace PsaSync.Functions.Tests;

public class CustomerMasterFunctionsTests
{
    private static readonly Customer Contoso = new("ACC-1", "Contoso GmbH", "DE", "EUR", "DE123456789", "NET30", "PSDE", RequiresPurchaseOrder: false);

    private readonly ProcessorHarness _harness = new();
    private readonly ServiceBusMessageActions _actions = Substitute.For<ServiceBusMessageActions>();
    private readonly IMessagePublisher _publisher = Substitute.For<IMessagePublisher>();
    private readonly IScheduledJob _reconciliation = Substitute.For<IScheduledJob>();
    private IReadOnlyList<EventEnvelope>? _published;

    public CustomerMasterFunctionsTests()
    {
        _publisher.PublishAsync(Arg.Any<string>(), Arg.Do<IReadOnlyList<EventEnvelope>>(e => _published = e), Arg.Any<CancellationToken>())
            .Returns(Task.CompletedTask);
        _reconciliation.Name.Returns(JobNames.CustomerReconciliation);
        _reconciliation.RunAsync(Arg.Any<CancellationToken>()).Returns("customer-reconciliation: 3 compared, 0 drift(s)");
    }

    /// <summary>The customer master functions, with a processor that has exactly <paramref name="handlers"/> (none by default).</summary>
    private CustomerMasterFunctions Functions(params IEventHandler[] handlers)
    {
        var limits = new IngressLimits();
        var ingress = WebhookHttp.Ingress([new SandboxCrmAccountWebhookMapper(), new SandboxErpCustomerWebhookMapper()], _publisher,
            Substitute.For<ICorrelationLog>(), limits);
        var jobs = new JobRunner([_reconciliation], NullLogger<JobRunner>.Instance);
        return new CustomerMasterFunctions(ingress, limits, jobs, _harness.Build(QueueNames.CustomerMaster, handlers), _harness.ServiceBus());
    }

    private Task ProcessAsync(ServiceBusReceivedMessage message) =>
        Functions().ProcessQueueMessage(message, _actions, CancellationToken.None);

    private async Task AssertNothingPublishedAsync() =>
        await _publisher.DidNotReceiveWithAnyArgs().PublishAsync(default!, default!, default);

    [Fact]
    public async Task An_event_it_has_no_handler_for_is_dead_lettered_as_EVENT_UNSUPPORTED()
    {
        var envelope = EventEnvelope.Create(new CustomerUpserted(Contoso, SystemNames.Crm), SystemNames.Crm, "crm/customer/C-1",
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

    [Fact]
    public async Task A_customer_event_its_handler_is_done_with_is_completed()
    {
        var handler = Substitute.For<IEventHandler>();
        handler.EventType.Returns(CustomerUpserted.EventType);
        handler.HandleAsync(Arg.Any<EventEnvelope>(), Arg.Any<bool>(), Arg.Any<CancellationToken>()).Returns(new HandlerResult.Done("erp-customer:CUST-00001"));
        var envelope = EventEnvelope.Create(new CustomerUpserted(Contoso, SystemNames.Crm), SystemNames.Crm, "crm/customer/ACC-1",
            "crm:customer:ACC-1:v1", CorrelationIds.ForIdempotencyKey("crm:customer:ACC-1:v1"), TestData.Now);
        var message = TestData.MessageFor(envelope);

        await Functions(handler).ProcessQueueMessage(message, _actions, CancellationToken.None);

        await _actions.Received(1).CompleteMessageAsync(message, Arg.Any<CancellationToken>());
        Assert.Single(_actions.ReceivedCalls());
        await handler.Received(1).HandleAsync(Arg.Is<EventEnvelope>(e => e.Id == envelope.Id), false, Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task A_CRM_closed_won_webhook_with_the_CRM_secret_is_202_and_queued_to_customer_master()
    {
        var functions = Functions();

        var body = SandboxCrmWebhookWriter.ClosedWon(Contoso, 3, TestData.Now);

        var answer = await WebhookHttp.PostAsync(r => functions.CrmClosedWon(r, CancellationToken.None), body, WebhookHttp.Signed(WebhookHttp.CrmSecret, body));

        Assert.Equal(202, answer.StatusCode);
        Assert.Equal(1, answer.Body.GetProperty("accepted").GetInt32());
        await _publisher.Received(1).PublishAsync(QueueNames.CustomerMaster, Arg.Any<IReadOnlyList<EventEnvelope>>(), Arg.Any<CancellationToken>());
        var envelope = Assert.Single(_published!);
        Assert.Equal("crm:customer:ACC-1:v3", envelope.IdempotencyKey);
        Assert.Equal(CustomerUpserted.EventType, envelope.Type);
        Assert.Equal(Contoso, envelope.DataAs<CustomerUpserted>().Customer);
    }

    [Theory]
    [InlineData(null, "WEBHOOK_SIGNATURE_MISSING")]
    [InlineData("not-the-secret", "WEBHOOK_SIGNATURE_INVALID")]
    [InlineData(WebhookHttp.ErpSecret, "WEBHOOK_SIGNATURE_INVALID")]
    public async Task A_CRM_webhook_not_signed_with_the_CRM_secret_is_401_problem_json_and_nothing_is_published(string? secret, string reason)
    {
        var functions = Functions();
        var body = SandboxCrmWebhookWriter.ClosedWon(Contoso, 1, TestData.Now);

        var answer = await WebhookHttp.PostAsync(r => functions.CrmClosedWon(r, CancellationToken.None), body,
            secret is null ? null : WebhookHttp.Signed(secret, body));

        Assert.Equal(401, answer.StatusCode);
        Assert.Equal("application/problem+json", answer.ContentType);
        Assert.Equal(reason, answer.Body.GetProperty("reasonCode").GetString());
        Assert.Equal(401, answer.Body.GetProperty("status").GetInt32());
        await AssertNothingPublishedAsync();
    }

    [Fact]
    public async Task An_ERP_customer_webhook_needs_the_ERP_secret_not_the_CRM_one()
    {
        var functions = Functions();
        var customer = new ErpCustomer("CUST-00001", "ACC-1", "Contoso GmbH", "DE", "EUR", "DE123456789", "NET30", "PSDE", false);
        var body = SandboxErpWebhookWriter.CustomerChanged(customer, 2, TestData.Now);

        var refused = await WebhookHttp.PostAsync(r => functions.ErpCustomerChanged(r, CancellationToken.None), body, WebhookHttp.Signed(WebhookHttp.CrmSecret, body));
        await AssertNothingPublishedAsync();
        var accepted = await WebhookHttp.PostAsync(r => functions.ErpCustomerChanged(r, CancellationToken.None), body, WebhookHttp.Signed(WebhookHttp.ErpSecret, body));

        Assert.Equal(401, refused.StatusCode);
        Assert.Equal("WEBHOOK_SIGNATURE_INVALID", refused.Body.GetProperty("reasonCode").GetString());
        Assert.Equal(202, accepted.StatusCode);
        Assert.Equal("erp:customer:CUST-00001:v2", Assert.Single(_published!).IdempotencyKey);
    }

    [Fact]
    public async Task The_reconciliation_timer_runs_the_customer_reconciliation_job_through_the_job_runner()
    {
        using var cancellation = new CancellationTokenSource();

        await Functions().Reconcile(new TimerInfo(), cancellation.Token);

        await _reconciliation.Received(1).RunAsync(cancellation.Token);
    }
}
