using PsaSync.Core.Model;

namespace PsaSync.Core.Reconciliation;

public enum DriftKind
{
    MissingInPsa,
    MissingInErp,
    FieldMismatch,
    ErpReferenceMissing,
    StatusMismatch,
    OrphanInPsa,
    OrphanInErp,
    DuplicateInPsa,

    /// <summary>Approved billable work that had not reached the ERP when its period's posting window closed.</summary>
    NotPostedWithinSla,

    /// <summary>The ERP's invoice differs in money from what PsaSync billed.</summary>
    AmountMismatch,
}

/// <summary>
/// One disagreement between the systems; <see cref="Healed"/> says whether this run repaired it. <see cref="Period"/>
/// is set for money-level drifts, which are per project and period.
/// </summary>
public sealed record Drift(RecordRef Record, DriftKind Kind, string Detail, bool Healed)
{
    public string? Period { get; init; }
}

/// <summary>
/// Where one project stands for one period, three ways: approved in the PSA, carried by PsaSync (ledger), invoiced and
/// paid in the ERP; with the ledger's counts by transaction type.
/// </summary>
public sealed record BillingPosition(
    string ProjectId,
    string Period,
    decimal PsaApprovedHours,
    decimal PsaApprovedExpenses,
    decimal LedgerHours,
    decimal LedgerUnbilledHours,
    decimal BilledNet,
    decimal ErpInvoicedNet,
    decimal ErpPaid,
    decimal ErpOpen,
    int TimeEntries,
    int Expenses,
    int Milestones);

/// <summary>
/// One run's result. <see cref="Drifts"/> may be a shortened list when a run found very many (storage keeps what
/// fits, the ones left for a person first); <see cref="DriftTotal"/> and <see cref="HealedTotal"/> are always the run's own counts.
/// </summary>
public sealed record ReconciliationReport(string Job, string RunId, DateTimeOffset RanAt, int RecordsCompared, IReadOnlyList<Drift> Drifts)
{
    public int DriftTotal { get; init; } = Drifts.Count;

    public int HealedTotal { get; init; } = Drifts.Count(d => d.Healed);

    /// <summary>The money-level positions the run compared (billing reconciliation only), drifted ones first when shortened.</summary>
    public IReadOnlyList<BillingPosition> Positions { get; init; } = [];

    public string Summary =>
        $"{Job}: {RecordsCompared} compared, {DriftTotal} drift(s), {HealedTotal} healed, {DriftTotal - HealedTotal} left for a person.";
}

/// <summary>Where reconciliation results are kept for operations to read.</summary>
public interface IReconciliationReports
{
    Task SaveAsync(ReconciliationReport report, CancellationToken cancellationToken);

    Task<ReconciliationReport?> LatestAsync(string job, CancellationToken cancellationToken);
}
