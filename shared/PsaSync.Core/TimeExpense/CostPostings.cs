using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using PsaSync.Core.Billing;
using PsaSync.Core.Model;
using PsaSync.Core.Ports;

namespace PsaSync.Core.TimeExpense;

public enum CostPostingMode
{
    /// <summary>The cost posting job aggregates accepted time and posts it in ERP batches (the default).</summary>
    Batched,

    /// <summary>The handler posts each entry in its own ERP request, as a per-record integration does (the benchmark's baseline).</summary>
    PerRecord,
}

public sealed class CostPostingOptions
{
    public CostPostingMode Mode { get; set; } = CostPostingMode.Batched;

    /// <summary>
    /// How long the time handler trusts what it looked up without asking again: an active ERP project, and a project's
    /// last setup (see <see cref="MasterData.RememberedProjectProfiles"/>).
    /// </summary>
    public TimeSpan ProjectLookupCacheDuration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Most accepted entries one run of the cost posting job takes on; the next run takes the rest.</summary>
    public int MaxEntriesPerRun { get; set; } = 100_000;

    /// <summary>PSA status updates after a posting in flight at once (the timeline steps go in batches).</summary>
    public int WriteParallelism { get; set; } = 16;
}

public enum CostPostingState
{
    /// <summary>Accepted, not yet part of an aggregate.</summary>
    Pending,

    /// <summary>Part of the aggregate <see cref="PendingCostPosting.AggregateId"/>, which is (re)posted until the ERP confirms it.</summary>
    Assigned,

    /// <summary>The ERP holds its aggregate line; ledger and PSA are written.</summary>
    Posted,

    /// <summary>The ERP refused its aggregate for a business reason; an exception item says why.</summary>
    Failed,

    /// <summary>
    /// Taken back (approval revoked, or a corrected version replaced it): reversed in the ERP if it was posted, never
    /// posted if it was not. A version written off before it arrived is stored in this state, so its late arrival is a no-op.
    /// </summary>
    Reversed,
}

/// <summary>
/// An approved time entry accepted for cost posting, with the ERP project it books to. <see cref="Key"/> is unique per entry
/// version, so a redelivery or a replay of the same approval adds nothing.
/// </summary>
public sealed record PendingCostPosting(
    TimeEntry Entry,
    string ErpProjectCode,
    string CorrelationId,
    string IdempotencyKey,
    CostPostingState State = CostPostingState.Pending,
    string? AggregateId = null,
    string? ErpDocumentId = null)
{
    public string Key => $"{Entry.EntryId}:v{Entry.Version}";

    public string Period => LedgerEntry.PeriodOf(Entry.WorkDate);
}

/// <summary>Approved time waiting for (or done with) its cost posting.</summary>
public interface IPendingCostPostings
{
    /// <summary>Accepts an entry; false when it was already accepted (a redelivery or a replay).</summary>
    Task<bool> AddAsync(PendingCostPosting posting, CancellationToken cancellationToken);

    /// <summary>
    /// The accepted entry version with <paramref name="key"/> (entry id:vN), if any. Found by the key alone: a correction
    /// may move an entry into another month, and it must still find the version it replaces.
    /// </summary>
    Task<PendingCostPosting?> GetAsync(string key, CancellationToken cancellationToken);

    /// <summary>Entries still <see cref="CostPostingState.Pending"/> or <see cref="CostPostingState.Assigned"/>, at most <paramref name="maxCount"/>.</summary>
    Task<IReadOnlyList<PendingCostPosting>> ListOpenAsync(int maxCount, CancellationToken cancellationToken);

    /// <summary>Stores the new state of each posting (in batch transactions); returns how many transactions that took.</summary>
    Task<int> UpdateAsync(IReadOnlyList<PendingCostPosting> postings, CancellationToken cancellationToken);
}

/// <summary>One ERP cost line: the accepted entries of one project, period, resource, role and billability.</summary>
public sealed record CostAggregate(string AggregateId, IReadOnlyList<PendingCostPosting> Members)
{
    public ErpTimeLine ToErpLine()
    {
        var first = Members[0];
        return new ErpTimeLine(
            AggregateId,
            first.ErpProjectCode,
            first.Entry.ResourceId,
            // The period's latest work date: a date inside the period the line books to.
            Members.Max(m => m.Entry.WorkDate),
            Members.Sum(m => m.Entry.Hours),
            first.Entry.Billable,
            first.Entry.Role,
            $"cost-{AggregateId}");
    }
}

/// <summary>How accepted time becomes ERP cost lines, and how a line gets an id that makes its retry idempotent.</summary>
public static class CostAggregation
{
    /// <summary>
    /// Groups pending entries by project, period, resource, role and billability and gives each group an id derived from
    /// its members, so the same members always post as the same ERP line.
    /// </summary>
    public static IReadOnlyList<CostAggregate> Form(IEnumerable<PendingCostPosting> pending) =>
        [.. pending
            .GroupBy(p => (p.ErpProjectCode, p.Period, p.Entry.ResourceId, p.Entry.Role, p.Entry.Billable))
            .Select(g =>
            {
                var members = g.OrderBy(m => m.Key, StringComparer.Ordinal).ToList();
                var id = AggregateIdOf(g.Key.Period, members.Select(m => m.Key));
                return new CostAggregate(id, [.. members.Select(m => m with { State = CostPostingState.Assigned, AggregateId = id })]);
            })];

    /// <summary>
    /// The days on which one resource's entries add up to more than <see cref="TimeEntry.MaxHoursPerDay"/>: they cannot all
    /// be right, and posting them would put hours in the ERP (and on an invoice) that nobody worked.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<PendingCostPosting>> OverFullDays(IEnumerable<PendingCostPosting> pending) =>
        [.. pending
            .GroupBy(p => (p.Entry.ResourceId, p.Entry.WorkDate))
            .Where(day => day.Sum(p => p.Entry.Hours) > TimeEntry.MaxHoursPerDay)
            .Select(day => (IReadOnlyList<PendingCostPosting>)[.. day.OrderBy(p => p.Key, StringComparer.Ordinal)])];

    /// <summary>Entries already assigned (by an earlier run that did not finish) post again under their stored id.</summary>
    public static IReadOnlyList<CostAggregate> Regroup(IEnumerable<PendingCostPosting> assigned) =>
        [.. assigned.GroupBy(p => p.AggregateId!).Select(g => new CostAggregate(g.Key, [.. g.OrderBy(m => m.Key, StringComparer.Ordinal)]))];

    public static string AggregateIdOf(string period, IEnumerable<string> memberKeys)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n", memberKeys.Order(StringComparer.Ordinal))));
        return string.Create(CultureInfo.InvariantCulture, $"PSA-TA-{period}-{Convert.ToHexStringLower(hash.AsSpan(0, 10))}");
    }
}
