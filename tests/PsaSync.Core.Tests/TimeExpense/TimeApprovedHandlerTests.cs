using NSubstitute;
using NSubstitute.ExceptionExtensions;
using PsaSync.Core.CrossReference;
using PsaSync.Core.Events;
using PsaSync.Core.Exceptions;
using PsaSync.Core.Messaging;
using PsaSync.Core.Model;
using PsaSync.Core.Ports;
using PsaSync.Core.Tests.Support;
using PsaSync.Core.TimeExpense;
using PsaSync.Core.Tracing;

namespace PsaSync.Core.Tests.TimeExpense;

public class TimeApprovedHandlerTests
{
    private const string DocumentId = "TL-000042";

    private readonly IErpConnector _erp = Substitute.For<IErpConnector>();
    private readonly IPsaConnector _psa = Substitute.For<IPsaConnector>();
    private readonly ICrossReferenceMap _crossReferences = Substitute.For<ICrossReferenceMap>();
    private readonly IExceptionStore _exceptions = Substitute.For<IExceptionStore>();
    private readonly ICorrelationLog _correlationLog = Substitute.For<ICorrelationLog>();
    private readonly InMemoryLedger _ledger = new();
    private readonly InMemoryProjectProfiles _profiles = new();
    private readonly TimeApprovedHandler _handler;

    public TimeApprovedHandlerTests()
    {
        // These tests cover the per-record path (the baseline); CostPostingTests cover the batched one.
        var options = new CostPostingOptions { Mode = CostPostingMode.PerRecord, WriteParallelism = 1 };
        var clock = new FakeTimeProvider(TestData.Now);
        var support = new HandlerSupport(_exceptions, _correlationLog, clock, new RecordingTelemetry());
        _handler = TimeHandlers.Approved(_erp, _psa, _crossReferences, _ledger, new InMemoryPendingCostPostings(), _profiles, support, options, clock);
        GivenErpProject(active: true);
        _erp.PostTimeAsync(Arg.Any<ErpTimeLine>(), Arg.Any<CancellationToken>())
            .Returns(call => new ErpPosting(DocumentId, call.Arg<ErpTimeLine>().ExternalId));
    }

    private void GivenErpProject(bool active) =>
        _erp.FindProjectAsync(TestData.PsaProjectId, Arg.Any<CancellationToken>())
            .Returns(new ErpProject(TestData.ErpProjectCode, TestData.PsaProjectId, active));

    private Task<HandlerResult> HandleAsync(TimeEntry entry, bool isRedelivery = false) =>
        _handler.HandleAsync(TestData.TimeApprovedEnvelope(entry), isRedelivery, CancellationToken.None);

    private async Task AssertNothingPostedAsync() =>
        await _erp.DidNotReceiveWithAnyArgs().PostTimeAsync(default!, default);

    [Fact]
    public void It_handles_time_approved_events()
    {
        Assert.Equal("psasync.time.approved", _handler.EventType);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1.5")]
    [InlineData("24.5")]
    public async Task Hours_out_of_range_are_rejected_with_an_item_for_the_PMO(string hours)
    {
        var entry = TestData.TimeEntry(entryId: "TE-777", hours: decimal.Parse(hours, System.Globalization.CultureInfo.InvariantCulture));

        var result = await HandleAsync(entry);

        Assert.Equal(new HandlerResult.Rejected("TIME_HOURS_OUT_OF_RANGE"), result);
        var raised = _exceptions.SingleRaised();
        Assert.Equal("TIME_HOURS_OUT_OF_RANGE", raised.Reason.Code);
        Assert.Equal(ExceptionOwner.Pmo, raised.Reason.Owner);
        Assert.Contains("TE-777", raised.Message, StringComparison.Ordinal);
        Assert.Equal(TimeApprovedHandler.Domain, raised.Domain);
        Assert.Equal(new RecordRef("psa", "time-entry", "TE-777"), raised.SourceRecord);
        Assert.Equal(TestData.IdempotencyKeyOf(entry), raised.IdempotencyKey);
        await _erp.DidNotReceiveWithAnyArgs().FindProjectAsync(default!, default);
        await AssertNothingPostedAsync();
    }

    [Theory]
    [InlineData("0.25")]
    [InlineData("24")]
    public async Task Hours_at_the_edges_of_the_range_are_posted(string hours)
    {
        var entry = TestData.TimeEntry(hours: decimal.Parse(hours, System.Globalization.CultureInfo.InvariantCulture));

        var result = await HandleAsync(entry);

        Assert.IsType<HandlerResult.Done>(result);
    }

    [Fact]
    public async Task An_inactive_ERP_project_is_rejected_as_PROJECT_NOT_IN_ERP()
    {
        GivenErpProject(active: false);

        var result = await HandleAsync(TestData.TimeEntry());

        Assert.Equal(new HandlerResult.Rejected("PROJECT_NOT_IN_ERP"), result);
        Assert.Contains("not active", _exceptions.SingleRaised().Message, StringComparison.Ordinal);
        await AssertNothingPostedAsync();
    }

    [Fact]
    public async Task The_happy_path_posts_links_writes_back_and_is_done()
    {
        var entry = TestData.TimeEntry(entryId: "TE-1001", version: 2, hours: 7.5m);
        var envelope = TestData.TimeApprovedEnvelope(entry);

        var result = await _handler.HandleAsync(envelope, isRedelivery: false, CancellationToken.None);

        Assert.Equal(new HandlerResult.Done($"erp-time-line:{DocumentId}"), result);
        await _erp.Received(1).PostTimeAsync(
            new ErpTimeLine("PSA-TE-TE-1001-V2", TestData.ErpProjectCode, entry.ResourceId, entry.WorkDate, 7.5m, entry.Billable, entry.Role, envelope.CorrelationId),
            Arg.Any<CancellationToken>());
        await _crossReferences.Received(1).LinkAsync("time-entry", "psa", "TE-1001", "erp", DocumentId, Arg.Any<CancellationToken>());
        await _psa.Received(1).MarkTimeEntrySyncedAsync("TE-1001", 2, DocumentId, envelope.CorrelationId, Arg.Any<CancellationToken>());
        await _erp.DidNotReceiveWithAnyArgs().FindTimeByExternalIdAsync(default!, default);
        await _exceptions.DidNotReceiveWithAnyArgs().RaiseAsync(default!, default);
        await _correlationLog.Received(1).AppendRangeAsync(Arg.Is<IReadOnlyList<TraceEntry>>(steps =>
            steps.Count == 1 && steps[0].Step == TraceSteps.Posted && steps[0].CorrelationId == envelope.CorrelationId), Arg.Any<CancellationToken>());
        await _correlationLog.Received(1).AppendRangeAsync(Arg.Is<IReadOnlyList<TraceEntry>>(steps =>
            steps.Count == 1 && steps[0].Step == TraceSteps.WrittenBack), Arg.Any<CancellationToken>());
    }

    [Fact]
    public void The_ERP_external_id_is_derived_from_entry_and_version()
    {
        Assert.Equal("PSA-TE-TE-9-V4", TimeApprovedHandler.ErpExternalId(TestData.TimeEntry(entryId: "TE-9", version: 4)));
    }

    [Fact]
    public async Task On_a_redelivery_an_existing_ERP_line_is_found_and_not_posted_again()
    {
        var entry = TestData.TimeEntry(entryId: "TE-1001", version: 1);
        _erp.FindTimeByExternalIdAsync("PSA-TE-TE-1001-V1", Arg.Any<CancellationToken>()).Returns(new ErpPosting("TL-000009", "PSA-TE-TE-1001-V1"));

        var result = await HandleAsync(entry, isRedelivery: true);

        Assert.Equal(new HandlerResult.Done("erp-time-line:TL-000009"), result);
        await AssertNothingPostedAsync();
        await _crossReferences.Received(1).LinkAsync("time-entry", "psa", "TE-1001", "erp", "TL-000009", Arg.Any<CancellationToken>());
        await _psa.Received(1).MarkTimeEntrySyncedAsync("TE-1001", 1, "TL-000009", Arg.Any<string>(), Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task On_a_redelivery_without_an_existing_ERP_line_it_posts_after_looking()
    {
        _erp.FindTimeByExternalIdAsync(Arg.Any<string>(), Arg.Any<CancellationToken>()).Returns((ErpPosting?)null);

        var result = await HandleAsync(TestData.TimeEntry(), isRedelivery: true);

        Assert.Equal(new HandlerResult.Done($"erp-time-line:{DocumentId}"), result);
        Received.InOrder(() =>
        {
            _erp.FindTimeByExternalIdAsync("PSA-TE-TE-1001-V1", Arg.Any<CancellationToken>());
            _erp.PostTimeAsync(Arg.Any<ErpTimeLine>(), Arg.Any<CancellationToken>());
        });
    }

    [Fact]
    public async Task ERP_throttling_is_retried_later_with_the_ERPs_Retry_After()
    {
        _erp.PostTimeAsync(Arg.Any<ErpTimeLine>(), Arg.Any<CancellationToken>())
            .ThrowsAsync(new ErpException(ErpFailureKind.Throttled, "429", TimeSpan.FromSeconds(30)));

        var result = await HandleAsync(TestData.TimeEntry());

        var retry = Assert.IsType<HandlerResult.RetryLater>(result);
        Assert.Equal(TimeSpan.FromSeconds(30), retry.After);
        Assert.Contains("Throttled", retry.Reason, StringComparison.Ordinal);
        await _exceptions.DidNotReceiveWithAnyArgs().RaiseAsync(default!, default);
        await _psa.DidNotReceiveWithAnyArgs().MarkTimeEntrySyncedAsync(default!, default, default!, default!, default);
    }

    [Theory]
    [InlineData(ErpFailureKind.Unavailable)]
    [InlineData(ErpFailureKind.Ambiguous)]
    public async Task Other_transient_ERP_failures_are_retried_later(ErpFailureKind kind)
    {
        _erp.PostTimeAsync(Arg.Any<ErpTimeLine>(), Arg.Any<CancellationToken>()).ThrowsAsync(new ErpException(kind, "timeout"));

        var result = await HandleAsync(TestData.TimeEntry());

        Assert.IsType<HandlerResult.RetryLater>(result);
        await _exceptions.DidNotReceiveWithAnyArgs().RaiseAsync(default!, default);
    }

    [Fact]
    public async Task A_closed_ERP_period_is_rejected_as_ERP_PERIOD_CLOSED()
    {
        _erp.PostTimeAsync(Arg.Any<ErpTimeLine>(), Arg.Any<CancellationToken>())
            .ThrowsAsync(new ErpException(ErpFailureKind.PeriodClosed, "Fiscal period 2026-03 is closed for posting."));

        var result = await HandleAsync(TestData.TimeEntry(entryId: "TE-55"));

        Assert.Equal(new HandlerResult.Rejected("ERP_PERIOD_CLOSED"), result);
        var raised = _exceptions.SingleRaised();
        Assert.Equal(ExceptionOwner.FinanceOps, raised.Reason.Owner);
        Assert.Contains("TE-55", raised.Message, StringComparison.Ordinal);
        Assert.Contains("Fiscal period 2026-03 is closed", raised.Message, StringComparison.Ordinal);
        await _psa.DidNotReceiveWithAnyArgs().MarkTimeEntrySyncedAsync(default!, default, default!, default!, default);
    }

    [Fact]
    public async Task Any_other_ERP_refusal_is_rejected_as_ERP_REJECTED()
    {
        _erp.PostTimeAsync(Arg.Any<ErpTimeLine>(), Arg.Any<CancellationToken>())
            .ThrowsAsync(new ErpException(ErpFailureKind.Rejected, "Resource RES-7 is blocked."));

        var result = await HandleAsync(TestData.TimeEntry());

        Assert.Equal(new HandlerResult.Rejected("ERP_REJECTED"), result);
        Assert.Contains("Resource RES-7 is blocked.", _exceptions.SingleRaised().Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_PSA_outage_during_write_back_is_retried_later()
    {
        _psa.MarkTimeEntrySyncedAsync(Arg.Any<string>(), Arg.Any<int>(), Arg.Any<string>(), Arg.Any<string>(), Arg.Any<CancellationToken>())
            .ThrowsAsync(new PsaUnavailableException("503", TimeSpan.FromSeconds(20)));

        var result = await HandleAsync(TestData.TimeEntry());

        var retry = Assert.IsType<HandlerResult.RetryLater>(result);
        Assert.Equal(TimeSpan.FromSeconds(20), retry.After);
        Assert.Contains("PSA", retry.Reason, StringComparison.Ordinal);
        await _exceptions.DidNotReceiveWithAnyArgs().RaiseAsync(default!, default);
    }
}
