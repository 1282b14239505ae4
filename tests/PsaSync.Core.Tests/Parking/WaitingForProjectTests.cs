using NSubstitute;
using PsaSync.Core.Events;
using PsaSync.Core.Exceptions;
using PsaSync.Core.Messaging;
using PsaSync.Core.Model;
using PsaSync.Core.Parking;
using PsaSync.Core.Ports;
using PsaSync.Core.Tests.MasterData;
using PsaSync.Core.Tests.Support;
using PsaSync.Core.TimeExpense;
using PsaSync.Core.Tracing;
using static PsaSync.Core.Tests.TimeExpense.ExpenseAndMilestoneTestData;

namespace PsaSync.Core.Tests.Parking;

/// <summary>
/// Time, expenses and milestones that arrive before their project is in the ERP wait for it (sequencing by parking)
/// and continue by themselves once project setup has created it, over one shared parking lot.
/// </summary>
public class WaitingForProjectTests
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly MasterDataHarness _h = new();
    private readonly InMemoryLedger _ledger = new();
    private readonly InMemoryPendingCostPostings _pending = new();

    /// <summary>Within the project's dates (it starts on 2026-04-01).</summary>
    private static readonly TimeEntry Entry = TestData.TimeEntry(workDate: new DateOnly(2026, 4, 6));

    private IEventHandler[] Handlers(IErpConnector? erp = null) =>
    [
        TimeHandlers.Approved(erp ?? _h.Erp, _h.Psa, _h.CrossReferences, _ledger, _pending, _h.Profiles, _h.Support, new CostPostingOptions(), _h.Clock, _h.Parking),
        new ExpenseApprovedHandler(_h.Profiles, _ledger, _h.Parking, _h.Support),
        new MilestoneCompletedHandler(_h.Profiles, _ledger, _h.Parking, _h.Support),
    ];

    private static EventEnvelope[] EarlyRecords() => [TestData.TimeApprovedEnvelope(Entry), Envelope(Expense()), Envelope(Milestone())];

    private async Task<IReadOnlyList<HandlerResult>> HandleAsync(IEnumerable<EventEnvelope> envelopes)
    {
        var handlers = Handlers().ToDictionary(h => h.EventType);
        var results = new List<HandlerResult>();
        foreach (var envelope in envelopes)
        {
            results.Add(await handlers[envelope.Type].HandleAsync(envelope, false, None));
        }
        return results;
    }

    private async Task SetUpProjectAsync(ProjectStatus status = ProjectStatus.Active)
    {
        await _h.SyncCustomerAsync();
        Assert.IsType<HandlerResult.Done>(await _h.HandleProjectAsync(MasterDataTestData.ProjectEnvelope(MasterDataTestData.Project(projectId: TestData.PsaProjectId, status: status))));
    }

    private IEnumerable<EventEnvelope> QueuedAgain() => _h.Publisher.Published.Where(p => p.Queue == QueueNames.TimeExpense).Select(p => p.Envelope);

    [Fact]
    public async Task Time_an_expense_and_a_milestone_of_a_project_not_set_up_yet_each_wait_with_an_item_saying_so()
    {
        var results = await HandleAsync(EarlyRecords());

        Assert.All(results, r => Assert.Equal(new HandlerResult.Parked($"project {TestData.PsaProjectId}"), r));
        Assert.Equal(3, _h.ParkingLot.Items.Count);
        Assert.All(_h.ParkingLot.Items, item =>
        {
            Assert.Equal(ParentKeys.Project(TestData.PsaProjectId), item.ParentKey);
            Assert.Equal(QueueNames.TimeExpense, item.Queue);
            Assert.Equal(ReasonCodes.ProjectNotInErp.Code, item.TimeoutReasonCode);
        });
        var waiting = _h.Exceptions.Open;
        Assert.Equal(3, waiting.Count);
        Assert.All(waiting, item => Assert.Equal(ReasonCodes.WaitingForProject.Code, item.ReasonCode));
        Assert.Empty(_ledger.Entries);
        Assert.Empty(await _pending.ListOpenAsync(10, None));
        Assert.Empty(_h.Publisher.Published);
    }

    [Fact]
    public async Task Once_project_setup_has_created_the_project_what_waited_is_queued_again_and_goes_through()
    {
        await HandleAsync(EarlyRecords());

        await SetUpProjectAsync();

        Assert.Equal(EarlyRecords().Select(e => e.IdempotencyKey).Order(), QueuedAgain().Select(e => e.IdempotencyKey).Order());
        Assert.Empty(_h.ParkingLot.Items);
        Assert.Contains(_h.CorrelationLog.Entries, e => e.Step == TraceSteps.Redriven && e.Detail.StartsWith("3 parked record(s) waiting for this project", StringComparison.Ordinal));
        var results = await HandleAsync(QueuedAgain());
        Assert.All(results, r => Assert.IsType<HandlerResult.Done>(r));
        Assert.Single(await _pending.ListOpenAsync(10, None));
        Assert.Equal(2, _ledger.Entries.Count);
    }

    [Fact]
    public async Task A_project_set_up_inactive_in_the_ERP_releases_nothing_because_its_time_would_be_refused()
    {
        await HandleAsync(EarlyRecords());

        await SetUpProjectAsync(ProjectStatus.OnHold);

        Assert.Empty(QueuedAgain());
        Assert.Equal(3, _h.ParkingLot.Items.Count);
    }

    [Fact]
    public async Task When_project_setup_refuses_the_project_what_waits_for_it_is_told_at_once_with_the_item_the_sweep_would_raise()
    {
        await HandleAsync(EarlyRecords());

        // The customer requires a purchase order on every invoice, and the project has none.
        await _h.SyncCustomerAsync(MasterDataTestData.Customer(requiresPurchaseOrder: true));
        var refused = MasterDataTestData.Project(projectId: TestData.PsaProjectId, purchaseOrder: null);
        Assert.IsType<HandlerResult.Rejected>(await _h.HandleProjectAsync(MasterDataTestData.ProjectEnvelope(refused)));

        var waiting = _h.Exceptions.Open.Where(x => x.Domain == QueueNames.TimeExpense).ToList();
        Assert.Equal(3, waiting.Count);
        Assert.All(waiting, x =>
        {
            Assert.Equal(ReasonCodes.ProjectNotInErp.Code, x.ReasonCode);
            Assert.Contains("which PsaSync refused: PROJECT_PO_MISSING", x.Message, StringComparison.Ordinal);
        });
        Assert.Equal(3, _h.ParkingLot.Items.Count);
        Assert.Empty(QueuedAgain());
    }

    [Fact]
    public async Task Time_whose_project_is_created_while_it_is_being_parked_is_queued_again_at_once()
    {
        // The first look finds nothing; by the look after parking, project setup has created the project and already
        // released what it found parked, which did not include this entry yet.
        var erp = Substitute.For<IErpConnector>();
        erp.FindProjectAsync(TestData.PsaProjectId, Arg.Any<CancellationToken>())
            .Returns((ErpProject?)null, new ErpProject(TestData.ErpProjectCode, TestData.PsaProjectId, Active: true));
        var envelope = TestData.TimeApprovedEnvelope(Entry);

        var result = await Handlers(erp)[0].HandleAsync(envelope, false, None);

        Assert.IsType<HandlerResult.Parked>(result);
        Assert.Equal(envelope.IdempotencyKey, Assert.Single(QueuedAgain()).IdempotencyKey);
        Assert.Empty(_h.ParkingLot.Items);
    }
}
