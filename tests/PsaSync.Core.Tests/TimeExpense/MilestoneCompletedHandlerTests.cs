using NSubstitute;
using PsaSync.Core.Billing;
using PsaSync.Core.Exceptions;
using PsaSync.Core.Messaging;
using PsaSync.Core.Model;
using PsaSync.Core.Tests.Support;
using PsaSync.Core.TimeExpense;
using PsaSync.Core.Tracing;
using static PsaSync.Core.Tests.TimeExpense.ExpenseAndMilestoneTestData;

namespace PsaSync.Core.Tests.TimeExpense;

public class MilestoneCompletedHandlerTests
{
    private readonly IExceptionStore _exceptions = Substitute.For<IExceptionStore>();
    private readonly ICorrelationLog _correlationLog = Substitute.For<ICorrelationLog>();
    private readonly InMemoryLedger _ledger = new();
    private readonly InMemoryProjectProfiles _projects = new();
    private readonly MilestoneCompletedHandler _handler;

    public MilestoneCompletedHandlerTests()
    {
        var clock = new FakeTimeProvider(TestData.Now);
        var support = new HandlerSupport(_exceptions, _correlationLog, clock, new RecordingTelemetry());
        _handler = new MilestoneCompletedHandler(_projects, _ledger, new TestParking(support, clock).Parking, support);
        _projects.Projects[TestData.PsaProjectId] = Project();
    }

    private Task<HandlerResult> HandleAsync(Milestone milestone, bool isRedelivery = false) =>
        _handler.HandleAsync(Envelope(milestone), isRedelivery, CancellationToken.None);

    [Fact]
    public void It_handles_milestone_completed_events()
    {
        Assert.Equal("psasync.milestone.completed", _handler.EventType);
    }

    [Fact]
    public async Task A_planned_milestone_is_ledgered_at_its_amount()
    {
        var milestone = Milestone();

        var result = await HandleAsync(milestone);

        Assert.Equal(new HandlerResult.Done("ledger:milestone:MS-1"), result);
        var entry = Assert.Single(_ledger.Entries);
        Assert.Equal(LedgerEntryKind.Milestone, entry.Kind);
        Assert.Equal(20_000m, entry.Amount);
        Assert.Equal(1m, entry.Quantity);
        Assert.Equal("milestone:MS-1", entry.EntryKey);
        Assert.Equal("2026-03", entry.Period);
        Assert.Equal(new DateOnly(2026, 3, 20), entry.Date);
        await _exceptions.DidNotReceiveWithAnyArgs().RaiseAsync(default!, default);
        await _correlationLog.Received(1).AppendAsync(Arg.Is<TraceEntry>(t => t.Step == TraceSteps.Ledgered), Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task A_repeat_adds_nothing_and_is_still_done()
    {
        await HandleAsync(Milestone());

        var again = await HandleAsync(Milestone(), isRedelivery: true);

        Assert.IsType<HandlerResult.Done>(again);
        Assert.Single(_ledger.Entries);
    }

    [Fact]
    public async Task A_milestone_not_in_the_plan_is_one_MILESTONE_NOT_PLANNED()
    {
        var result = await HandleAsync(Milestone(milestoneId: "MS-9"));

        Assert.Equal(new HandlerResult.Rejected("MILESTONE_NOT_PLANNED"), result);
        var raised = _exceptions.SingleRaised();
        Assert.Equal(ReasonCodes.MilestoneNotPlanned, raised.Reason);
        Assert.Equal(new RecordRef("psa", "milestone", "MS-9"), raised.SourceRecord);
        Assert.Contains("MS-9", raised.Message, StringComparison.Ordinal);
        Assert.Empty(_ledger.Entries);
    }

    [Fact]
    public async Task A_milestone_with_another_amount_than_planned_is_one_MILESTONE_NOT_PLANNED()
    {
        var result = await HandleAsync(Milestone(amount: 25_000m));

        Assert.Equal(new HandlerResult.Rejected("MILESTONE_NOT_PLANNED"), result);
        Assert.Contains("20000.00", _exceptions.SingleRaised().Message, StringComparison.Ordinal);
        Assert.Empty(_ledger.Entries);
    }
}
