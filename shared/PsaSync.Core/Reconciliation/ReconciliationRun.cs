using System.Globalization;
using PsaSync.Core.Exceptions;
using PsaSync.Core.Model;
using PsaSync.Core.Telemetry;

namespace PsaSync.Core.Reconciliation;

/// <summary>
/// Collects the drifts of one reconciliation run; what could not be healed becomes an exception item, and the
/// report is stored. Shared by the customer and project reconciliations.
/// </summary>
public sealed class ReconciliationRun(string job, string domain, IExceptionStore exceptions, IReconciliationReports reports, TimeProvider clock, IBusinessTelemetry telemetry)
{
    private readonly List<Drift> _drifts = [];
    private readonly string _runId = string.Create(CultureInfo.InvariantCulture, $"{job}-{clock.GetUtcNow():yyyyMMddHHmmss}-{Guid.NewGuid():N}")[..48];

    private readonly List<BillingPosition> _positions = [];

    public void Healed(RecordRef record, DriftKind kind, string detail) => _drifts.Add(new Drift(record, kind, detail, true));

    /// <summary>Records a drift nobody can heal automatically and raises it as an exception item (<see cref="ReasonCodes.ReconciliationDrift"/> unless a more precise reason fits).</summary>
    public async Task LeftForAPersonAsync(RecordRef record, DriftKind kind, string detail, CancellationToken cancellationToken, ReasonCode? reason = null, string? period = null)
    {
        _drifts.Add(new Drift(record, kind, detail, false) { Period = period });
        await exceptions.RaiseAsync(new NewException(reason ?? ReasonCodes.ReconciliationDrift, detail, domain, record, _runId, null), cancellationToken);
    }

    public void Compared(BillingPosition position) => _positions.Add(position);

    public async Task<string> CompleteAsync(int recordsCompared, CancellationToken cancellationToken)
    {
        var report = new ReconciliationReport(job, _runId, clock.GetUtcNow(), recordsCompared, _drifts) { Positions = _positions };
        await reports.SaveAsync(report, cancellationToken);
        telemetry.ReconciliationCompleted(report);
        return report.Summary;
    }
}
