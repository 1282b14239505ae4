using NSubstitute;
using NSubstitute.ExceptionExtensions;
using PsaSync.Core.Events;
using PsaSync.Core.Exceptions;
using PsaSync.Core.Idempotency;
using PsaSync.Core.Messaging;
using PsaSync.Core.Model;
using PsaSync.Core.Parking;
using PsaSync.Core.Tests.Support;
using PsaSync.Core.Tracing;
using static PsaSync.Core.Tests.Support.MasterDataTestData;

namespace PsaSync.Core.Tests.Parking;

public class ParkedEventRedriverTests
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly InMemoryParkingLot _lot = new();
    private readonly RecordingPublisher _publisher = new();
    private readonly InMemoryCorrelationLog _log = new();

    internal static ParkedItem Parked(string customerKey, string projectId, DateTimeOffset? parkedAt = null, string reason = "PROJECT_CUSTOMER_NEVER_SYNCED") =>
        new(ParentKeys.Customer(customerKey), QueueNames.ProjectSetup, QueueNames.ProjectSetup, new RecordRef("psa", "project", projectId),
            $"customer {customerKey}", reason, parkedAt ?? TestData.Now, ProjectEnvelope(Project(projectId: projectId, customerKey: customerKey)));

    private ParkedEventRedriver Redriver(IMessagePublisher? publisher = null) => new(_lot, publisher ?? _publisher, _log, new FakeTimeProvider(TestData.Now));

    [Fact]
    public async Task Each_parked_envelope_of_the_parent_is_published_to_its_queue_and_then_removed()
    {
        var first = Parked("ACC-1", "PRJ-1");
        var second = Parked("ACC-1", "PRJ-2");
        await _lot.ParkAsync(first, None);
        await _lot.ParkAsync(second, None);

        var count = await Redriver().RedriveAsync("customer:ACC-1", None);

        Assert.Equal(2, count);
        Assert.Equal(new[] { (QueueNames.ProjectSetup, first.Envelope.IdempotencyKey), (QueueNames.ProjectSetup, second.Envelope.IdempotencyKey) }.Order(),
            _publisher.Published.Select(p => (p.Queue, p.Envelope.IdempotencyKey)).Order());
        Assert.Equal(["psa:project:PRJ-1:v1", "psa:project:PRJ-2:v1"], _publisher.Published.Select(p => p.Envelope.IdempotencyKey).Order());
        Assert.Empty(_lot.Items);
        Assert.Equal(2, _lot.Removed.Count);
    }

    [Fact]
    public async Task A_parent_with_many_waiting_items_queues_them_in_one_publication_per_queue()
    {
        for (var i = 1; i <= 250; i++)
        {
            await _lot.ParkAsync(Parked("ACC-1", $"PRJ-{i}"), None);
        }
        var publisher = Substitute.For<IMessagePublisher>();

        Assert.Equal(250, await Redriver(publisher).RedriveAsync("customer:ACC-1", None));

        var call = Assert.Single(publisher.ReceivedCalls());
        Assert.Equal(QueueNames.ProjectSetup, call.GetArguments()[0]);
        Assert.Equal(250, ((IReadOnlyList<EventEnvelope>)call.GetArguments()[1]!).Count);
        Assert.Equal(250, _log.Entries.Count);
        Assert.Empty(_lot.Items);
    }

    [Fact]
    public async Task Items_waiting_for_another_parent_stay_parked()
    {
        var other = Parked("ACC-2", "PRJ-3");
        await _lot.ParkAsync(Parked("ACC-1", "PRJ-1"), None);
        await _lot.ParkAsync(other, None);

        await Redriver().RedriveAsync("customer:ACC-1", None);

        Assert.Equal([other], _lot.Items);
        Assert.DoesNotContain(_publisher.Published, p => p.Envelope.IdempotencyKey == other.Envelope.IdempotencyKey);
    }

    [Fact]
    public async Task Nothing_parked_is_nothing_published()
    {
        Assert.Equal(0, await Redriver().RedriveAsync("customer:ACC-1", None));
        Assert.Empty(_publisher.Published);
    }

    [Fact]
    public async Task An_item_is_still_parked_while_it_is_published()
    {
        var item = Parked("ACC-1", "PRJ-1");
        await _lot.ParkAsync(item, None);
        var stillParkedWhilePublishing = false;
        var publisher = Substitute.For<IMessagePublisher>();
        publisher.PublishAsync(default!, default!, default).ReturnsForAnyArgs(_ =>
        {
            stillParkedWhilePublishing = _lot.Items.Contains(item);
            return Task.CompletedTask;
        });

        await Redriver(publisher).RedriveAsync("customer:ACC-1", None);

        Assert.True(stillParkedWhilePublishing);
        Assert.Empty(_lot.Items);
    }

    [Fact]
    public async Task An_item_whose_publish_fails_stays_parked()
    {
        var item = Parked("ACC-1", "PRJ-1");
        await _lot.ParkAsync(item, None);
        var publisher = Substitute.For<IMessagePublisher>();
        publisher.PublishAsync(default!, default!, default).ThrowsAsyncForAnyArgs(new InvalidOperationException("queue down"));

        await Assert.ThrowsAsync<InvalidOperationException>(() => Redriver(publisher).RedriveAsync("customer:ACC-1", None));

        Assert.Equal([item], _lot.Items);
    }

    [Fact]
    public async Task Each_re_drive_is_traced_under_the_parked_envelopes_correlation_id()
    {
        var item = Parked("ACC-1", "PRJ-1");
        await _lot.ParkAsync(item, None);

        await Redriver().RedriveAsync("customer:ACC-1", None);

        var trace = Assert.Single(_log.Entries);
        Assert.Equal(TraceSteps.Redriven, trace.Step);
        Assert.Equal(item.Envelope.CorrelationId, trace.CorrelationId);
        Assert.Equal(item.Record, trace.Record);
        Assert.Equal(QueueNames.ProjectSetup, trace.Domain);
    }
}

public class ParkingSweepJobTests
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly InMemoryParkingLot _lot = new();
    private readonly FakeTimeProvider _clock = new(TestData.Now);
    private readonly InMemoryExceptionStore _exceptions;
    private readonly InMemoryDedupeLedger _dedupe = new();

    public ParkingSweepJobTests() => _exceptions = new InMemoryExceptionStore(_clock);

    private ParkingSweepJob Job() => new(_lot, _exceptions, _dedupe, _clock) { MaxWait = TimeSpan.FromHours(24) };

    [Fact]
    public void It_is_the_parking_sweep_job()
    {
        Assert.Equal("parking-sweep", Job().Name);
    }

    [Fact]
    public async Task Only_items_parked_longer_than_MaxWait_raise_PROJECT_CUSTOMER_NEVER_SYNCED()
    {
        var overdue = ParkedEventRedriverTests.Parked("ACC-1", "PRJ-OLD", parkedAt: TestData.Now.AddHours(-25));
        var recent = ParkedEventRedriverTests.Parked("ACC-2", "PRJ-NEW", parkedAt: TestData.Now.AddHours(-23));
        await _lot.ParkAsync(overdue, None);
        await _lot.ParkAsync(recent, None);

        var summary = await Job().RunAsync(None);

        var raised = Assert.Single(_exceptions.Raised);
        Assert.Equal(ReasonCodes.ProjectCustomerNeverSynced, raised.Reason);
        Assert.Equal(new RecordRef("psa", "project", "PRJ-OLD"), raised.SourceRecord);
        Assert.Equal(QueueNames.ProjectSetup, raised.Domain);
        Assert.Equal(overdue.Envelope.CorrelationId, raised.CorrelationId);
        Assert.Equal(overdue.Envelope.IdempotencyKey, raised.IdempotencyKey);
        Assert.Contains("customer ACC-1", raised.Message, StringComparison.Ordinal);
        Assert.StartsWith("1 parked item(s)", summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Overdue_items_stay_parked_so_they_still_continue_when_the_customer_syncs()
    {
        await _lot.ParkAsync(ParkedEventRedriverTests.Parked("ACC-1", "PRJ-OLD", parkedAt: TestData.Now.AddDays(-3)), None);

        await Job().RunAsync(None);

        Assert.Single(_lot.Items);
    }

    [Fact]
    public async Task The_cutoff_is_now_minus_MaxWait()
    {
        var lot = Substitute.For<IParkingLot>();
        lot.ListParkedBeforeAsync(default, default).ReturnsForAnyArgs([]);

        await new ParkingSweepJob(lot, _exceptions, _dedupe, _clock) { MaxWait = TimeSpan.FromHours(6) }.RunAsync(None);

        await lot.Received(1).ListParkedBeforeAsync(TestData.Now.AddHours(-6), Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task An_overdue_item_whose_event_went_through_another_way_is_removed_and_raises_nothing()
    {
        var replayed = ParkedEventRedriverTests.Parked("ACC-1", "PRJ-REPLAYED", parkedAt: TestData.Now.AddDays(-2));
        var waiting = ParkedEventRedriverTests.Parked("ACC-1", "PRJ-WAITING", parkedAt: TestData.Now.AddDays(-2));
        await _lot.ParkAsync(replayed, None);
        await _lot.ParkAsync(waiting, None);
        // An operator replayed the first one after the customer was set up by hand: its key is done.
        var claim = await _dedupe.TryClaimAsync(replayed.Envelope.IdempotencyKey, replayed.Envelope.CorrelationId, TimeSpan.FromMinutes(1), None);
        await _dedupe.RecordOutcomeAsync(claim, DedupeOutcome.Completed, "erp-project:P-1", None);

        var summary = await Job().RunAsync(None);

        Assert.Equal([waiting], _lot.Items);
        Assert.Equal(new RecordRef("psa", "project", "PRJ-WAITING"), Assert.Single(_exceptions.Raised).SourceRecord);
        Assert.Contains("1 went through another way and were removed", summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Running_twice_keeps_one_open_item_per_overdue_project()
    {
        await _lot.ParkAsync(ParkedEventRedriverTests.Parked("ACC-1", "PRJ-OLD", parkedAt: TestData.Now.AddDays(-2)), None);

        await Job().RunAsync(None);
        await Job().RunAsync(None);

        var item = Assert.Single(_exceptions.Open);
        Assert.Equal(2, item.Occurrences);
    }

    [Fact]
    public async Task An_item_with_an_unknown_timeout_reason_falls_back_to_PROJECT_CUSTOMER_NEVER_SYNCED()
    {
        await _lot.ParkAsync(ParkedEventRedriverTests.Parked("ACC-1", "PRJ-OLD", parkedAt: TestData.Now.AddDays(-2), reason: "NO_SUCH_CODE"), None);

        await Job().RunAsync(None);

        Assert.Equal(ReasonCodes.ProjectCustomerNeverSynced, Assert.Single(_exceptions.Raised).Reason);
    }

    [Fact]
    public async Task Nothing_overdue_raises_nothing()
    {
        await _lot.ParkAsync(ParkedEventRedriverTests.Parked("ACC-1", "PRJ-1", parkedAt: TestData.Now.AddMinutes(-5)), None);

        var summary = await Job().RunAsync(None);

        Assert.Empty(_exceptions.Raised);
        Assert.StartsWith("0 parked item(s)", summary, StringComparison.Ordinal);
    }
}
