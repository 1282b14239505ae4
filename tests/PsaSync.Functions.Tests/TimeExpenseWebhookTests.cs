using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using NSubstitute;
using PsaSync.Connectors.Sandbox.Psa;
using PsaSync.Core.Events;
using PsaSync.Core.Ingress;
using PsaSync.Core.Messaging;
using PsaSync.Core.Tracing;
using PsaSync.Functions.Tests.Support;
using PsaSync.Functions.TimeExpense;

namespace PsaSync.Functions.Tests;

/// <summary>The PSA time webhook's HTTP trigger, executed against a DefaultHttpContext.</summary>
public class TimeExpenseWebhookTests
{
    private readonly IMessagePublisher _publisher = Substitute.For<IMessagePublisher>();
    private readonly ICorrelationLog _correlationLog = Substitute.For<ICorrelationLog>();
    private readonly IngressLimits _limits = new();
    private IReadOnlyList<EventEnvelope>? _published;

    public TimeExpenseWebhookTests()
    {
        _publisher.PublishAsync(Arg.Any<string>(), Arg.Do<IReadOnlyList<EventEnvelope>>(e => _published = e), Arg.Any<CancellationToken>())
            .Returns(Task.CompletedTask);
    }

    private sealed record HttpAnswer(int StatusCode, string? ContentType, IHeaderDictionary Headers, JsonElement Body);

    private async Task<HttpAnswer> PostAsync(string body, string? requestId = null, IngressLimits? limits = null, string? secret = WebhookHttp.PsaSecret)
    {
        var limitsInUse = limits ?? _limits;
        var ingress = WebhookHttp.Ingress([new SandboxPsaTimeWebhookMapper()], _publisher, _correlationLog, limitsInUse);
        var harness = new ProcessorHarness();
        var functions = new TimeExpenseFunctions(ingress, limitsInUse, harness.Build(), harness.ServiceBus());

        var httpContext = new DefaultHttpContext();
        httpContext.Request.Method = "POST";
        httpContext.Request.ContentType = "application/json";
        httpContext.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes(body));
        foreach (var (name, value) in secret is null ? new Dictionary<string, string>() : WebhookHttp.Signed(secret, body))
        {
            httpContext.Request.Headers[name] = value;
        }
        if (requestId is not null)
        {
            httpContext.Request.Headers["X-Request-Id"] = requestId;
        }
        var responseBody = new MemoryStream();
        httpContext.Response.Body = responseBody;

        var result = await functions.TimeApprovedWebhook(httpContext.Request, CancellationToken.None);
        await ((IResult)result).ExecuteAsync(httpContext);

        using var document = JsonDocument.Parse(responseBody.ToArray());
        return new HttpAnswer(httpContext.Response.StatusCode, httpContext.Response.ContentType, httpContext.Response.Headers, document.RootElement.Clone());
    }

    private async Task AssertNothingPublishedAsync() =>
        await _publisher.DidNotReceiveWithAnyArgs().PublishAsync(default!, default!, default);

    [Fact]
    public async Task A_valid_webhook_is_202_with_a_correlation_id_and_its_envelopes_are_published_to_time_expense()
    {
        var entries = new[] { TestData.TimeEntry(entryId: "TE-1"), TestData.TimeEntry(entryId: "TE-2") };

        var answer = await PostAsync(TestData.TimeApprovedWebhookBody(entries));

        Assert.Equal(202, answer.StatusCode);
        Assert.StartsWith("application/json", answer.ContentType, StringComparison.Ordinal);
        Assert.Equal(CorrelationIds.ForIdempotencyKey("psa:time-entry:TE-1:v1"), answer.Body.GetProperty("correlationId").GetString());
        Assert.Equal(2, answer.Body.GetProperty("accepted").GetInt32());
        Assert.Equal(2, answer.Body.GetProperty("correlationIds").GetArrayLength());
        await _publisher.Received(1).PublishAsync("time-expense", Arg.Any<IReadOnlyList<EventEnvelope>>(), Arg.Any<CancellationToken>());
        Assert.NotNull(_published);
        Assert.Equal(["psa:time-entry:TE-1:v1", "psa:time-entry:TE-2:v1"], _published.Select(e => e.IdempotencyKey));
        Assert.All(_published, e => Assert.Equal(TimeApproved.EventType, e.Type));
    }

    [Fact]
    public async Task The_callers_request_id_is_echoed_in_the_header_and_the_body()
    {
        var answer = await PostAsync(TestData.TimeApprovedWebhookBody(), requestId: "psa-req-77");

        Assert.Equal("psa-req-77", answer.Headers["X-Request-Id"].ToString());
        Assert.Equal("psa-req-77", answer.Body.GetProperty("requestId").GetString());
    }

    [Fact]
    public async Task A_body_that_is_not_JSON_is_400_problem_json_with_a_reason_code_and_nothing_is_published()
    {
        var answer = await PostAsync("{ this is not json");

        Assert.Equal(400, answer.StatusCode);
        Assert.Equal("application/problem+json", answer.ContentType);
        Assert.Equal("WEBHOOK_NOT_JSON", answer.Body.GetProperty("reasonCode").GetString());
        Assert.Equal(400, answer.Body.GetProperty("status").GetInt32());
        await AssertNothingPublishedAsync();
    }

    [Fact]
    public async Task A_body_missing_a_required_field_is_400_WEBHOOK_SCHEMA_INVALID_and_nothing_is_published()
    {
        var body = """{"eventType":"time_entry.approved","timeEntries":[{"revision":1,"projectId":"PRJ-1","personId":"RES-1","date":"2026-03-09","hours":8,"billable":true}]}""";

        var answer = await PostAsync(body, requestId: "psa-req-9");

        Assert.Equal(400, answer.StatusCode);
        Assert.Equal("application/problem+json", answer.ContentType);
        Assert.Equal("WEBHOOK_SCHEMA_INVALID", answer.Body.GetProperty("reasonCode").GetString());
        Assert.Contains("'id'", answer.Body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("psa-req-9", answer.Body.GetProperty("correlationId").GetString());
        await AssertNothingPublishedAsync();
    }

    [Fact]
    public async Task A_body_over_the_limit_is_413_and_nothing_is_published()
    {
        var answer = await PostAsync(TestData.TimeApprovedWebhookBody(), limits: new IngressLimits { MaxPayloadBytes = 32 });

        Assert.Equal(413, answer.StatusCode);
        Assert.Equal("WEBHOOK_PAYLOAD_TOO_LARGE", answer.Body.GetProperty("reasonCode").GetString());
        await AssertNothingPublishedAsync();
    }

    [Fact]
    public async Task A_queue_outage_is_503_QUEUE_UNAVAILABLE()
    {
        _publisher.PublishAsync(Arg.Any<string>(), Arg.Any<IReadOnlyList<EventEnvelope>>(), Arg.Any<CancellationToken>())
            .Returns(Task.FromException(new InvalidOperationException("Service Bus unreachable")));

        var answer = await PostAsync(TestData.TimeApprovedWebhookBody());

        Assert.Equal(503, answer.StatusCode);
        Assert.Equal("QUEUE_UNAVAILABLE", answer.Body.GetProperty("reasonCode").GetString());
    }

    [Theory]
    [InlineData(null, "WEBHOOK_SIGNATURE_MISSING")]
    [InlineData("crm-test-secret", "WEBHOOK_SIGNATURE_INVALID")]
    public async Task A_call_not_signed_with_the_PSA_secret_is_401_and_nothing_is_published(string? secret, string reason)
    {
        var answer = await PostAsync(TestData.TimeApprovedWebhookBody(), secret: secret);

        Assert.Equal(401, answer.StatusCode);
        Assert.Equal("application/problem+json", answer.ContentType);
        Assert.Equal(reason, answer.Body.GetProperty("reasonCode").GetString());
        await AssertNothingPublishedAsync();
    }
}
