using PsaSync.Connectors.Sandbox;
using PsaSync.Connectors.Sandbox.Psa;
using PsaSync.Core.Model;
using PsaSync.Core.Ports;
using PsaSync.Core.Tests.Support;

namespace PsaSync.Core.Tests.Sandbox;

public sealed class SandboxPsaApprovalTests : IDisposable
{
    private const string ProjectId = TestData.PsaProjectId;

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "psasync-tests-" + Guid.NewGuid().ToString("N"));

    public SandboxPsaApprovalTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string JournalPath => Path.Combine(_directory, "sandbox-psa.jsonl");

    private static TimeEntry Time(string entryId, decimal hours, DateOnly workDate, int version = 1, bool billable = true, string projectId = ProjectId) =>
        TestData.TimeEntry(entryId, version, hours, projectId, workDate, billable: billable);

    private static Expense Expense(string expenseId, decimal amount, DateOnly incurredOn, int version = 1, bool billable = true,
        string projectId = ProjectId, decimal markupPercent = 10m) =>
        new(expenseId, version, projectId, "RES-7", incurredOn, "Travel", amount, "EUR", billable, markupPercent, "RCPT-" + expenseId);

    private static Task<PsaApprovedTotals> TotalsAsync(SandboxPsa psa, string period, string projectId = ProjectId) =>
        psa.GetApprovedTotalsAsync(projectId, period, CancellationToken.None);

    private static DateOnly Day(int month, int day) => new(2026, month, day);

    [Fact]
    public async Task Approved_totals_sum_the_billable_time_and_expenses_of_the_project_in_the_period()
    {
        var psa = new SandboxPsa(new SandboxFaultOptions());
        psa.RecordApprovedTime(Time("TE-1", 7.5m, Day(3, 2)));
        psa.RecordApprovedTime(Time("TE-2", 4.25m, Day(3, 31)));
        psa.RecordApprovedTime(Time("TE-3", 8m, Day(3, 10), billable: false));
        psa.RecordApprovedTime(Time("TE-4", 6m, Day(4, 1)));
        psa.RecordApprovedTime(Time("TE-5", 5m, Day(2, 28)));
        psa.RecordApprovedTime(Time("TE-6", 3m, Day(3, 10), projectId: "PRJ-200"));
        psa.RecordApprovedExpense(Expense("EX-1", 120.40m, Day(3, 5), markupPercent: 15m));
        psa.RecordApprovedExpense(Expense("EX-2", 80m, Day(3, 31)));
        psa.RecordApprovedExpense(Expense("EX-3", 999m, Day(3, 6), billable: false));
        psa.RecordApprovedExpense(Expense("EX-4", 55m, Day(4, 1)));
        psa.RecordApprovedExpense(Expense("EX-5", 40m, Day(3, 6), projectId: "PRJ-200"));

        Assert.Equal(new PsaApprovedTotals(11.75m, 200.40m, 4), await TotalsAsync(psa, "2026-03"));
        Assert.Equal(new PsaApprovedTotals(6m, 55m, 2), await TotalsAsync(psa, "2026-04"));
        Assert.Equal(new PsaApprovedTotals(3m, 40m, 2), await TotalsAsync(psa, "2026-03", "PRJ-200"));
        Assert.Equal(new PsaApprovedTotals(0m, 0m, 0), await TotalsAsync(psa, "2026-05"));
    }

    [Fact]
    public async Task A_later_version_replaces_the_earlier_one_and_an_older_one_is_ignored()
    {
        var psa = new SandboxPsa(new SandboxFaultOptions());
        psa.RecordApprovedTime(Time("TE-1", 8m, Day(3, 2)));
        psa.RecordApprovedExpense(Expense("EX-1", 100m, Day(3, 5)));

        psa.RecordApprovedTime(Time("TE-1", 6m, Day(4, 2), version: 2));
        psa.RecordApprovedExpense(Expense("EX-1", 90m, Day(3, 5), version: 3));
        psa.RecordApprovedTime(Time("TE-1", 8m, Day(3, 2), version: 1));
        psa.RecordApprovedExpense(Expense("EX-1", 100m, Day(3, 5), version: 2));

        Assert.Equal(new PsaApprovedTotals(0m, 90m, 1), await TotalsAsync(psa, "2026-03"));
        Assert.Equal(new PsaApprovedTotals(6m, 0m, 1), await TotalsAsync(psa, "2026-04"));
        Assert.Equal(2, psa.ApprovedTimeEntries["TE-1"].Version);
        Assert.Equal(3, psa.ApprovedExpenses["EX-1"].Version);
    }

    [Fact]
    public async Task A_revoked_approval_no_longer_counts_and_revoking_an_unknown_entry_does_nothing()
    {
        var psa = new SandboxPsa(new SandboxFaultOptions());
        psa.RecordApprovedTime(Time("TE-1", 8m, Day(3, 2)));
        psa.RecordApprovedTime(Time("TE-2", 2m, Day(3, 3)));

        psa.RevokeApproval("TE-1");
        psa.RevokeApproval("TE-404");

        Assert.Equal(new PsaApprovedTotals(2m, 0m, 1), await TotalsAsync(psa, "2026-03"));
        Assert.Equal(["TE-2"], psa.ApprovedTimeEntries.Keys);

        psa.RecordApprovedTime(Time("TE-1", 7m, Day(3, 2), version: 2));

        Assert.Equal(new PsaApprovedTotals(9m, 0m, 2), await TotalsAsync(psa, "2026-03"));
    }

    [Fact]
    public async Task Pending_expense_approvals_are_zero_unless_set_per_project_and_period()
    {
        var psa = new SandboxPsa(new SandboxFaultOptions());

        Assert.Equal(0, await psa.CountPendingExpenseApprovalsAsync(ProjectId, "2026-03", CancellationToken.None));

        psa.SetPendingExpenseApprovals(ProjectId, "2026-03", 3);
        psa.SetPendingExpenseApprovals(ProjectId, "2026-04", 1);
        psa.SetPendingExpenseApprovals(ProjectId, "2026-04", 0);

        Assert.Equal(3, await psa.CountPendingExpenseApprovalsAsync(ProjectId, "2026-03", CancellationToken.None));
        Assert.Equal(0, await psa.CountPendingExpenseApprovalsAsync(ProjectId, "2026-04", CancellationToken.None));
        Assert.Equal(0, await psa.CountPendingExpenseApprovalsAsync("PRJ-200", "2026-03", CancellationToken.None));
        Assert.Throws<ArgumentOutOfRangeException>(() => psa.SetPendingExpenseApprovals(ProjectId, "2026-03", -1));
    }

    [Fact]
    public async Task During_an_outage_totals_and_pending_approvals_fail_like_every_other_call()
    {
        var psa = new SandboxPsa(new SandboxFaultOptions());
        psa.RecordApprovedTime(Time("TE-1", 8m, Day(3, 2)));
        psa.SetOutage(true);

        await Assert.ThrowsAsync<PsaUnavailableException>(() => TotalsAsync(psa, "2026-03"));
        await Assert.ThrowsAsync<PsaUnavailableException>(() => psa.CountPendingExpenseApprovalsAsync(ProjectId, "2026-03", CancellationToken.None));

        Assert.Equal(2, psa.FaultsInjected[SandboxFault.Outage]);
    }

    [Fact]
    public async Task A_restarted_sandbox_replays_approvals_revocations_and_pending_counts()
    {
        var before = new SandboxPsa(new SandboxFaultOptions(), JournalPath);
        before.RecordApprovedTime(Time("TE-1", 8m, Day(3, 2)));
        before.RecordApprovedTime(Time("TE-1", 5m, Day(3, 2), version: 2));
        before.RecordApprovedTime(Time("TE-2", 2m, Day(3, 3)));
        before.RevokeApproval("TE-2");
        before.RecordApprovedExpense(Expense("EX-1", 42.5m, Day(3, 4)));
        before.SetPendingExpenseApprovals(ProjectId, "2026-03", 2);

        var after = new SandboxPsa(new SandboxFaultOptions(), JournalPath);

        Assert.Equal(new PsaApprovedTotals(5m, 42.5m, 2), await TotalsAsync(after, "2026-03"));
        Assert.Equal(2, await after.CountPendingExpenseApprovalsAsync(ProjectId, "2026-03", CancellationToken.None));
        Assert.Equal(before.ApprovedTimeEntries, after.ApprovedTimeEntries);
        Assert.Equal(before.ApprovedExpenses, after.ApprovedExpenses);
    }
}
