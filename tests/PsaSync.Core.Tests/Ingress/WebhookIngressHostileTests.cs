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

/// <summary>Issue 17, items 2, 3 and 4 at the webhook edge: oversized values, half-accepted calls, hostile request ids.</summary>
public class WebhookIngressHostileTests
{
    private const string Route = "psa/time";
    private const string PsaSecret = "psa-shared-secret";

    private readonly IMessagePublisher _publisher = Substitute.For<IMessagePublisher>();
    private readonly ICorrelationLog _correlationLog = Substitute.For<ICorrelationLog>();
    private readonly FakeTimeProvider _clock = new(TestData.Now);

    private Task<IngressResult> AcceptAsync(string body, string? requestId = "req-1") =>
        SignedCalls.Ingress([new SandboxPsaTimeWebhookMapper()], _publisher, _correlationLog, _clock, new Dictionary<string, string> { ["psa"] = PsaSecret }, null)
            .AcceptAsync(SignedCalls.Request(Route, body, PsaSecret, _clock.GetUtcNow(), requestId), CancellationToken.None);

    private static TimeEntry[] Entries(int count, Func<int, TimeEntry>? special = null) =>
        [.. Enumerable.Range(1, count).Select(i => special?.Invoke(i) ?? TestData.TimeEntry(entryId: $"TE-{i:D4}"))];

    [Fact]
    public async Task A_field_of_70000_characters_in_record_120_of_150_is_422_naming_the_field_and_nothing_is_queued()
    {
        var body = WebhookBodies.TimeApproved(Entries(150, i => i == 120 ? TestData.TimeEntry(entryId: "TE-0120", role: new string('r', 70_000)) : TestData.TimeEntry(entryId: $"TE-{i:D4}")));

        var result = await AcceptAsync(body);

        Assert.Equal(422, result.StatusCode);
        Assert.Equal(IngressReasons.FieldTooLong, result.Problem!.ReasonCode);
        Assert.Contains("entry.role", result.Problem.Detail, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("4000", result.Problem.Detail, StringComparison.Ordinal);
        Assert.True(result.Problem.Detail.Length < 500);
        await _publisher.DidNotReceiveWithAnyArgs().PublishAsync(default!, default!, default);
    }

    [Fact]
    public async Task A_record_id_over_1_KiB_is_422_WEBHOOK_ID_TOO_LONG_not_503_and_nothing_is_queued()
    {
        var result = await AcceptAsync(WebhookBodies.TimeApproved(TestData.TimeEntry(entryId: "TE-" + new string('9', 1_100))));

        Assert.Equal(422, result.StatusCode);
        Assert.Equal(IngressReasons.IdTooLong, result.Problem!.ReasonCode);
        Assert.Contains("256", result.Problem.Detail, StringComparison.Ordinal);
        await _publisher.DidNotReceiveWithAnyArgs().PublishAsync(default!, default!, default);
    }

    [Fact]
    public async Task A_queue_failing_after_part_of_the_call_is_queued_says_so_rather_than_nothing_was_accepted()
    {
        _publisher.PublishAsync(default!, default!, default).ReturnsForAnyArgs(
            Task.FromException(new PartiallyPublishedException("time-expense", 100, 150, new InvalidOperationException("boom"))));

        var result = await AcceptAsync(WebhookBodies.TimeApproved(Entries(150)));

        Assert.Equal(503, result.StatusCode);
        Assert.Equal(IngressReasons.PartiallyQueued, result.Problem!.ReasonCode);
        Assert.DoesNotContain("nothing was accepted", result.Problem.Detail, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("req-\u007f")]
    [InlineData("req-é")]
    [InlineData("req with space")]
    [InlineData("req-\r\nSet-Cookie: x")]
    public async Task A_request_id_a_header_cannot_carry_is_replaced_not_echoed(string requestId)
    {
        var result = await AcceptAsync(WebhookBodies.TimeApproved(), requestId);

        Assert.Equal(202, result.StatusCode);
        Assert.NotEqual(requestId, result.RequestId);
        Assert.True(WebhookIngress.IsUsableRequestId(result.RequestId));
    }
}

/// <summary>Issue 17, item 7: an identical signed request sent again inside the window is answered without queueing anything.</summary>
public class WebhookIngressReplayTests
{
    private const string PsaSecret = "psa-shared-secret";

    private readonly IMessagePublisher _publisher = Substitute.For<IMessagePublisher>();
    private readonly FakeTimeProvider _clock = new(TestData.Now);
    private readonly InMemorySeenSignatures _seen = new();

    private WebhookIngress Ingress()
    {
        var limits = new IngressLimits();
        var verifier = new WebhookVerifier(new SettingsWebhookSecretSource(new Dictionary<string, string> { ["psa"] = PsaSecret }), limits, _clock,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<WebhookVerifier>.Instance);
        return new WebhookIngress([new SandboxPsaTimeWebhookMapper()], _publisher, Substitute.For<ICorrelationLog>(), limits, verifier, _clock,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<WebhookIngress>.Instance, _seen);
    }

    [Fact]
    public async Task The_same_signed_request_twice_is_queued_once_and_both_answers_are_202_with_the_same_ids()
    {
        var request = SignedCalls.Request("psa/time", WebhookBodies.TimeApproved(), PsaSecret, _clock.GetUtcNow());

        var first = await Ingress().AcceptAsync(request, CancellationToken.None);
        _clock.Advance(TimeSpan.FromMinutes(4));
        var replay = await Ingress().AcceptAsync(request, CancellationToken.None);

        Assert.Equal(202, first.StatusCode);
        Assert.False(first.Replay);
        Assert.Equal(202, replay.StatusCode);
        Assert.True(replay.Replay);
        Assert.Equal(first.CorrelationIds, replay.CorrelationIds);
        await _publisher.ReceivedWithAnyArgs(1).PublishAsync(default!, default!, default);
    }

    [Fact]
    public async Task A_request_that_was_not_accepted_can_be_sent_again_unchanged()
    {
        var request = SignedCalls.Request("psa/time", WebhookBodies.TimeApproved(), PsaSecret, _clock.GetUtcNow());
        _publisher.PublishAsync(default!, default!, default).ReturnsForAnyArgs(Task.FromException(new InvalidOperationException("queue down")), Task.CompletedTask);

        var refused = await Ingress().AcceptAsync(request, CancellationToken.None);
        var again = await Ingress().AcceptAsync(request, CancellationToken.None);

        Assert.Equal(503, refused.StatusCode);
        Assert.Equal(202, again.StatusCode);
        Assert.False(again.Replay);
    }

    [Fact]
    public async Task A_replay_while_the_first_is_still_being_accepted_is_409_problem()
    {
        var request = SignedCalls.Request("psa/time", WebhookBodies.TimeApproved(), PsaSecret, _clock.GetUtcNow());
        await _seen.ClaimAsync("psa", request.Signature!, _clock.GetUtcNow().AddMinutes(10), CancellationToken.None);

        var replay = await Ingress().AcceptAsync(request, CancellationToken.None);

        Assert.Equal(409, replay.StatusCode);
        Assert.Equal(IngressReasons.Replayed, replay.Problem!.ReasonCode);
        await _publisher.DidNotReceiveWithAnyArgs().PublishAsync(default!, default!, default);
    }

    private sealed class InMemorySeenSignatures : ISeenSignatures
    {
        private readonly Dictionary<string, bool> _seen = [];

        public Task<SignatureSighting> ClaimAsync(string source, string signature, DateTimeOffset expiresAt, CancellationToken cancellationToken)
        {
            lock (_seen)
            {
                if (_seen.TryGetValue(source + signature, out var accepted))
                {
                    return Task.FromResult(accepted ? SignatureSighting.SeenAccepted : SignatureSighting.SeenPending);
                }
                _seen[source + signature] = false;
                return Task.FromResult(SignatureSighting.First);
            }
        }

        public Task MarkAcceptedAsync(string source, string signature, CancellationToken cancellationToken)
        {
            lock (_seen)
            {
                _seen[source + signature] = true;
            }
            return Task.CompletedTask;
        }

        public Task ForgetAsync(string source, string signature, CancellationToken cancellationToken)
        {
            lock (_seen)
            {
                _seen.Remove(source + signature);
            }
            return Task.CompletedTask;
        }
    }
}
