using System.Globalization;
using PsaSync.Core.Model;

namespace PsaSync.Core.Billing;

public enum LedgerEntryKind
{
    Time,
    Expense,
    Milestone,
}

public enum LedgerEntryState
{
    Unbilled,

    /// <summary>Held by one billing batch while its invoice is being made; released if that fails.</summary>
    Reserved,

    Billed,

    /// <summary>Taken back before it was billed (approval revoked, or replaced by a corrected version): never billed.</summary>
    Reversed,
}

/// <summary>
/// One approved, billable thing waiting to be invoiced: hours of a role on a date, an expense, a milestone.
/// <see cref="EntryKey"/> is unique per source record version, so a redelivery or a replay adds nothing.
/// </summary>
public sealed record LedgerEntry(
    string ProjectId,
    string Period,
    string EntryKey,
    LedgerEntryKind Kind,
    string SourceId,
    DateOnly Date,
    string Description,
    string? Role,
    decimal Quantity,
    decimal Amount,
    string Currency,
    LedgerEntryState State,
    string? BillingBatchId,
    string? InvoiceId,
    string CorrelationId)
{
    public static string PeriodOf(DateOnly date) => date.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);

    public static bool IsPeriod(string value) =>
        DateOnly.TryParseExact(value, "yyyy-MM", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out _);
    public static string TimeEntryKey(TimeEntry entry) => $"time:{entry.EntryId}:v{entry.Version}";

    public static LedgerEntry ForTime(TimeEntry entry, string correlationId) => new(
        entry.ProjectId, PeriodOf(entry.WorkDate), TimeEntryKey(entry), LedgerEntryKind.Time, entry.EntryId, entry.WorkDate,
        string.Create(CultureInfo.InvariantCulture, $"{entry.Role ?? "Time"} {entry.WorkDate:yyyy-MM-dd}"), entry.Role, entry.Hours, 0m, "", LedgerEntryState.Unbilled, null, null, correlationId);

    /// <summary>A billable expense: one unit at the expense amount with the markup applied, rounded to cents away from zero.</summary>
    public static LedgerEntry ForExpense(Expense expense, string correlationId) => new(
        expense.ProjectId, PeriodOf(expense.IncurredOn), $"expense:{expense.ExpenseId}:v{expense.Version}", LedgerEntryKind.Expense, expense.ExpenseId, expense.IncurredOn,
        string.Create(CultureInfo.InvariantCulture, $"{expense.Category} {expense.IncurredOn:yyyy-MM-dd} (receipt {expense.ReceiptReference ?? "none"})"), null, 1m,
        BillableAmount(expense), expense.Currency, LedgerEntryState.Unbilled, null, null, correlationId);

    /// <summary>A completed milestone: one unit at the milestone amount, in the period it was completed.</summary>
    public static LedgerEntry ForMilestone(Milestone milestone, string correlationId) => new(
        milestone.ProjectId, PeriodOf(milestone.CompletedOn), $"milestone:{milestone.MilestoneId}", LedgerEntryKind.Milestone, milestone.MilestoneId, milestone.CompletedOn,
        string.Create(CultureInfo.InvariantCulture, $"Milestone {milestone.Name} {milestone.CompletedOn:yyyy-MM-dd}"), null, 1m, milestone.Amount, milestone.Currency, LedgerEntryState.Unbilled, null, null, correlationId);

    /// <summary>The amount × (1 + markup / 100), rounded to 2 decimals away from zero.</summary>
    public static decimal BillableAmount(Expense expense) =>
        Math.Round(expense.Amount * (1m + expense.MarkupPercent / 100m), 2, MidpointRounding.AwayFromZero);
}

/// <summary>The unbilled ledger: what is approved and not yet invoiced, per project and period.</summary>
public interface IUnbilledLedger
{
    /// <summary>Adds an entry; false when it was already there (a redelivery or a replay).</summary>
    Task<bool> AddAsync(LedgerEntry entry, CancellationToken cancellationToken);

    /// <summary>
    /// Adds several entries and returns the ones that were not there yet. A store that can write many rows in one
    /// request (Table Storage's entity-group transactions) overrides this; the default adds them one by one.
    /// </summary>
    async Task<IReadOnlyList<LedgerEntry>> AddRangeAsync(IReadOnlyList<LedgerEntry> entries, CancellationToken cancellationToken)
    {
        var added = new List<LedgerEntry>(entries.Count);
        foreach (var entry in entries)
        {
            if (await AddAsync(entry, cancellationToken))
            {
                added.Add(entry);
            }
        }
        return added;
    }

    Task<IReadOnlyList<LedgerEntry>> ListAsync(string projectId, string period, CancellationToken cancellationToken);

    /// <summary>Every version of one source record in the ledger, wherever it was booked (a correction may move it to another project or period).</summary>
    Task<IReadOnlyList<LedgerEntry>> ListVersionsAsync(LedgerEntryKind kind, string sourceId, CancellationToken cancellationToken);

    /// <summary>Marks an unbilled entry <see cref="LedgerEntryState.Reversed"/>; false when it is not (or no longer) unbilled.</summary>
    Task<bool> ReverseAsync(LedgerEntry entry, CancellationToken cancellationToken);

    /// <summary>Reserves every unbilled entry for the batch; returns how many the batch holds (a repeat counts them again).</summary>
    Task<int> ReserveAsync(string projectId, string period, string billingBatchId, CancellationToken cancellationToken);

    /// <summary>Gives the batch's reserved entries back (compensation); returns how many.</summary>
    Task<int> ReleaseAsync(string projectId, string period, string billingBatchId, CancellationToken cancellationToken);

    Task<int> MarkBilledAsync(string projectId, string period, string billingBatchId, string invoiceId, CancellationToken cancellationToken);
}

/// <summary>The last project setup PsaSync applied, with the rate card and milestones billing needs.</summary>
public interface IProjectProfiles
{
    Task SaveAsync(Project project, CancellationToken cancellationToken);

    Task<Project?> GetAsync(string projectId, CancellationToken cancellationToken);
}
