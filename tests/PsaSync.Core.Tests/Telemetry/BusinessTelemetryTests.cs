using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging.Abstractions;
using NSubstitute;
using PsaSync.Core.Billing;
using PsaSync.Core.Events;
using PsaSync.Core.Exceptions;
using PsaSync.Core.Idempotency;
using PsaSync.Core.MasterData;
using PsaSync.Core.Messaging;
using PsaSync.Core.Model;
using PsaSync.Core.Ports;
using PsaSync.Core.Reconciliation;
using PsaSync.Core.Telemetry;
using PsaSync.Core.Tests.MasterData;
using PsaSync.Core.Tests.Messaging;
using PsaSync.Core.Tests.Support;
using PsaSync.Core.Tracing;
using static PsaSync.Core.Tests.Support.MasterDataTestData;
using N = PsaSync.Core.Telemetry.TelemetryNames;

namespace PsaSync.Core.Tests.Telemetry;

/// <summary>What the core reports as business telemetry, at the processor, handler support, reconciliation and ledger.</summary>
public sealed partial class BusinessTelemetryTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task An_applied_event_is_received_and_posted_with_its_latency_since_the_source_event_and_its_correlation_id()
    {
        var harness = new ProcessorHarness();
        harness.Handler.HandleAsync(Arg.Any<EventEnvelope>(), Arg.Any<bool>(), Arg.Any<CancellationToken>()).Returns(new HandlerResult.Done("ok"));
        var envelope = TestData.TimeApprovedEnvelope() with { Time = TestData.Now.AddMinutes(-90) };

        await harness.ProcessAsync(envelope);

        var received = Assert.Single(harness.Telemetry.Events(N.Events.Received));
        var posted = Assert.Single(harness.Telemetry.Events(N.Events.Posted));
        var latency = Assert.Single(harness.Telemetry.Metrics(N.Metrics.SyncLatencySeconds));
        Assert.Equal(5400, latency.Value);
        Assert.All(new BusinessSignal[] { received, posted, latency }, s =>
        {
            Assert.Equal(envelope.CorrelationId, s.CorrelationId);
            Assert.Equal(ProcessorHarness.Domain, s.Properties[N.Properties.Domain]);
            Assert.Equal(TimeApproved.EventType, s.Properties[N.Properties.EventType]);
        });
        Assert.Equal(envelope.CorrelationId, posted.Properties[N.Properties.CorrelationId]);
        Assert.Empty(harness.Telemetry.Events(N.Events.Rejected));
    }

    [Fact]
    public async Task A_rejection_is_reported_with_its_reason_code_and_a_duplicate_only_as_absorbed()
    {
        var harness = new ProcessorHarness();
        harness.Handler.HandleAsync(Arg.Any<EventEnvelope>(), Arg.Any<bool>(), Arg.Any<CancellationToken>())
            .Returns(new HandlerResult.Rejected(ReasonCodes.HoursOutOfRange.Code));

        await harness.ProcessAsync(TestData.TimeApprovedEnvelope());
        harness.GivenClaim(ClaimStatus.AlreadyCompleted, outcome: "done");
        await harness.ProcessAsync(TestData.TimeApprovedEnvelope(), deliveryCount: 2);

        var rejected = Assert.Single(harness.Telemetry.Events(N.Events.Rejected));
        Assert.Equal(ReasonCodes.HoursOutOfRange.Code, rejected.Properties[N.Properties.ReasonCode]);
        Assert.Single(harness.Telemetry.Events(N.Events.Received));
        Assert.Single(harness.Telemetry.Events(N.Events.DuplicateAbsorbed));
        Assert.Empty(harness.Telemetry.Events(N.Events.Posted));
    }

    [Fact]
    public async Task Exhausted_deliveries_and_unreadable_messages_are_reported_as_dead_letters_with_their_reason()
    {
        var harness = new ProcessorHarness();
        harness.Handler.HandleAsync(Arg.Any<EventEnvelope>(), Arg.Any<bool>(), Arg.Any<CancellationToken>()).Returns(new HandlerResult.RetryLater("ERP down"));

        await harness.ProcessAsync(TestData.TimeApprovedEnvelope(), deliveryCount: harness.Policy.MaxDeliveryCount - 1);
        Assert.Empty(harness.Telemetry.Events(N.Events.DeadLettered));
        await harness.ProcessAsync(TestData.TimeApprovedEnvelope(), deliveryCount: harness.Policy.MaxDeliveryCount);
        await harness.Build().ProcessAsync("{not json", new DeliveryInfo("msg-broken", 1), None);

        Assert.Equal(
            [ReasonCodes.DeliveryExhausted.Code, ReasonCodes.UnreadableMessage.Code],
            harness.Telemetry.Events(N.Events.DeadLettered).Select(e => e.Properties[N.Properties.ReasonCode]));
        Assert.Equal("msg-broken", harness.Telemetry.Events(N.Events.DeadLettered)[1].CorrelationId);
    }

    [Fact]
    public async Task Only_an_ERP_429_is_reported_as_throttling_with_its_retry_after()
    {
        var telemetry = new RecordingTelemetry();
        var support = new HandlerSupport(Substitute.For<IExceptionStore>(), Substitute.For<ICorrelationLog>(), TimeProvider.System, telemetry);
        var envelope = TestData.TimeApprovedEnvelope();
        var record = new RecordRef(SystemNames.Psa, EntityKinds.TimeEntry, "TE-1");

        var throttled = await support.GuardAsync("time-expense", envelope, record, () => throw new ErpException(ErpFailureKind.Throttled, "429", TimeSpan.FromSeconds(12)), None);
        var unavailable = await support.GuardAsync("time-expense", envelope, record, () => throw new ErpException(ErpFailureKind.Unavailable, "503"), None);

        Assert.IsType<HandlerResult.RetryLater>(throttled);
        Assert.IsType<HandlerResult.RetryLater>(unavailable);
        var e = Assert.Single(telemetry.Events(N.Events.ErpThrottled));
        Assert.Equal(12, e.Measurements[N.Measurements.RetryAfterSeconds]);
        Assert.Equal(envelope.CorrelationId, e.CorrelationId);
    }

    [Fact]
    public async Task A_reconciliation_run_reports_its_counts_under_its_run_id()
    {
        var h = new MasterDataHarness();
        var reports = new InMemoryReconciliationReports();
        await h.Erp.CreateCustomerAsync(Draft(Customer(customerKey: "ACC-2")), None);
        await h.Psa.UpsertCustomerAsync(new PsaCustomer(null, "ACC-3", "Orphan Ltd", "GB", "GBP", null, null), None);

        await new CustomerReconciliationJob(h.Erp, h.Psa, h.Exceptions, reports, h.Clock, h.Telemetry).RunAsync(None);

        var report = Assert.Single(reports.Saved);
        var e = Assert.Single(h.Telemetry.Events(N.Events.ReconciliationCompleted));
        Assert.Equal(report.RunId, e.CorrelationId);
        Assert.Equal(report.Job, e.Properties[N.Properties.Job]);
        Assert.Equal(
            [report.RecordsCompared, report.DriftTotal, report.HealedTotal, report.DriftTotal - report.HealedTotal],
            [(int)e.Measurements[N.Measurements.Compared], (int)e.Measurements[N.Measurements.Drifts], (int)e.Measurements[N.Measurements.Healed], (int)e.Measurements[N.Measurements.LeftForAPerson]]);
        Assert.Equal(1, e.Measurements[N.Measurements.LeftForAPerson]);
    }

    [Fact]
    public async Task Telemetry_carries_ids_and_codes_only_never_names_tax_ids_or_free_text()
    {
        // Customers with personal and legal data go through the processor (one synced, one rejected), and a
        // reconciliation meets a PSA customer with a name: none of it may reach a property.
        var h = new MasterDataHarness();
        var processor = new EnvelopeProcessor(QueueNames.CustomerMaster, [h.CustomerHandler()], new InMemoryDedupeLedger(), h.CorrelationLog, h.Exceptions,
            new DeliveryPolicy(), h.Clock, h.Telemetry, NullLogger<EnvelopeProcessor>.Instance);
        var synced = Customer(customerKey: "ACC-10", legalName: "Jane Doe Consulting", taxId: "DE987654321");
        var refused = Customer(customerKey: "ACC-11", legalName: "John Roe Advisory", taxId: "XX-NOT-A-TAX-ID");
        await processor.ProcessAsync(CrmCustomerEnvelope(synced).ToJson(), new DeliveryInfo("m-1", 1), None);
        await processor.ProcessAsync(CrmCustomerEnvelope(refused).ToJson(), new DeliveryInfo("m-2", 1), None);
        await h.Psa.UpsertCustomerAsync(new PsaCustomer(null, "ACC-12", "Private Person Ltd", "GB", "GBP", null, null), None);
        await new CustomerReconciliationJob(h.Erp, h.Psa, h.Exceptions, new InMemoryReconciliationReports(), h.Clock, h.Telemetry).RunAsync(None);
        var ledger = new MeteredUnbilledLedger(new InMemoryLedger(), Remembered(new InMemoryProjectProfiles()), h.Telemetry);
        await ledger.AddAsync(LedgerEntry.ForExpense(new Expense("EX-1", 1, ProjectId, "EMP-1", new DateOnly(2026, 4, 2), "Hotel Jane Doe", 100m, "EUR", true, 0m, "R-1"), "corr-1"), None);

        var signals = h.Telemetry.Signals;
        Assert.Contains(signals, s => s.Name == N.Events.Posted);
        Assert.Contains(signals, s => s.Name == N.Events.Rejected);
        Assert.Contains(signals, s => s.Name == N.Events.ReconciliationCompleted);
        Assert.Contains(signals, s => s.Name == N.Events.UnbilledAdded);
        var catalogue = typeof(N.Properties).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (string)f.GetRawConstantValue()!).ToHashSet();
        foreach (var signal in signals)
        {
            Assert.All(signal.Properties.Keys, k => Assert.Contains(k, catalogue));
            foreach (var value in signal.Properties.Values.Append(signal.CorrelationId ?? ""))
            {
                Assert.Matches(IdOrCode(), value);
                foreach (var secret in new[] { "Jane", "John", "Doe", "Roe", "Private", "Hotel", "DE987654321", "XX-NOT-A-TAX-ID" })
                {
                    Assert.DoesNotContain(secret, value, StringComparison.OrdinalIgnoreCase);
                }
            }
        }
    }

    [Fact]
    public async Task The_metered_ledger_reports_approved_work_once_valued_at_the_rate_card_and_what_leaves_it_invoiced()
    {
        var telemetry = new RecordingTelemetry();
        var profiles = new InMemoryProjectProfiles();
        await profiles.SaveAsync(Project(rateCard: [new RoleRate("Consultant", 150m, new DateOnly(2026, 4, 1)), new RoleRate("Consultant", 160m, new DateOnly(2026, 6, 1))]), None);
        var ledger = new MeteredUnbilledLedger(new InMemoryLedger(), Remembered(profiles), telemetry);
        var june = new TimeEntry("TE-1", 1, ProjectId, "EMP-1", new DateOnly(2026, 6, 3), 7.5m, true, "Consultant");

        Assert.True(await ledger.AddAsync(LedgerEntry.ForTime(june, "corr-1"), None));
        Assert.False(await ledger.AddAsync(LedgerEntry.ForTime(june, "corr-1"), None));
        await ledger.ReserveAsync(ProjectId, "2026-06", "batch-1", None);
        await ledger.MarkBilledAsync(ProjectId, "2026-06", "batch-1", "INV-1", None);
        await ledger.MarkBilledAsync(ProjectId, "2026-06", "batch-1", "INV-1", None);

        var added = Assert.Single(telemetry.Events(N.Events.UnbilledAdded));
        var billed = Assert.Single(telemetry.Events(N.Events.UnbilledBilled));
        Assert.All(new[] { added, billed }, e =>
        {
            Assert.Equal(7.5, e.Measurements[N.Measurements.Hours]);
            Assert.Equal(1200, e.Measurements[N.Measurements.Value]);
            Assert.Equal(["PRJ-1", "2026-06", "Time", "EUR"],
                [e.Properties[N.Properties.ProjectId], e.Properties[N.Properties.Period], e.Properties[N.Properties.Kind], e.Properties[N.Properties.Currency]]);
        });
    }

    [Fact]
    public async Task The_metered_ledger_adds_a_range_through_the_store_and_reports_it_once_per_project_and_period()
    {
        var telemetry = new RecordingTelemetry();
        var profiles = new InMemoryProjectProfiles();
        await profiles.SaveAsync(Project(rateCard: [new RoleRate("Consultant", 150m, new DateOnly(2026, 4, 1))]), None);
        var store = new InMemoryLedger();
        var ledger = new MeteredUnbilledLedger(store, Remembered(profiles), telemetry);
        LedgerEntry Time(string id, int day, int month) =>
            LedgerEntry.ForTime(new TimeEntry(id, 1, ProjectId, "EMP-1", new DateOnly(2026, month, day), 2m, true, "Consultant"), "corr-" + id);
        IReadOnlyList<LedgerEntry> range = [Time("TE-1", 2, 6), Time("TE-2", 3, 6), Time("TE-3", 2, 7)];

        var added = await ledger.AddRangeAsync(range, None);
        var repeated = await ledger.AddRangeAsync(range, None);

        Assert.Equal(3, added.Count);
        Assert.Empty(repeated);
        Assert.Equal(2, (await store.ListAsync(ProjectId, "2026-06", None)).Count);
        var reports = telemetry.Events(N.Events.UnbilledAdded).OrderBy(e => e.Properties[N.Properties.Period], StringComparer.Ordinal).ToList();
        Assert.Equal(["2026-06", "2026-07"], reports.Select(e => e.Properties[N.Properties.Period]));
        Assert.Equal([4d, 2d], reports.Select(e => e.Measurements[N.Measurements.Hours]));
        Assert.Equal([600d, 300d], reports.Select(e => e.Measurements[N.Measurements.Value]));
    }

    [Fact]
    public async Task The_exception_backlog_job_reports_open_items_and_the_oldest_age_per_reason_owner_and_domain()
    {
        var clock = new FakeTimeProvider(TestData.Now);
        var exceptions = new InMemoryExceptionStore(clock);
        var telemetry = new RecordingTelemetry();
        await exceptions.RaiseAsync(new NewException(ReasonCodes.HoursOutOfRange, "m", "time-expense", new RecordRef("psa", "time-entry", "TE-1"), "c1", null), None);
        clock.Advance(TimeSpan.FromHours(3));
        await exceptions.RaiseAsync(new NewException(ReasonCodes.HoursOutOfRange, "m", "time-expense", new RecordRef("psa", "time-entry", "TE-2"), "c2", null), None);
        await exceptions.RaiseAsync(new NewException(ReasonCodes.ProjectNotInErp, "m", "time-expense", new RecordRef("psa", "time-entry", "TE-3"), "c3", null), None);
        await exceptions.ResolveForRecordAsync("time-expense", new RecordRef("psa", "time-entry", "TE-3"), "fixed", None);
        clock.Advance(TimeSpan.FromHours(1));

        var summary = await new ExceptionBacklogJob(exceptions, telemetry, clock).RunAsync(None);

        var open = Assert.Single(telemetry.Metrics(N.Metrics.OpenExceptions));
        var oldest = Assert.Single(telemetry.Metrics(N.Metrics.OldestOpenExceptionAgeHours));
        Assert.Equal(2, open.Value);
        Assert.Equal(4, oldest.Value);
        Assert.Equal([ReasonCodes.HoursOutOfRange.Code, "Pmo", "time-expense"],
            [open.Properties[N.Properties.ReasonCode], open.Properties[N.Properties.Owner], open.Properties[N.Properties.Domain]]);
        Assert.Equal("2 open exception item(s) in 1 group(s); the oldest waited 4 h.", summary);
    }

    /// <summary>Ids, codes, periods and names from the catalogue: no spaces, nothing that reads like prose.</summary>
    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._:\-]*$")]
    private static partial Regex IdOrCode();

    /// <summary>The profiles as the metered ledger reads them, remembering nothing so each test sees its own saves.</summary>
    private static RememberedProjectProfiles Remembered(IProjectProfiles profiles) => new(profiles, TimeSpan.Zero, TimeProvider.System);
}
