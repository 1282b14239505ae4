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
}

/// <summary>One disagreement between the systems; <see cref="Healed"/> says whether this run repaired it.</summary>
public sealed record Drift(RecordRef Record, DriftKind Kind, string Detail, bool Healed);

/// <summary>
/// One run's result. <see cref="Drifts"/> may be a shortened list when a run found very many (storage keeps what
/// fits, the ones left for a person first); <see cref="DriftTotal"/> and <see cref="HealedTotal"/> are always the run's own counts.
/// </summary>
public sealed record ReconciliationReport(string Job, string RunId, DateTimeOffset RanAt, int RecordsCompared, IReadOnlyList<Drift> Drifts)
{
    public int DriftTotal { get; init; } = Drifts.Count;

    public int HealedTotal { get; init; } = Drifts.Count(d => d.Healed);

    public string Summary =>
        $"{Job}: {RecordsCompared} compared, {DriftTotal} drift(s), {HealedTotal} healed, {DriftTotal - HealedTotal} left for a person.";
}

/// <summary>Where reconciliation results are kept for operations to read.</summary>
public interface IReconciliationReports
{
    Task SaveAsync(ReconciliationReport report, CancellationToken cancellationToken);

    Task<ReconciliationReport?> LatestAsync(string job, CancellationToken cancellationToken);
}
