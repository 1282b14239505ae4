using PsaSync.Core.Model;
using PsaSync.Core.Reconciliation;
using PsaSync.Storage;
using PsaSync.Testing;

namespace PsaSync.Storage.Tests;

public sealed class TableReconciliationReportsTests(AzuriteFixture azurite) : AzuriteTestBase(azurite)
{
    private const string Job = "customer-reconciliation";

    private TableReconciliationReports NewReports() => new(Tables);

    private static void AssertSameReport(ReconciliationReport expected, ReconciliationReport? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.Drifts, actual.Drifts);
        Assert.Equal(expected.Positions, actual.Positions);
        Assert.Equal(expected with { Drifts = [], Positions = [] }, actual with { Drifts = [], Positions = [] });
    }

    [Fact]
    public async Task No_report_yet_is_null()
    {
        Assert.Null(await NewReports().LatestAsync(Job, Ct));
    }

    [Fact]
    public async Task Of_two_reports_the_latest_is_the_newer_one_with_its_drifts()
    {
        var older = new ReconciliationReport(Job, "run-older", Clock.GetUtcNow(), 5,
            [new Drift(new RecordRef("erp", "customer", "CUST-00001"), DriftKind.MissingInPsa, "was missing; added", Healed: true)]);
        var newer = new ReconciliationReport(Job, "run-newer", Clock.GetUtcNow().AddHours(1), 7,
        [
            new Drift(new RecordRef("erp", "customer", "CUST-00002"), DriftKind.FieldMismatch, "legal name: ERP 'A', PSA 'B'", Healed: true),
            new Drift(new RecordRef("psa", "customer", "PC-00009"), DriftKind.OrphanInPsa, "no ERP customer", Healed: false),
        ]);
        var reports = NewReports();
        await reports.SaveAsync(older, Ct);
        await reports.SaveAsync(newer, Ct);

        var latest = await NewReports().LatestAsync(Job, Ct);

        AssertSameReport(newer, latest);
        Assert.Equal(1, latest!.Drifts.Count(d => !d.Healed));
    }

    [Fact]
    public async Task The_newer_report_wins_whatever_order_they_were_saved_in()
    {
        var newer = new ReconciliationReport(Job, "run-newer", Clock.GetUtcNow().AddDays(1), 2, []);
        var older = new ReconciliationReport(Job, "run-older", Clock.GetUtcNow(), 3,
            [new Drift(new RecordRef("erp", "customer", "CUST-00001"), DriftKind.MissingInPsa, "added", Healed: true)]);
        var reports = NewReports();
        await reports.SaveAsync(newer, Ct);
        await reports.SaveAsync(older, Ct);

        AssertSameReport(newer, await reports.LatestAsync(Job, Ct));
    }

    [Fact]
    public async Task Reports_of_different_jobs_are_kept_apart()
    {
        var customers = new ReconciliationReport(Job, "run-c", Clock.GetUtcNow(), 1, []);
        var projects = new ReconciliationReport("project-reconciliation", "run-p", Clock.GetUtcNow().AddMinutes(5), 4,
            [new Drift(new RecordRef("psa", "project", "PRJ-1"), DriftKind.StatusMismatch, "OnHold in the PSA", Healed: true)]);
        var reports = NewReports();
        await reports.SaveAsync(customers, Ct);
        await reports.SaveAsync(projects, Ct);

        AssertSameReport(customers, await reports.LatestAsync(Job, Ct));
        AssertSameReport(projects, await reports.LatestAsync("project-reconciliation", Ct));
        Assert.Null(await reports.LatestAsync("parking-sweep", Ct));
    }

    [Fact]
    public async Task A_report_with_many_drifts_is_saved_and_read_back()
    {
        var drifts = Enumerable.Range(1, 60)
            .Select(i => new Drift(new RecordRef("erp", "customer", $"CUST-{i:D5}"), DriftKind.MissingInPsa, $"ERP customer CUST-{i:D5} was missing in the PSA; it was added.", Healed: true))
            .ToList();
        var report = new ReconciliationReport(Job, "run-many", Clock.GetUtcNow(), 60, drifts);

        await NewReports().SaveAsync(report, Ct);

        AssertSameReport(report, await NewReports().LatestAsync(Job, Ct));
    }

    /// <summary>
    /// TableReconciliationReports keeps the drift JSON under 30,000 characters by halving the list until it fits, and
    /// its comment says it should "say how many were left out". It stores the full count in a DriftCount column but
    /// LatestAsync never reads it, so the report read back has only the drifts that fitted and its Summary states the
    /// shortened count: a run with 400 drifts reads back as one with about 100, and nothing says that some are missing.
    /// (Halving keeps the first drifts, so the ones dropped are the last ones, which the jobs add for the orphans left
    /// for a person.)
    /// </summary>
    [Fact]
    public async Task A_report_too_large_for_one_property_still_says_how_many_drifts_the_run_had()
    {
        var drifts = Enumerable.Range(1, 400)
            .Select(i => new Drift(new RecordRef("erp", "customer", $"CUST-{i:D5}"), DriftKind.FieldMismatch,
                $"PSA customer PC-{i:D5} differed from ERP customer CUST-{i:D5} (legal name: ERP 'Contoso {i}', PSA 'Contoso {i} GmbH'); the ERP's data was written.",
                Healed: i <= 390))
            .ToList();
        var report = new ReconciliationReport(Job, "run-large", Clock.GetUtcNow(), 400, drifts);

        await NewReports().SaveAsync(report, Ct);
        var latest = await NewReports().LatestAsync(Job, Ct);

        Assert.NotNull(latest);
        Assert.Equal(400, latest.RecordsCompared);
        Assert.Equal(report.Summary, latest.Summary);
    }

    [Fact]
    public async Task Billing_positions_and_the_period_of_a_drift_are_read_back_drifted_ones_first_when_shortened()
    {
        var reports = NewReports();
        var positions = Enumerable.Range(1, 400)
            .Select(i => new BillingPosition($"PRJ-{i:D4}", "2026-09", 12.5m, 100.10m, 12.5m, 0m, 1250.55m, 1250.55m, 300m, 1188.10m, 3, 1, 0))
            .ToList();
        var drift = new Drift(new RecordRef(SystemNames.Psa, EntityKinds.Project, "PRJ-0400"), DriftKind.AmountMismatch, "differs", Healed: false) { Period = "2026-09" };
        var report = new ReconciliationReport("billing-reconciliation", "run-money", new DateTimeOffset(2026, 10, 6, 5, 30, 0, TimeSpan.Zero), 400, [drift])
        {
            Positions = positions,
        };

        await reports.SaveAsync(report, Ct);
        var read = await reports.LatestAsync("billing-reconciliation", Ct);

        Assert.Equal("2026-09", Assert.Single(read!.Drifts).Period);
        Assert.InRange(read.Positions.Count, 1, 399);
        Assert.Equal("PRJ-0400", read.Positions[0].ProjectId);
        Assert.Equal(positions[^1], read.Positions[0]);
    }
}
