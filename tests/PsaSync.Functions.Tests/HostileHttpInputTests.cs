using Microsoft.AspNetCore.Http;
using NSubstitute;
using PsaSync.Core.Billing;
using PsaSync.Core.Exceptions;
using PsaSync.Core.Messaging;
using PsaSync.Core.Operations;
using PsaSync.Core.Tracing;
using PsaSync.Hosting;

namespace PsaSync.Functions.Tests;

/// <summary>Issue 17, items 4 and 6: the operations and billing routes refuse bad input with 400 problem+json, never 5xx or a run.</summary>
public class HostileHttpInputTests
{
    private readonly IExceptionStore _exceptions = Substitute.For<IExceptionStore>();
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));
    private readonly RecordingBillingWorkflows _billing = new();

    private OperationsService Operations() =>
        new(_exceptions, Substitute.For<ICorrelationLog>(), Substitute.For<IMessagePublisher>(), _clock);

    private static HttpRequest Request(string query)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "POST";
        context.Request.QueryString = new QueryString(query);
        return context.Request;
    }

    private static void AssertProblem(JsonHttpResult result, int status)
    {
        Assert.Equal(status, result.StatusCode);
        Assert.Equal(Core.Ingress.Problem.ContentType, result.ContentType);
    }

    [Theory]
    [InlineData("?olderThanHours=1e309")]
    [InlineData("?olderThanHours=NaN")]
    [InlineData("?olderThanHours=Infinity")]
    [InlineData("?olderThanHours=-1")]
    [InlineData("?olderThanHours=99999999")]
    public async Task An_age_filter_that_is_not_a_finite_sensible_number_is_400(string query)
    {
        var result = await OperationsHttp.ListExceptionsAsync(Operations(), Request(query), CancellationToken.None);

        AssertProblem(result, 400);
    }

    [Fact]
    public async Task Replaying_with_no_filter_is_400_and_replays_nothing()
    {
        var result = await OperationsHttp.ReplayManyAsync(Operations(), Request(""), CancellationToken.None);

        AssertProblem(result, 400);
        await _exceptions.DidNotReceiveWithAnyArgs().ListAsync(default!, default);
    }

    [Theory]
    [InlineData("?all=true")]
    [InlineData("?reason=DELIVERY_EXHAUSTED")]
    public async Task Replaying_with_a_filter_or_an_explicit_all_is_accepted(string query)
    {
        _exceptions.ListAsync(default!, default).ReturnsForAnyArgs([]);

        var result = await OperationsHttp.ReplayManyAsync(Operations(), Request(query), CancellationToken.None);

        Assert.Equal(202, result.StatusCode);
    }

    [Theory]
    [InlineData("../../etc")]
    [InlineData("PRJ-1\r\nX-Evil: 1")]
    [InlineData(".hidden")]
    [InlineData("PRJ/1")]
    [InlineData("")]
    public async Task A_project_id_that_is_not_a_plain_id_starts_no_run(string projectId)
    {
        var result = await BillingHttp.StartAsync(_billing, projectId, "2026-11", Request(""), CancellationToken.None, _clock);

        AssertProblem(result, 400);
        Assert.Empty(_billing.Started);
    }

    [Fact]
    public async Task A_project_id_of_5000_characters_starts_no_run()
    {
        var result = await BillingHttp.StartAsync(_billing, new string('P', 5_000), "2026-11", Request(""), CancellationToken.None, _clock);

        AssertProblem(result, 400);
        Assert.Empty(_billing.Started);
    }

    [Theory]
    [InlineData("0001-01")]
    [InlineData("9999-12")]
    [InlineData("2027-02")]
    [InlineData("2016-11")]
    [InlineData("2026-1")]
    public async Task A_period_outside_what_can_be_billed_starts_no_run(string period)
    {
        var result = await BillingHttp.StartAsync(_billing, "PRJ-100", period, Request(""), CancellationToken.None, _clock);

        AssertProblem(result, 400);
        Assert.Equal(BillingHttp.InvalidPeriod, ((Core.Ingress.Problem)result.Body).ReasonCode);
        Assert.Empty(_billing.Started);
    }

    [Theory]
    [InlineData("2026-12")]
    [InlineData("2027-01")]
    [InlineData("2016-12")]
    public async Task A_plain_project_and_a_period_in_the_window_start_a_run(string period)
    {
        var result = await BillingHttp.StartAsync(_billing, "PRJ-100_a.b", period, Request(""), CancellationToken.None, _clock);

        Assert.Equal(202, result.StatusCode);
        Assert.Single(_billing.Started);
    }

    private sealed class RecordingBillingWorkflows : IBillingWorkflows
    {
        public List<BillingRequest> Started { get; } = [];

        public Task<(bool Started, BillingRunStatus Status)> StartAsync(BillingRequest request, CancellationToken cancellationToken)
        {
            Started.Add(request);
            return Task.FromResult((true, new BillingRunStatus("id", "Pending", null, null)));
        }

        public Task<BillingRunStatus?> GetAsync(BillingRequest request, CancellationToken cancellationToken) => Task.FromResult<BillingRunStatus?>(null);

        public Task<bool> RaiseResolvedAsync(BillingRequest request, CancellationToken cancellationToken) => Task.FromResult(false);
    }
}
