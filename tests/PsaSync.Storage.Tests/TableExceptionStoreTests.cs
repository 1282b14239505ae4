using PsaSync.Core.Exceptions;
using PsaSync.Core.Model;
using PsaSync.Storage;
using PsaSync.Testing;

namespace PsaSync.Storage.Tests;

public sealed class TableExceptionStoreTests(AzuriteFixture azurite) : AzuriteTestBase(azurite)
{
    private const string Domain = "time-expense";
    private static readonly RecordRef Entry = new(SystemNames.Psa, EntityKinds.TimeEntry, "TE-1001");

    private TableExceptionStore NewStore() => new(Tables, Clock);

    private static NewException Failure(ReasonCode reason, RecordRef? record = null, string domain = Domain, string message = "it failed") =>
        new(reason, message, domain, record ?? Entry, "corr-1", "psa:time-entry:TE-1001:v1");

    [Fact]
    public async Task The_first_raise_opens_an_item_described_by_its_reason()
    {
        var item = await NewStore().RaiseAsync(Failure(ReasonCodes.FiscalPeriodClosed, message: "period 2025-02 closed"), Ct);

        Assert.StartsWith("EX-", item.Id, StringComparison.Ordinal);
        Assert.Equal(ReasonCodes.FiscalPeriodClosed.Code, item.ReasonCode);
        Assert.Equal(ExceptionOwner.FinanceOps, item.Owner);
        Assert.Equal(ReasonCodes.FiscalPeriodClosed.Title, item.Title);
        Assert.Equal(ReasonCodes.FiscalPeriodClosed.HowToFix, item.HowToFix);
        Assert.Equal("period 2025-02 closed", item.Message);
        Assert.Equal(Domain, item.Domain);
        Assert.Equal(Entry, item.SourceRecord);
        Assert.Equal("corr-1", item.CorrelationId);
        Assert.Equal("psa:time-entry:TE-1001:v1", item.IdempotencyKey);
        Assert.Equal(ExceptionStatus.Open, item.Status);
        Assert.Equal(1, item.Occurrences);
        Assert.Equal(Clock.GetUtcNow(), item.FirstSeen);
        Assert.Equal(Clock.GetUtcNow(), item.LastSeen);
        Assert.Null(item.ResolvedAt);
        Assert.Null(item.Resolution);
    }

    [Fact]
    public async Task Raising_the_same_record_and_reason_twice_keeps_one_open_item_with_two_occurrences()
    {
        var store = NewStore();
        var first = await store.RaiseAsync(Failure(ReasonCodes.FiscalPeriodClosed, message: "first"), Ct);
        var firstSeen = Clock.GetUtcNow();
        Clock.Advance(TimeSpan.FromMinutes(3));

        var second = await store.RaiseAsync(Failure(ReasonCodes.FiscalPeriodClosed, message: "second"), Ct);

        Assert.Equal(first.Id, second.Id);
        Assert.Equal(2, second.Occurrences);
        var stored = Assert.Single(await store.ListAsync(new ExceptionQuery(), Ct));
        Assert.Equal(first.Id, stored.Id);
        Assert.Equal(ExceptionStatus.Open, stored.Status);
        Assert.Equal(2, stored.Occurrences);
        Assert.Equal("second", stored.Message);
        Assert.Equal(firstSeen, stored.FirstSeen);
        Assert.Equal(Clock.GetUtcNow(), stored.LastSeen);
    }

    [Fact]
    public async Task A_different_reason_on_the_same_record_is_a_second_item_and_resolving_the_record_resolves_both()
    {
        var store = NewStore();
        var closed = await store.RaiseAsync(Failure(ReasonCodes.FiscalPeriodClosed), Ct);
        var missing = await store.RaiseAsync(Failure(ReasonCodes.ProjectNotInErp), Ct);
        var unrelated = await store.RaiseAsync(Failure(ReasonCodes.FiscalPeriodClosed, new RecordRef(SystemNames.Psa, EntityKinds.TimeEntry, "TE-10010")), Ct);
        Assert.NotEqual(closed.Id, missing.Id);
        Assert.Equal(3, (await store.ListAsync(new ExceptionQuery(Status: ExceptionStatus.Open), Ct)).Count);
        Clock.Advance(TimeSpan.FromHours(1));

        var resolved = await store.ResolveForRecordAsync(Domain, Entry, "posted on retry", Ct);

        Assert.Equal(2, resolved);
        var items = await store.ListAsync(new ExceptionQuery(SourceRecord: Entry), Ct);
        Assert.Equal(2, items.Count);
        Assert.All(items, i =>
        {
            Assert.Equal(ExceptionStatus.Resolved, i.Status);
            Assert.Equal("posted on retry", i.Resolution);
            Assert.Equal(Clock.GetUtcNow(), i.ResolvedAt);
        });
        var stillOpen = Assert.Single(await store.ListAsync(new ExceptionQuery(Status: ExceptionStatus.Open), Ct));
        Assert.Equal(unrelated.Id, stillOpen.Id);
        Assert.Equal(0, await store.ResolveForRecordAsync(Domain, Entry, "again", Ct));
    }

    [Fact]
    public async Task Resolving_is_per_domain()
    {
        var store = NewStore();
        await store.RaiseAsync(Failure(ReasonCodes.ErpRejected, domain: "time-expense"), Ct);
        await store.RaiseAsync(Failure(ReasonCodes.ErpRejected, domain: "invoice-status"), Ct);

        Assert.Equal(1, await store.ResolveForRecordAsync("invoice-status", Entry, "fixed", Ct));

        var open = Assert.Single(await store.ListAsync(new ExceptionQuery(Status: ExceptionStatus.Open), Ct));
        Assert.Equal("time-expense", open.Domain);
    }

    [Fact]
    public async Task Raising_again_after_resolution_reopens_the_item()
    {
        var store = NewStore();
        var first = await store.RaiseAsync(Failure(ReasonCodes.FiscalPeriodClosed), Ct);
        Clock.Advance(TimeSpan.FromHours(1));
        await store.ResolveForRecordAsync(Domain, Entry, "period reopened", Ct);
        Clock.Advance(TimeSpan.FromHours(1));

        var reopened = await store.RaiseAsync(Failure(ReasonCodes.FiscalPeriodClosed, message: "closed again"), Ct);

        Assert.Equal(first.Id, reopened.Id);
        Assert.Equal(ExceptionStatus.Open, reopened.Status);
        Assert.Null(reopened.Resolution);
        Assert.Null(reopened.ResolvedAt);
        var stored = Assert.Single(await store.ListAsync(new ExceptionQuery(), Ct));
        Assert.Equal(ExceptionStatus.Open, stored.Status);
        Assert.Null(stored.Resolution);
        Assert.Null(stored.ResolvedAt);
        Assert.Equal("closed again", stored.Message);
        Assert.Equal(Clock.GetUtcNow(), stored.FirstSeen);
    }

    [Fact]
    public async Task List_filters_by_status_reason_owner_domain_and_source_record()
    {
        var store = NewStore();
        var te2 = new RecordRef(SystemNames.Psa, EntityKinds.TimeEntry, "TE-2");
        var invoice = new RecordRef(SystemNames.Erp, EntityKinds.Invoice, "INV/7");
        var a = await store.RaiseAsync(Failure(ReasonCodes.FiscalPeriodClosed), Ct);               // FinanceOps, time-expense, Entry
        Clock.Advance(TimeSpan.FromSeconds(1));
        var b = await store.RaiseAsync(Failure(ReasonCodes.ProjectNotInErp), Ct);                  // Pmo, time-expense, Entry
        Clock.Advance(TimeSpan.FromSeconds(1));
        var c = await store.RaiseAsync(Failure(ReasonCodes.ProjectNotInErp, te2), Ct);             // Pmo, time-expense, TE-2
        Clock.Advance(TimeSpan.FromSeconds(1));
        var d = await store.RaiseAsync(Failure(ReasonCodes.ErpRejected, invoice, "invoice-status"), Ct); // IntegrationSupport
        await store.ResolveForRecordAsync(Domain, te2, "fixed", Ct);

        async Task<string[]> Ids(ExceptionQuery query) => [.. (await store.ListAsync(query, Ct)).Select(i => i.Id)];

        Assert.Equal([a.Id, b.Id, c.Id, d.Id], await Ids(new ExceptionQuery()));
        Assert.Equal([a.Id, b.Id, d.Id], await Ids(new ExceptionQuery(Status: ExceptionStatus.Open)));
        Assert.Equal([c.Id], await Ids(new ExceptionQuery(Status: ExceptionStatus.Resolved)));
        Assert.Equal([b.Id, c.Id], await Ids(new ExceptionQuery(ReasonCode: ReasonCodes.ProjectNotInErp.Code)));
        Assert.Equal([b.Id, c.Id], await Ids(new ExceptionQuery(Owner: ExceptionOwner.Pmo)));
        Assert.Equal([a.Id], await Ids(new ExceptionQuery(Owner: ExceptionOwner.FinanceOps)));
        Assert.Empty(await Ids(new ExceptionQuery(Owner: ExceptionOwner.Platform)));
        Assert.Equal([d.Id], await Ids(new ExceptionQuery(Domain: "invoice-status")));
        Assert.Equal([a.Id, b.Id, c.Id], await Ids(new ExceptionQuery(Domain: Domain)));
        Assert.Equal([a.Id, b.Id], await Ids(new ExceptionQuery(SourceRecord: Entry)));
        Assert.Equal([d.Id], await Ids(new ExceptionQuery(SourceRecord: invoice)));
        Assert.Equal([b.Id], await Ids(new ExceptionQuery(ReasonCode: ReasonCodes.ProjectNotInErp.Code, Status: ExceptionStatus.Open, Domain: Domain, Owner: ExceptionOwner.Pmo, SourceRecord: Entry)));
    }

    // Regression: RaiseAsync once gave up after five conflicting attempts and lost occurrences.
    [Fact]
    public async Task Ten_concurrent_raises_of_the_same_item_end_as_one_item_with_ten_occurrences()
    {
        var store = NewStore();
        await store.ListAsync(new ExceptionQuery(), Ct); // the table exists before the race

        var raised = await Task.WhenAll(Enumerable.Range(0, 10)
            .Select(_ => Task.Run(() => store.RaiseAsync(Failure(ReasonCodes.ErpRejected), Ct))));

        Assert.Single(raised.Select(i => i.Id).Distinct());
        var item = Assert.Single(await store.ListAsync(new ExceptionQuery(), Ct));
        Assert.Equal(10, item.Occurrences);
        Assert.Equal(Enumerable.Range(1, 10), raised.Select(i => i.Occurrences).Order());
    }

    [Fact]
    public async Task An_item_is_found_and_resolved_by_its_id_and_keeps_the_event_that_failed()
    {
        var store = NewStore();
        var envelope = Core.Events.EventEnvelope.Create(new Core.Events.TimeApproved(
            new TimeEntry("TE-1001", 1, "PRJ-1", "EMP-1", new DateOnly(2026, 10, 1), 8m, true, null)),
            SystemNames.Psa, Entry.ToString(), "psa:time-entry:TE-1001:v1", "corr-1", Clock.GetUtcNow());
        var item = await store.RaiseAsync(Failure(ReasonCodes.ProjectNotInErp) with { Envelope = envelope }, Ct);

        var found = await store.GetAsync(item.Id, Ct);
        var resolved = await store.ResolveAsync(item.Id, "project set up by hand", Ct);
        var resolvedAgain = await store.ResolveAsync(item.Id, "twice", Ct);

        Assert.Equal(envelope.ToJson(), found!.EnvelopeJson);
        Assert.True(resolved);
        Assert.False(resolvedAgain);
        Assert.Null(await store.GetAsync("EX-000000000000", Ct));
        var after = await store.GetAsync(item.Id, Ct);
        Assert.Equal(ExceptionStatus.Resolved, after!.Status);
        Assert.Equal("project set up by hand", after.Resolution);
    }
}
