using PsaSync.Core.Telemetry;
using N = PsaSync.Core.Telemetry.TelemetryNames;

namespace PsaSync.LocalRuntime.Operations;

/// <summary>Counts of one domain's processing since the runtime started.</summary>
public sealed record DomainThroughput(string Domain, long Received, long Posted, long Rejected, long DuplicatesAbsorbed, long DeadLettered, long ErpThrottled);

/// <summary>How long events of one type took from their source's time until PsaSync applied them.</summary>
public sealed record LatencyFigure(string EventType, long Count, double AverageSeconds, double MaxSeconds);

/// <summary>Approved minus invoiced for one project and period.</summary>
public sealed record UnbilledBacklog(string ProjectId, string Period, string Currency, decimal Hours, decimal Value);

/// <summary>What the operations page shows from telemetry.</summary>
public sealed record TelemetrySnapshot(
    DateTimeOffset Since,
    IReadOnlyList<DomainThroughput> Throughput,
    IReadOnlyDictionary<string, long> RejectedByReason,
    IReadOnlyList<LatencyFigure> Latency,
    IReadOnlyList<UnbilledBacklog> Backlog);

/// <summary>
/// The local runtime's business telemetry: aggregated in memory, for the operations page, since the process started.
/// Reconciliation results and the exception backlog are not kept here: the page reads them from their stores, which
/// survive a restart.
/// </summary>
public sealed class LocalBusinessTelemetry(TimeProvider clock) : BusinessTelemetry
{
    private readonly object _gate = new();
    private readonly DateTimeOffset _since = clock.GetUtcNow();
    private readonly Dictionary<(string Domain, string Event), long> _counts = [];
    private readonly Dictionary<string, long> _rejectedByReason = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (long Count, double Sum, double Max)> _latency = new(StringComparer.Ordinal);
    private readonly Dictionary<(string ProjectId, string Period, string Currency), (decimal Hours, decimal Value)> _backlog = [];

    public TelemetrySnapshot Snapshot()
    {
        lock (_gate)
        {
            var throughput = _counts.Keys.Select(k => k.Domain).Distinct().Order(StringComparer.Ordinal)
                .Select(d => new DomainThroughput(d, Count(d, N.Events.Received), Count(d, N.Events.Posted), Count(d, N.Events.Rejected),
                    Count(d, N.Events.DuplicateAbsorbed), Count(d, N.Events.DeadLettered), Count(d, N.Events.ErpThrottled)))
                .ToList();
            var latency = _latency.OrderBy(l => l.Key, StringComparer.Ordinal)
                .Select(l => new LatencyFigure(l.Key, l.Value.Count, l.Value.Sum / l.Value.Count, l.Value.Max))
                .ToList();
            var backlog = _backlog.Where(b => b.Value.Hours != 0 || b.Value.Value != 0)
                .OrderBy(b => b.Key.ProjectId, StringComparer.Ordinal).ThenBy(b => b.Key.Period, StringComparer.Ordinal)
                .Select(b => new UnbilledBacklog(b.Key.ProjectId, b.Key.Period, b.Key.Currency, b.Value.Hours, b.Value.Value))
                .ToList();
            return new TelemetrySnapshot(_since, throughput, new SortedDictionary<string, long>(_rejectedByReason, StringComparer.Ordinal), latency, backlog);
        }
    }

    protected override void Emit(BusinessSignal signal)
    {
        lock (_gate)
        {
            switch (signal)
            {
                case BusinessEvent { Name: N.Events.UnbilledAdded or N.Events.UnbilledBilled } e:
                    var key = (e.Properties[N.Properties.ProjectId], e.Properties[N.Properties.Period], e.Properties[N.Properties.Currency]);
                    var sign = e.Name == N.Events.UnbilledBilled ? -1m : 1m;
                    var (hours, value) = _backlog.GetValueOrDefault(key);
                    _backlog[key] = (hours + sign * (decimal)e.Measurements[N.Measurements.Hours], value + sign * (decimal)e.Measurements[N.Measurements.Value]);
                    break;
                case BusinessEvent e when e.Properties.TryGetValue(N.Properties.Domain, out var domain):
                    _counts[(domain, e.Name)] = _counts.GetValueOrDefault((domain, e.Name)) + 1;
                    if (e.Name == N.Events.Rejected)
                    {
                        var reason = e.Properties[N.Properties.ReasonCode];
                        _rejectedByReason[reason] = _rejectedByReason.GetValueOrDefault(reason) + 1;
                    }
                    break;
                case BusinessMetric { Name: N.Metrics.SyncLatencySeconds } m:
                    var eventType = m.Properties[N.Properties.EventType];
                    var (count, sum, max) = _latency.GetValueOrDefault(eventType);
                    _latency[eventType] = (count + 1, sum + m.Value, Math.Max(max, m.Value));
                    break;
            }
        }
    }

    private long Count(string domain, string eventName) => _counts.GetValueOrDefault((domain, eventName));
}
