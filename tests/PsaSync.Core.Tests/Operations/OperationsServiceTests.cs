using PsaSync.Core.Events;
using PsaSync.Core.Exceptions;
using PsaSync.Core.Model;
using PsaSync.Core.Operations;
using PsaSync.Core.Tests.Support;
using PsaSync.Core.Tracing;

namespace PsaSync.Core.Tests.Operations;

public sealed class OperationsServiceTests
{
    private readonly FakeTimeProvider _clock = new(TestData.Now);
    private readonly InMemoryExceptionStore _exceptions;
    private readonly InMemoryCorrelationLog _log = new();
    private readonly RecordingPublisher _publisher = new();
    private readonly OperationsService _operations;

    public OperationsServiceTests()
    {
        _exceptions = new InMemoryExceptionStore(_clock);
        _operations = new OperationsService(_exceptions, _log, _publisher, _clock);
    }

    [Fact]
    public async Task Replay_sends_the_failed_event_again_to_its_domain_queue_as_a_new_publication_with_its_original_key()
    {
        var envelope = TestData.TimeApprovedEnvelope();
        var item = await RaiseAsync(envelope);

        var outcome = await _operations.ReplayAsync(item.Id, CancellationToken.None);

        Assert.Equal(ReplayOutcome.Replayed, outcome);
        var (queue, sent) = Assert.Single(_publisher.Published);
        Assert.Equal("time-expense", queue);
        Assert.Equal(envelope.IdempotencyKey, sent.IdempotencyKey);
        Assert.NotEqual(envelope.Id, sent.Id);
        Assert.Contains(_log.Entries, e => e.Step == TraceSteps.Replayed && e.CorrelationId == envelope.CorrelationId);
    }

    [Fact]
    public async Task Replay_refuses_what_is_unknown_resolved_or_has_no_event()
    {
        var resolved = await RaiseAsync(TestData.TimeApprovedEnvelope());
        await _operations.ResolveAsync(resolved.Id, "fixed by hand", CancellationToken.None);
        var drift = await _exceptions.RaiseAsync(new NewException(ReasonCodes.ReconciliationDrift, "differs", "customer-master",
            new RecordRef("erp", "customer", "CUST-1"), "run-1", null), CancellationToken.None);

        Assert.Equal(ReplayOutcome.NotFound, await _operations.ReplayAsync("EX-404", CancellationToken.None));
        Assert.Equal(ReplayOutcome.NotOpen, await _operations.ReplayAsync(resolved.Id, CancellationToken.None));
        Assert.Equal(ReplayOutcome.NothingToReplay, await _operations.ReplayAsync(drift.Id, CancellationToken.None));
        Assert.Empty(_publisher.Published);
    }

    [Fact]
    public async Task ReplayMany_sends_only_the_open_items_the_filter_matches()
    {
        await RaiseAsync(TestData.TimeApprovedEnvelope(TestData.TimeEntry(entryId: "TE-1")), ReasonCodes.DeliveryExhausted);
        await RaiseAsync(TestData.TimeApprovedEnvelope(TestData.TimeEntry(entryId: "TE-2")), ReasonCodes.DeliveryExhausted);
        await RaiseAsync(TestData.TimeApprovedEnvelope(TestData.TimeEntry(entryId: "TE-3")), ReasonCodes.HoursOutOfRange);

        var replayed = await _operations.ReplayManyAsync(new ExceptionQuery(ReasonCode: ReasonCodes.DeliveryExhausted.Code), CancellationToken.None);

        Assert.Equal(2, replayed);
        Assert.Equal(["TE-1", "TE-2"], _publisher.Published.Select(p => RecordRef.Parse(p.Envelope.Subject).Id).Order());
    }

    [Fact]
    public async Task List_keeps_only_items_older_than_asked()
    {
        await RaiseAsync(TestData.TimeApprovedEnvelope(TestData.TimeEntry(entryId: "TE-old")));
        _clock.Advance(TimeSpan.FromHours(5));
        await RaiseAsync(TestData.TimeApprovedEnvelope(TestData.TimeEntry(entryId: "TE-new")));

        var old = await _operations.ListAsync(new ExceptionQuery(), TimeSpan.FromHours(4), CancellationToken.None);

        Assert.Equal("TE-old", Assert.Single(old).SourceRecord.Id);
    }

    private Task<ExceptionItem> RaiseAsync(EventEnvelope envelope, ReasonCode? reason = null) =>
        _exceptions.RaiseAsync(new NewException(reason ?? ReasonCodes.ProjectNotInErp, "project missing", "time-expense",
            RecordRef.Parse(envelope.Subject), envelope.CorrelationId, envelope.IdempotencyKey, envelope), CancellationToken.None);
}
