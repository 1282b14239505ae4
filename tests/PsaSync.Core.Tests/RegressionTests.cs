using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using NSubstitute;
using PsaSync.Connectors.Sandbox;
using PsaSync.Connectors.Sandbox.Erp;
using PsaSync.Connectors.Sandbox.Psa;
using PsaSync.Core.CrossReference;
using PsaSync.Core.Events;
using PsaSync.Core.Exceptions;
using PsaSync.Core.Ingress;
using PsaSync.Core.Messaging;
using PsaSync.Core.Ports;
using PsaSync.Core.Tests.Messaging;
using PsaSync.Core.Tests.Support;
using PsaSync.Core.TimeExpense;
using PsaSync.Core.Tracing;

namespace PsaSync.Core.Tests;

/// <summary>Bugs found by review of the first build, each pinned by the test that showed it.</summary>
public class RegressionTests
{
    /// <summary>
    /// EnvelopeProcessor promises never to throw and to give everything it dead-letters an exception item. FromJson
    /// accepts any Subject, but the processor parses it with RecordRef.Parse (SubjectOf) for traces and exception
    /// items, so a readable envelope whose subject is not "system/kind/id" makes ProcessAsync throw FormatException.
    /// Under Service Bus the message is then retried until the broker dead-letters it without an exception item.
    /// </summary>
    [Fact]
    public async Task An_envelope_with_a_malformed_subject_is_dead_lettered_with_an_exception_item()
    {
        var harness = new ProcessorHarness();
        harness.GivenHandlerReturns(new HandlerResult.Done("ok"));
        var envelope = TestData.TimeApprovedEnvelope() with { Subject = "TE-1001" };

        var settlement = await harness.ProcessAsync(envelope);

        Assert.Equal(SettlementAction.DeadLetter, settlement.Action);
        Assert.Equal("MESSAGE_UNREADABLE", settlement.DeadLetterReason);
        Assert.Single(harness.RaisedExceptions());
    }

    /// <summary>
    /// EVENT_UNSUPPORTED is documented as "no handler in this domain understands the event type or schema version",
    /// but the processor picks the handler by type only. The handler's DataAs then throws EnvelopeFormatException
    /// for the newer schema version, the processor treats that as a transient failure, and the message is retried
    /// MaxDeliveryCount times before it is dead-lettered as DELIVERY_EXHAUSTED (owner IntegrationSupport, not Platform).
    /// </summary>
    [Fact]
    public async Task An_envelope_of_a_newer_schema_version_is_dead_lettered_at_once_as_EVENT_UNSUPPORTED()
    {
        var harness = new ProcessorHarness();
        var support = new HandlerSupport(harness.Exceptions, harness.CorrelationLog, harness.Clock, new RecordingTelemetry());
        var handler = TimeHandlers.Approved(Substitute.For<IErpConnector>(), Substitute.For<IPsaConnector>(), Substitute.For<ICrossReferenceMap>(), new InMemoryLedger(),
            new InMemoryPendingCostPostings(), new InMemoryProjectProfiles(), support, new CostPostingOptions(), harness.Clock);
        var envelope = TestData.TimeApprovedEnvelope() with { SchemaVersion = TimeApproved.SchemaVersion + 1 };

        var settlement = await harness.Build(handler).ProcessAsync(envelope.ToJson(), new DeliveryInfo("msg-1", 1), CancellationToken.None);

        Assert.Equal(SettlementAction.DeadLetter, settlement.Action);
        Assert.Equal("EVENT_UNSUPPORTED", settlement.DeadLetterReason);
        Assert.Equal(ReasonCodes.UnsupportedEvent, Assert.Single(harness.RaisedExceptions()).Reason);
    }

    /// <summary>
    /// SandboxPsaTimeWebhookMapper passes each element of timeEntries to TryRead without a null check, so a payload
    /// with a null entry throws NullReferenceException out of WebhookIngress.AcceptAsync (an HTTP 500) instead of
    /// being refused as 400 WEBHOOK_SCHEMA_INVALID.
    /// </summary>
    [Fact]
    public void A_null_time_entry_is_a_schema_error()
    {
        using var document = JsonDocument.Parse("""{"eventType":"time_entry.approved","timeEntries":[null]}""");

        var mapping = new SandboxPsaTimeWebhookMapper().Map(document.RootElement, new WebhookContext(TestData.Now, "req-1"));

        var invalid = Assert.IsType<WebhookMapping.Invalid>(mapping);
        Assert.Equal("WEBHOOK_SCHEMA_INVALID", invalid.ReasonCode);
        Assert.Contains("timeEntries[0]", invalid.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_null_time_entry_is_refused_with_400_at_the_edge()
    {
        var publisher = Substitute.For<IMessagePublisher>();
        var ingress = SignedCalls.Ingress([new SandboxPsaTimeWebhookMapper()], publisher, Substitute.For<ICorrelationLog>(), new FakeTimeProvider(TestData.Now),
            new Dictionary<string, string> { ["psa"] = "psa-secret" });

        var result = await ingress.AcceptAsync(
            SignedCalls.Request("psa/time", """{"eventType":"time_entry.approved","timeEntries":[null]}""", "psa-secret", TestData.Now), CancellationToken.None);

        Assert.Equal(400, result.StatusCode);
        Assert.Equal("WEBHOOK_SCHEMA_INVALID", result.Problem?.ReasonCode);
        await publisher.DidNotReceiveWithAnyArgs().PublishAsync(default!, default!, default);
    }

    /// <summary>
    /// IErpConnector.PostTimeAsync: "Posting an external id that already exists returns the existing document."
    /// SandboxErp checks the closed period before it looks for the existing line, so a repeat of a posting made
    /// before the period was closed throws PeriodClosed. (Low impact today: TimeApprovedHandler looks the line up
    /// first on redeliveries.)
    /// </summary>
    [Fact]
    public async Task A_repeated_posting_returns_the_existing_document_even_after_its_period_closed()
    {
        var erp = new SandboxErp(new SandboxFaultOptions());
        erp.SeedProject(new ErpProject(TestData.ErpProjectCode, TestData.PsaProjectId, Active: true));
        var line = new ErpTimeLine("PSA-TE-TE-1-V1", TestData.ErpProjectCode, "RES-7", new DateOnly(2026, 3, 9), 8m, true, null, "corr-1");
        var original = await erp.PostTimeAsync(line, CancellationToken.None);
        erp.ClosePeriod("2026-03");

        var repeat = await erp.PostTimeAsync(line, CancellationToken.None);

        Assert.Equal(original, repeat);
    }
}
