using Microsoft.Extensions.Logging.Abstractions;
using NSubstitute;
using NSubstitute.ExceptionExtensions;
using PsaSync.Connectors.Sandbox.Psa;
using PsaSync.Core.Events;
using PsaSync.Core.Ingress;
using PsaSync.Core.Messaging;
using PsaSync.Core.Model;
using PsaSync.Core.Tests.Support;
using PsaSync.Core.Tracing;

namespace PsaSync.Core.Tests.Ingress;

public class WebhookIngressTests
{
    private const string Route = "psa/time";
    private const string PsaSecret = "psa-shared-secret";

    private readonly IMessagePublisher _publisher = Substitute.For<IMessagePublisher>();
    private readonly ICorrelationLog _correlationLog = Substitute.For<ICorrelationLog>();
    private readonly FakeTimeProvider _clock = new(TestData.Now);
    private IReadOnlyList<EventEnvelope>? _published;

    public WebhookIngressTests()
    {
        _publisher.PublishAsync(Arg.Any<string>(), Arg.Do<IReadOnlyList<EventEnvelope>>(e => _published = e), Arg.Any<CancellationToken>())
            .Returns(Task.CompletedTask);
    }

    private WebhookIngress CreateIngress(IngressLimits? limits = null, IWebhookMapper? mapper = null, IReadOnlyDictionary<string, string>? secrets = null) =>
        SignedCalls.Ingress([mapper ?? new SandboxPsaTimeWebhookMapper()], _publisher, _correlationLog, _clock,
            secrets ?? new Dictionary<string, string> { ["psa"] = PsaSecret }, limits);

    private Task<IngressResult> AcceptAsync(string body, string route = Route, IngressLimits? limits = null, IWebhookMapper? mapper = null, string? requestId = "req-1",
        string? secret = PsaSecret, string? contentType = WebhookSignature.JsonContentType) =>
        CreateIngress(limits, mapper).AcceptAsync(SignedCalls.Request(route, body, secret, _clock.GetUtcNow(), requestId, contentType), CancellationToken.None);

    private async Task AssertNothingPublishedAsync() =>
        await _publisher.DidNotReceiveWithAnyArgs().PublishAsync(default!, default!, default);

    private static void AssertRefused(IngressResult result, int status, string reasonCode)
    {
        Assert.False(result.IsAccepted);
        Assert.Equal(status, result.StatusCode);
        Assert.NotNull(result.Problem);
        Assert.Equal(status, result.Problem.Status);
        Assert.Equal(reasonCode, result.Problem.ReasonCode);
        Assert.Empty(result.CorrelationIds);
    }

    [Fact]
    public async Task An_unknown_route_is_404_WEBHOOK_ROUTE_UNKNOWN_and_nothing_is_published()
    {
        var result = await AcceptAsync(WebhookBodies.TimeApproved(), route: "psa/expenses");

        AssertRefused(result, 404, "WEBHOOK_ROUTE_UNKNOWN");
        Assert.Contains("psa/expenses", result.Problem!.Detail, StringComparison.Ordinal);
        await AssertNothingPublishedAsync();
    }

    [Fact]
    public async Task Routes_are_matched_ignoring_case()
    {
        var result = await AcceptAsync(WebhookBodies.TimeApproved(), route: "PSA/Time");

        Assert.Equal(202, result.StatusCode);
    }

    [Fact]
    public async Task An_oversize_payload_is_413_and_is_not_even_parsed()
    {
        var mapper = Substitute.For<IWebhookMapper>();
        mapper.Route.Returns(Route);
        var limits = new IngressLimits { MaxPayloadBytes = 64 };

        var result = await AcceptAsync(new string(' ', 65), limits: limits, mapper: mapper);

        AssertRefused(result, 413, "WEBHOOK_PAYLOAD_TOO_LARGE");
        mapper.DidNotReceiveWithAnyArgs().Map(default, default!);
        await AssertNothingPublishedAsync();
    }

    [Fact]
    public async Task A_payload_of_exactly_the_limit_is_not_refused_for_its_size()
    {
        var body = WebhookBodies.TimeApproved();
        var limits = new IngressLimits { MaxPayloadBytes = WebhookBodies.Utf8(body).Length };

        var result = await AcceptAsync(body, limits: limits);

        Assert.Equal(202, result.StatusCode);
    }

    [Theory]
    [InlineData("not json at all")]
    [InlineData("{\"eventType\": ")]
    [InlineData("")]
    public async Task A_body_that_is_not_JSON_is_400_WEBHOOK_NOT_JSON(string body)
    {
        var result = await AcceptAsync(body);

        AssertRefused(result, 400, "WEBHOOK_NOT_JSON");
        await AssertNothingPublishedAsync();
    }

    [Fact]
    public async Task A_schema_error_is_400_WEBHOOK_SCHEMA_INVALID_with_the_mappers_detail()
    {
        var body = WebhookBodies.Altered(b => WebhookBodies.FirstEntry(b).Remove("id"));

        var result = await AcceptAsync(body);

        AssertRefused(result, 400, "WEBHOOK_SCHEMA_INVALID");
        Assert.Contains("'id'", result.Problem!.Detail, StringComparison.Ordinal);
        await AssertNothingPublishedAsync();
    }

    [Fact]
    public async Task An_unknown_event_type_is_422_WEBHOOK_EVENT_UNKNOWN()
    {
        var body = WebhookBodies.Altered(b => b["eventType"] = "time_entry.rejected");

        var result = await AcceptAsync(body);

        AssertRefused(result, 422, "WEBHOOK_EVENT_UNKNOWN");
        await AssertNothingPublishedAsync();
    }

    [Fact]
    public async Task Too_many_records_is_413_WEBHOOK_TOO_MANY_RECORDS()
    {
        var body = WebhookBodies.TimeApproved(TestData.TimeEntry(entryId: "TE-1"), TestData.TimeEntry(entryId: "TE-2"), TestData.TimeEntry(entryId: "TE-3"));

        var result = await AcceptAsync(body, limits: new IngressLimits { MaxRecordsPerCall = 2 });

        AssertRefused(result, 413, "WEBHOOK_TOO_MANY_RECORDS");
        await AssertNothingPublishedAsync();
    }

    [Fact]
    public async Task A_valid_call_is_202_after_publishing_every_envelope_once_on_the_mappers_queue()
    {
        var entries = new[] { TestData.TimeEntry(entryId: "TE-1"), TestData.TimeEntry(entryId: "TE-2"), TestData.TimeEntry(entryId: "TE-3") };

        var result = await AcceptAsync(WebhookBodies.TimeApproved(entries));

        Assert.True(result.IsAccepted);
        Assert.Equal(202, result.StatusCode);
        Assert.Equal("req-1", result.RequestId);
        await _publisher.Received(1).PublishAsync(QueueNames.TimeExpense, Arg.Any<IReadOnlyList<EventEnvelope>>(), Arg.Any<CancellationToken>());
        Assert.NotNull(_published);
        Assert.Equal(["psa:time-entry:TE-1:v1", "psa:time-entry:TE-2:v1", "psa:time-entry:TE-3:v1"], _published.Select(e => e.IdempotencyKey));
        Assert.Equal(_published.Select(e => e.CorrelationId), result.CorrelationIds);
    }

    [Fact]
    public async Task A_valid_call_traces_one_accepted_step_per_envelope()
    {
        var entries = new[] { TestData.TimeEntry(entryId: "TE-1"), TestData.TimeEntry(entryId: "TE-2") };

        await AcceptAsync(WebhookBodies.TimeApproved(entries));

        var traces = _correlationLog.ReceivedCalls().Select(c => (TraceEntry)c.GetArguments()[0]!).ToList();
        Assert.Equal(2, traces.Count);
        Assert.All(traces, t =>
        {
            Assert.Equal(TraceSteps.Accepted, t.Step);
            Assert.Equal("webhook", t.Domain);
            Assert.Equal(TestData.Now, t.At);
        });
        Assert.Equal(_published!.Select(e => e.CorrelationId), traces.Select(t => t.CorrelationId));
        Assert.Equal([new RecordRef("psa", "time-entry", "TE-1"), new RecordRef("psa", "time-entry", "TE-2")], traces.Select(t => t.Record));
    }

    [Fact]
    public async Task Duplicate_entries_in_one_call_report_their_correlation_id_once()
    {
        var entry = TestData.TimeEntry(entryId: "TE-1");

        var result = await AcceptAsync(WebhookBodies.TimeApproved(entry, entry));

        Assert.Equal(2, _published!.Count);
        Assert.Single(result.CorrelationIds);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public async Task Without_a_request_id_one_is_made_up(string? requestId)
    {
        var result = await AcceptAsync(WebhookBodies.TimeApproved(), requestId: requestId);

        Assert.Matches("^[0-9a-f]{32}$", result.RequestId);
    }

    [Fact]
    public async Task A_publisher_failure_is_503_QUEUE_UNAVAILABLE_and_nothing_is_traced_as_accepted()
    {
        _publisher.PublishAsync(Arg.Any<string>(), Arg.Any<IReadOnlyList<EventEnvelope>>(), Arg.Any<CancellationToken>())
            .ThrowsAsync(new InvalidOperationException("Service Bus is unreachable"));

        var result = await AcceptAsync(WebhookBodies.TimeApproved());

        AssertRefused(result, 503, "QUEUE_UNAVAILABLE");
        await _correlationLog.DidNotReceiveWithAnyArgs().AppendAsync(default!, default);
    }

    [Fact]
    public async Task A_problem_has_an_RFC_7807_type_derived_from_the_reason_code()
    {
        var result = await AcceptAsync("nope");

        Assert.Equal("https://psasync.dev/problems/webhook-not-json", result.Problem!.Type);
        Assert.Equal("application/problem+json", Problem.ContentType);
        // The detail carries the parser's message so that the caller can find the mistake.
        Assert.False(string.IsNullOrWhiteSpace(result.Problem.Detail));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong")]
    public async Task A_call_not_signed_with_the_sources_secret_is_401_and_nothing_is_published_or_traced(string? secret)
    {
        var result = await AcceptAsync(WebhookBodies.TimeApproved(), secret: secret);

        AssertRefused(result, 401, secret is null ? "WEBHOOK_SIGNATURE_MISSING" : "WEBHOOK_SIGNATURE_INVALID");
        await AssertNothingPublishedAsync();
        await _correlationLog.DidNotReceiveWithAnyArgs().AppendAsync(default!, default);
    }

    [Fact]
    public async Task Another_sources_secret_is_not_accepted()
    {
        var ingress = CreateIngress(secrets: new Dictionary<string, string> { ["psa"] = PsaSecret, ["crm"] = "crm-secret" });

        var result = await ingress.AcceptAsync(SignedCalls.Request(Route, WebhookBodies.TimeApproved(), "crm-secret", _clock.GetUtcNow()), CancellationToken.None);

        AssertRefused(result, 401, "WEBHOOK_SIGNATURE_INVALID");
        await AssertNothingPublishedAsync();
    }

    [Fact]
    public async Task An_unauthenticated_call_is_refused_before_the_body_is_mapped()
    {
        var mapper = Substitute.For<IWebhookMapper>();
        mapper.Route.Returns(Route);

        var result = await AcceptAsync("{}", mapper: mapper, secret: null);

        AssertRefused(result, 401, "WEBHOOK_SIGNATURE_MISSING");
        mapper.DidNotReceiveWithAnyArgs().Map(default, default!);
    }

    [Fact]
    public async Task A_source_with_no_configured_secret_is_refused_even_when_signed()
    {
        var ingress = CreateIngress(secrets: new Dictionary<string, string>());

        var result = await ingress.AcceptAsync(SignedCalls.Request(Route, WebhookBodies.TimeApproved(), PsaSecret, _clock.GetUtcNow()), CancellationToken.None);

        AssertRefused(result, 401, "WEBHOOK_SIGNATURE_INVALID");
        await AssertNothingPublishedAsync();
    }

    [Fact]
    public async Task A_signed_call_on_a_route_of_a_source_nobody_serves_is_401_not_404()
    {
        var result = await AcceptAsync(WebhookBodies.TimeApproved(), route: "acme/time", secret: PsaSecret);

        AssertRefused(result, 401, "WEBHOOK_SIGNATURE_INVALID");
    }

    [Fact]
    public async Task A_secret_store_that_cannot_be_read_is_503_WEBHOOK_SECRETS_UNAVAILABLE()
    {
        var store = Substitute.For<IWebhookSecretSource>();
        store.GetAsync("psa", Arg.Any<CancellationToken>()).ThrowsAsync(new WebhookSecretsUnavailableException("Key Vault is unreachable"));
        var limits = new IngressLimits();
        var ingress = new WebhookIngress([new SandboxPsaTimeWebhookMapper()], _publisher, _correlationLog, limits,
            new WebhookVerifier(store, limits, _clock, NullLogger<WebhookVerifier>.Instance), _clock, NullLogger<WebhookIngress>.Instance);

        var result = await ingress.AcceptAsync(SignedCalls.Request(Route, WebhookBodies.TimeApproved(), PsaSecret, _clock.GetUtcNow()), CancellationToken.None);

        AssertRefused(result, 503, "WEBHOOK_SECRETS_UNAVAILABLE");
        await AssertNothingPublishedAsync();
    }

    [Theory]
    [InlineData(null)]
    [InlineData("text/plain")]
    [InlineData("application/xml")]
    [InlineData("application/json; charset=utf-16")]
    public async Task A_body_not_sent_as_utf8_JSON_is_415_WEBHOOK_CONTENT_TYPE_UNSUPPORTED(string? contentType)
    {
        var result = await AcceptAsync(WebhookBodies.TimeApproved(), contentType: contentType);

        AssertRefused(result, 415, "WEBHOOK_CONTENT_TYPE_UNSUPPORTED");
        await AssertNothingPublishedAsync();
    }

    [Theory]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("Application/JSON")]
    public async Task JSON_content_types_with_parameters_or_other_casing_are_accepted(string contentType)
    {
        var result = await AcceptAsync(WebhookBodies.TimeApproved(), contentType: contentType);

        Assert.Equal(202, result.StatusCode);
    }

    [Fact]
    public async Task A_field_the_vendor_format_does_not_have_is_400_WEBHOOK_SCHEMA_INVALID()
    {
        var body = WebhookBodies.Altered(b => WebhookBodies.FirstEntry(b)["isAdmin"] = true);

        var result = await AcceptAsync(body);

        AssertRefused(result, 400, "WEBHOOK_SCHEMA_INVALID");
        Assert.Contains("isAdmin", result.Problem!.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-1, "WEBHOOK_VALUE_OUT_OF_RANGE")]
    [InlineData(745, "WEBHOOK_VALUE_OUT_OF_RANGE")]
    public async Task Absurd_hours_are_422_and_nothing_of_the_batch_is_published(decimal hours, string reason)
    {
        var body = WebhookBodies.TimeApproved(TestData.TimeEntry(entryId: "TE-1"), TestData.TimeEntry(entryId: "TE-2", hours: hours));

        var result = await AcceptAsync(body);

        AssertRefused(result, 422, reason);
        Assert.Contains("psa/time-entry/TE-2", result.Problem!.Detail, StringComparison.Ordinal);
        await AssertNothingPublishedAsync();
    }

    [Fact]
    public async Task A_26_hour_day_passes_the_edge_because_a_person_fixes_it_from_an_exception_item()
    {
        var result = await AcceptAsync(WebhookBodies.TimeApproved(TestData.TimeEntry(hours: 26m)));

        Assert.Equal(202, result.StatusCode);
    }

    [Theory]
    [InlineData(-11)]
    [InlineData(6)]
    public async Task A_work_date_years_away_is_422_WEBHOOK_DATE_OUT_OF_RANGE(int years)
    {
        var entry = TestData.TimeEntry(workDate: DateOnly.FromDateTime(TestData.Now.UtcDateTime).AddYears(years));

        var result = await AcceptAsync(WebhookBodies.TimeApproved(entry));

        AssertRefused(result, 422, "WEBHOOK_DATE_OUT_OF_RANGE");
        await AssertNothingPublishedAsync();
    }
}
