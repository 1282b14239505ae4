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
}

/// <summary>One disagreement between the systems; <see cref="Healed"/> says whether this run repaired it.</summary>
public sealed record Drift(RecordRef Record, DriftKind Kind, string Detail, bool Healed);

public sealed record ReconciliationReport(string Job, string RunId, DateTimeOffset RanAt, int RecordsCompared, IReadOnlyList<Drift> Drifts)
{
    public string Summary =>
        $"{Job}: {RecordsCompared} compared, {Drifts.Count} drift(s), {Drifts.Count(d => d.Healed)} healed, {Drifts.Count(d => !d.Healed)} left for a person.";
}

/// <summary>Where reconciliation results are kept for operations to read.</summary>
public interface IReconciliationReports
{
    Task SaveAsync(ReconciliationReport report, CancellationToken cancellationToken);

    Task<ReconciliationReport?> LatestAsync(string job, CancellationToken cancellationToken);
}
