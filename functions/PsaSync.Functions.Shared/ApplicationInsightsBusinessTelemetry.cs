using Microsoft.ApplicationInsights;
using Microsoft.ApplicationInsights.Channel;
using Microsoft.ApplicationInsights.DataContracts;
using PsaSync.Core.Telemetry;

namespace PsaSync.Functions.Shared;

/// <summary>
/// Business telemetry to Application Insights: events as custom events (table customEvents, measurements in
/// customMeasurements), metrics as custom metrics (customMetrics). The correlation id is the operation id, so a
/// record's events line up with its logs and the Functions invocations in the end-to-end view.
/// </summary>
public sealed class ApplicationInsightsBusinessTelemetry(TelemetryClient client) : BusinessTelemetry
{
    protected override void Emit(BusinessSignal signal)
    {
        switch (signal)
        {
            case BusinessEvent e:
                var telemetry = new EventTelemetry(e.Name);
                foreach (var (name, value) in e.Measurements)
                {
                    telemetry.Metrics[name] = value;
                }
                client.TrackEvent(Stamped(telemetry, e));
                break;
            case BusinessMetric m:
                client.TrackMetric(Stamped(new MetricTelemetry { Name = m.Name, Sum = m.Value, Count = 1, Min = m.Value, Max = m.Value }, m));
                break;
        }
    }

    private static T Stamped<T>(T telemetry, BusinessSignal signal)
        where T : ITelemetry, ISupportProperties
    {
        foreach (var (name, value) in signal.Properties)
        {
            telemetry.Properties[name] = value;
        }
        if (signal.CorrelationId is { Length: > 0 } correlationId)
        {
            telemetry.Context.Operation.Id = correlationId;
        }
        return telemetry;
    }
}
