using System.Collections.Concurrent;
using PsaSync.Core.Telemetry;

namespace PsaSync.Core.Tests.Support;

/// <summary>Business telemetry that keeps every signal, for tests to look at what the code reported.</summary>
internal sealed class RecordingTelemetry : BusinessTelemetry
{
    private readonly ConcurrentQueue<BusinessSignal> _signals = new();

    public IReadOnlyList<BusinessSignal> Signals => [.. _signals];

    public IReadOnlyList<BusinessEvent> Events(string name) => [.. _signals.OfType<BusinessEvent>().Where(e => e.Name == name)];

    public IReadOnlyList<BusinessMetric> Metrics(string name) => [.. _signals.OfType<BusinessMetric>().Where(m => m.Name == name)];

    protected override void Emit(BusinessSignal signal) => _signals.Enqueue(signal);
}
