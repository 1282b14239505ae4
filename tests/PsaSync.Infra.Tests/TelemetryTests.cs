using System.Text.RegularExpressions;
using PsaSync.Core.Telemetry;
using PsaSync.Infra.Tests.Support;

namespace PsaSync.Infra.Tests;

/// <summary>
/// The workbook and the alerts query the business telemetry by the names in the code's one catalogue
/// (<see cref="TelemetryNames"/>), and the catalogue has nothing the code does not emit or operations does not see.
/// </summary>
public sealed class TelemetryTests
{
    [Fact]
    public void Every_event_and_metric_name_a_query_uses_is_in_the_catalogue_and_read_from_its_own_table()
    {
        var problems = new List<string>();
        foreach (var query in Kql.ShippedQueries())
        {
            foreach (var name in Kql.TelemetryNames(query.Text))
            {
                if (TelemetryCatalogue.Events.Contains(name))
                {
                    if (!Kql.Reads(query.Text, "customEvents"))
                    {
                        problems.Add($"{query}: event {name} outside customEvents");
                    }
                }
                else if (TelemetryCatalogue.Metrics.Contains(name))
                {
                    if (!Kql.Reads(query.Text, "customMetrics"))
                    {
                        problems.Add($"{query}: metric {name} outside customMetrics");
                    }
                }
                else
                {
                    problems.Add($"{query}: {name} is not in TelemetryNames");
                }
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void The_workbook_shows_every_event_and_metric_of_the_catalogue()
    {
        var queried = Kql.ShippedQueries().Where(q => q.Source.StartsWith("workbook", StringComparison.Ordinal))
            .SelectMany(q => Kql.TelemetryNames(q.Text)).ToHashSet(StringComparer.Ordinal);

        var unseen = TelemetryCatalogue.Events.Concat(TelemetryCatalogue.Metrics).Where(n => !queried.Contains(n)).Order(StringComparer.Ordinal).ToList();

        Assert.True(unseen.Count == 0, "The workbook does not show: " + string.Join(", ", unseen));
    }

    [Fact]
    public void Every_measurement_a_query_reads_is_in_the_catalogue()
    {
        var queries = Kql.ShippedQueries();
        var read = queries.SelectMany(q => Kql.Measurements(q.Text).Select(m => (Query: q, Measurement: m))).ToList();

        Assert.NotEmpty(read);
        Assert.All(read, r => Assert.True(TelemetryCatalogue.Measurements.Contains(r.Measurement), $"{r.Query}: measurement {r.Measurement} is not in TelemetryNames.Measurements"));
    }

    [Fact]
    public void Every_event_type_a_query_filters_on_is_one_the_code_defines()
    {
        var named = Kql.ShippedQueries().SelectMany(q => Kql.EventTypes(q.Text).Select(t => (Query: q, Type: t))).ToList();

        Assert.Contains(named, n => n.Type == Core.Events.TimeApproved.EventType);
        Assert.All(named, n => Assert.True(CodeFacts.HasStringLiteral(n.Type), $"{n.Query}: no code defines event type {n.Type}"));
    }

    [Fact]
    public void Every_name_of_the_catalogue_is_used_by_the_code_that_emits_telemetry()
    {
        var code = string.Concat(CodeFacts.AzureSources().Where(f => !f.EndsWith("TelemetryNames.cs", StringComparison.Ordinal)).Select(File.ReadAllText));
        var groups = new[] { typeof(TelemetryNames.Events), typeof(TelemetryNames.Metrics), typeof(TelemetryNames.Properties), typeof(TelemetryNames.Measurements) };

        var unused = groups.SelectMany(TelemetryCatalogue.References).Where(r => !code.Contains(r, StringComparison.Ordinal)).ToList();

        Assert.True(unused.Count == 0, "Catalogue entries no code uses: " + string.Join(", ", unused));
    }

    [Fact]
    public void The_ERP_429_storm_alert_counts_throttled_calls_per_domain_and_is_deployed_with_a_threshold()
    {
        var query = Repo.Read("infra/alerts/erp-throttle-storm.kql");
        Assert.Equal(new[] { TelemetryNames.Events.ErpThrottled }, Kql.TelemetryNames(query));
        Assert.Contains("| summarize Throttled = sum(itemCount) by Domain", query, StringComparison.Ordinal);

        var rule = Assert.Single(Arm.OfType("Microsoft.Insights/scheduledQueryRules"), r => r.Resource.GetProperty("name").GetString()!.Contains("psasync-erp-throttle-storm-", StringComparison.Ordinal));
        var criterion = Assert.Single(rule.Properties.GetProperty("criteria").GetProperty("allOf").EnumerateArray());
        Assert.Equal(query, MonitoringTests.Loaded(rule, ArmExpression.Normalize(criterion.GetProperty("query"))));
        Assert.Equal("Throttled", criterion.GetProperty("metricMeasureColumn").GetString());
        Assert.Equal("Domain", Assert.Single(criterion.GetProperty("dimensions").EnumerateArray()).GetProperty("name").GetString());
        Assert.Equal("parameters('erpThrottleStormThreshold')", ArmExpression.Normalize(criterion.GetProperty("threshold")));
        Assert.True(rule.Template.GetProperty("parameters").GetProperty("erpThrottleStormThreshold").GetProperty("defaultValue").GetInt32() > 0);
    }
}
