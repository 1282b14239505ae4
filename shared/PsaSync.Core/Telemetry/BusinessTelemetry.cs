using PsaSync.Core.Billing;
using PsaSync.Core.Reconciliation;
using N = PsaSync.Core.Telemetry.TelemetryNames;

namespace PsaSync.Core.Telemetry;

/// <summary>
/// Business telemetry as the core reports it: one typed call per occurrence. Arguments are ids, codes and
/// numbers only, so that no implementation can send a name, a tax id or a secret.
/// </summary>
public interface IBusinessTelemetry
{
    void Received(string domain, string eventType, string correlationId);

    void DuplicateAbsorbed(string domain, string eventType, string correlationId);

    /// <summary>The event was applied; <paramref name="sinceSourceEvent"/> is the time since the source said it happened.</summary>
    void Posted(string domain, string eventType, string correlationId, TimeSpan sinceSourceEvent);

    void Rejected(string domain, string eventType, string reasonCode, string correlationId);

    /// <summary><paramref name="eventType"/> is null when the message could not even be read.</summary>
    void DeadLettered(string domain, string? eventType, string reasonCode, string correlationId);

    void ErpThrottled(string domain, string eventType, TimeSpan? retryAfter, string correlationId);

    /// <summary>Approved billable work entered the unbilled ledger (<paramref name="billed"/> false) or was invoiced (true).</summary>
    void UnbilledChanged(UnbilledChange change, bool billed);

    void ReconciliationCompleted(ReconciliationReport report);

    /// <summary>The open exception items of one reason code, owner and domain, as the exception-backlog job counted them.</summary>
    void ExceptionBacklog(ExceptionBacklogGroup group);
}

/// <summary>Hours and value of one project's ledger entries of one kind in one period.</summary>
public sealed record UnbilledChange(string ProjectId, string Period, LedgerEntryKind Kind, decimal Hours, decimal Value, string Currency, string CorrelationId);

/// <summary>Open exception items of one reason code, owner and domain.</summary>
public sealed record ExceptionBacklogGroup(string ReasonCode, string Owner, string Domain, int Open, double OldestAgeHours);

/// <summary>One thing to send: a custom event (with measurements) or a custom metric (one value).</summary>
public abstract record BusinessSignal(string Name, string? CorrelationId, IReadOnlyDictionary<string, string> Properties);

public sealed record BusinessEvent(string Name, string? CorrelationId, IReadOnlyDictionary<string, string> Properties, IReadOnlyDictionary<string, double> Measurements)
    : BusinessSignal(Name, CorrelationId, Properties);

public sealed record BusinessMetric(string Name, string? CorrelationId, IReadOnlyDictionary<string, string> Properties, double Value)
    : BusinessSignal(Name, CorrelationId, Properties);

/// <summary>
/// Turns the typed calls into <see cref="BusinessSignal"/>s with the catalogue's names, in one place, so that every
/// implementation sends the same names and properties; an implementation only decides where a signal goes.
/// </summary>
public abstract class BusinessTelemetry : IBusinessTelemetry
{
    private static readonly IReadOnlyDictionary<string, double> NoMeasurements = new Dictionary<string, double>();

    protected abstract void Emit(BusinessSignal signal);

    public void Received(string domain, string eventType, string correlationId) =>
        Event(N.Events.Received, correlationId, Processing(domain, eventType));

    public void DuplicateAbsorbed(string domain, string eventType, string correlationId) =>
        Event(N.Events.DuplicateAbsorbed, correlationId, Processing(domain, eventType));

    public void Posted(string domain, string eventType, string correlationId, TimeSpan sinceSourceEvent)
    {
        Event(N.Events.Posted, correlationId, Processing(domain, eventType));
        // A source clock ahead of ours would give a negative latency; zero is the honest floor.
        Emit(new BusinessMetric(N.Metrics.SyncLatencySeconds, correlationId, Processing(domain, eventType), Math.Max(0, sinceSourceEvent.TotalSeconds)));
    }

    public void Rejected(string domain, string eventType, string reasonCode, string correlationId) =>
        Event(N.Events.Rejected, correlationId, With(Processing(domain, eventType), N.Properties.ReasonCode, reasonCode));

    public void DeadLettered(string domain, string? eventType, string reasonCode, string correlationId) =>
        Event(N.Events.DeadLettered, correlationId, With(Processing(domain, eventType ?? ""), N.Properties.ReasonCode, reasonCode));

    public void ErpThrottled(string domain, string eventType, TimeSpan? retryAfter, string correlationId) =>
        Event(N.Events.ErpThrottled, correlationId, Processing(domain, eventType),
            retryAfter is { } wait ? new Dictionary<string, double> { [N.Measurements.RetryAfterSeconds] = wait.TotalSeconds } : NoMeasurements);

    public void UnbilledChanged(UnbilledChange change, bool billed) =>
        Event(billed ? N.Events.UnbilledBilled : N.Events.UnbilledAdded, change.CorrelationId,
            new Dictionary<string, string>
            {
                [N.Properties.ProjectId] = change.ProjectId,
                [N.Properties.Period] = change.Period,
                [N.Properties.Kind] = change.Kind.ToString(),
                [N.Properties.Currency] = change.Currency,
            },
            new Dictionary<string, double>
            {
                [N.Measurements.Hours] = (double)change.Hours,
                [N.Measurements.Value] = (double)change.Value,
            });

    public void ReconciliationCompleted(ReconciliationReport report) =>
        Event(N.Events.ReconciliationCompleted, report.RunId,
            new Dictionary<string, string> { [N.Properties.Job] = report.Job },
            new Dictionary<string, double>
            {
                [N.Measurements.Compared] = report.RecordsCompared,
                [N.Measurements.Drifts] = report.DriftTotal,
                [N.Measurements.Healed] = report.HealedTotal,
                [N.Measurements.LeftForAPerson] = report.DriftTotal - report.HealedTotal,
            });

    public void ExceptionBacklog(ExceptionBacklogGroup group)
    {
        var properties = new Dictionary<string, string>
        {
            [N.Properties.ReasonCode] = group.ReasonCode,
            [N.Properties.Owner] = group.Owner,
            [N.Properties.Domain] = group.Domain,
        };
        Emit(new BusinessMetric(N.Metrics.OpenExceptions, null, properties, group.Open));
        Emit(new BusinessMetric(N.Metrics.OldestOpenExceptionAgeHours, null, properties, Math.Round(group.OldestAgeHours, 2)));
    }

    private void Event(string name, string correlationId, Dictionary<string, string> properties, IReadOnlyDictionary<string, double>? measurements = null)
    {
        properties[N.Properties.CorrelationId] = correlationId;
        Emit(new BusinessEvent(name, correlationId, properties, measurements ?? NoMeasurements));
    }

    private static Dictionary<string, string> Processing(string domain, string eventType) =>
        new() { [N.Properties.Domain] = domain, [N.Properties.EventType] = eventType };

    private static Dictionary<string, string> With(Dictionary<string, string> properties, string key, string value)
    {
        properties[key] = value;
        return properties;
    }
}
