using Microsoft.ApplicationInsights;
using Microsoft.ApplicationInsights.Channel;
using Microsoft.ApplicationInsights.DataContracts;
using Microsoft.ApplicationInsights.Extensibility;
using PsaSync.Core.Billing;
using PsaSync.Core.Telemetry;
using PsaSync.Functions.Shared;
using N = PsaSync.Core.Telemetry.TelemetryNames;

namespace PsaSync.Functions.Tests;

/// <summary>The function apps' business telemetry, as Application Insights receives it (through a capturing channel).</summary>
public sealed class ApplicationInsightsBusinessTelemetryTests : IDisposable
{
    private readonly CapturingChannel _channel = new();
    private readonly TelemetryConfiguration _configuration;
    private readonly ApplicationInsightsBusinessTelemetry _telemetry;

    public ApplicationInsightsBusinessTelemetryTests()
    {
        _configuration = new TelemetryConfiguration { TelemetryChannel = _channel, ConnectionString = "InstrumentationKey=00000000-0000-0000-0000-000000000000" };
        _telemetry = new ApplicationInsightsBusinessTelemetry(new TelemetryClient(_configuration));
    }

    [Fact]
    public void A_posted_event_is_a_custom_event_and_a_latency_metric_both_with_the_correlation_id_as_operation_id()
    {
        _telemetry.Posted("time-expense", "psasync.time.approved", "corr-42", TimeSpan.FromMinutes(3));

        var posted = Assert.Single(_channel.Sent.OfType<EventTelemetry>());
        var latency = Assert.Single(_channel.Sent.OfType<MetricTelemetry>());
        Assert.Equal(N.Events.Posted, posted.Name);
        Assert.Equal(N.Metrics.SyncLatencySeconds, latency.Name);
        Assert.Equal((180d, 1), (latency.Sum, latency.Count));
        Assert.All(new ITelemetry[] { posted, latency }, t => Assert.Equal("corr-42", t.Context.Operation.Id));
        Assert.Equal("time-expense", posted.Properties[N.Properties.Domain]);
        Assert.Equal("psasync.time.approved", latency.Properties[N.Properties.EventType]);
        Assert.Equal("corr-42", posted.Properties[N.Properties.CorrelationId]);
    }

    [Fact]
    public void Measurements_travel_as_the_event_metrics()
    {
        _telemetry.UnbilledChanged(new UnbilledChange("PRJ-1", "2026-10", LedgerEntryKind.Time, 7.5m, 1125m, "EUR", "corr-7"), billed: false);

        var e = Assert.Single(_channel.Sent.OfType<EventTelemetry>());
        Assert.Equal(N.Events.UnbilledAdded, e.Name);
        Assert.Equal(7.5, e.Metrics[N.Measurements.Hours]);
        Assert.Equal(1125, e.Metrics[N.Measurements.Value]);
        Assert.Equal("PRJ-1", e.Properties[N.Properties.ProjectId]);
    }

    [Fact]
    public void A_gauge_without_a_correlation_id_keeps_the_ambient_operation()
    {
        _telemetry.ExceptionBacklog(new ExceptionBacklogGroup("TIME_HOURS_OUT_OF_RANGE", "Pmo", "time-expense", 3, 5.25));

        Assert.Equal([N.Metrics.OpenExceptions, N.Metrics.OldestOpenExceptionAgeHours], _channel.Sent.OfType<MetricTelemetry>().Select(m => m.Name));
        Assert.Equal([3d, 5.25], _channel.Sent.OfType<MetricTelemetry>().Select(m => m.Sum));
        Assert.All(_channel.Sent, t => Assert.Null(t.Context.Operation.Id));
    }

    public void Dispose() => _configuration.Dispose();

    private sealed class CapturingChannel : ITelemetryChannel
    {
        public List<ITelemetry> Sent { get; } = [];

        public bool? DeveloperMode { get; set; }

        public string EndpointAddress { get; set; } = "";

        public void Send(ITelemetry item) => Sent.Add(item);

        public void Flush()
        {
        }

        public void Dispose()
        {
        }
    }
}
