using System.Text.Json;
using System.Text.RegularExpressions;
using NSubstitute;
using PsaSync.Core.Exceptions;
using PsaSync.Core.Idempotency;
using PsaSync.Core.Model;
using PsaSync.Core.Parking;
using PsaSync.Core.Reconciliation;
using PsaSync.Core.Scheduling;
using PsaSync.Infra.Tests.Support;

namespace PsaSync.Infra.Tests;

/// <summary>
/// The workbook and the alert rules use only what the code emits: the message templates of its log calls, their
/// placeholders and logging scopes, the summaries its scheduled jobs write, and (TelemetryTests) its business telemetry.
/// </summary>
public sealed class MonitoringTests
{
    private const string WorkbookPath = "infra/workbook/psasync-operations.json";

    [Fact]
    public void The_workbook_is_an_Application_Insights_workbook_that_parses()
    {
        var text = Repo.Read(WorkbookPath);
        using var workbook = JsonDocument.Parse(text);
        var root = workbook.RootElement;

        Assert.Equal("Notebook/1.0", root.GetProperty("version").GetString());
        var items = root.GetProperty("items").EnumerateArray().ToList();
        var names = items.Select(i => i.GetProperty("name").GetString()).ToList();
        Assert.Equal(names.Count, names.Distinct().Count());
        var queries = items.Where(i => i.GetProperty("type").GetInt32() == 3).Select(i => i.GetProperty("content")).ToList();
        Assert.True(queries.Count >= 5);
        Assert.All(queries, q => Assert.Equal("microsoft.insights/components", q.GetProperty("resourceType").GetString()));
        Assert.All(queries, q => Assert.Equal("TimeRange", q.GetProperty("timeContextFromParameter").GetString()));

        // The Bicep puts the Application Insights resource id in place of the placeholder; loadTextContent reads at most 131,072 characters.
        Assert.Equal(new[] { "__APPLICATION_INSIGHTS_ID__" }, root.GetProperty("fallbackResourceIds").EnumerateArray().Select(e => e.GetString()));
        Assert.True(text.Length < 131_072);
        var deployed = Arm.Single("Microsoft.Insights/workbooks");
        var arguments = ArmExpression.CallArguments(ArmExpression.Normalize(deployed.Properties.GetProperty("serializedData")), "replace");
        Assert.True(arguments is [_, "'__APPLICATION_INSIGHTS_ID__'", _], "The workbook's serializedData is not the file with the Application Insights id put in.");
        Assert.Equal(text, Loaded(deployed, arguments![0]));
        Assert.Equal("resourceId('Microsoft.Insights/components', parameters('applicationInsightsName'))", arguments[2]);
        Assert.Equal(arguments[2], ArmExpression.Normalize(deployed.Properties.GetProperty("sourceId")));
    }

    [Fact]
    public void Every_message_template_a_query_selects_is_logged_by_the_code()
    {
        var logged = CodeFacts.LogTemplates();

        var unknown = Kql.ShippedQueries().SelectMany(q => Kql.MessageTemplates(q.Text).Where(t => !logged.Contains(t)).Select(t => $"{q}: \"{t}\"")).ToList();

        Assert.True(unknown.Count == 0, "Templates no log call writes:\n" + string.Join("\n", unknown));
        // A query on log lines selects them by template; custom events and metrics are selected by name instead.
        Assert.All(Kql.ShippedQueries().Where(q => Kql.Reads(q.Text, "traces") && q.Text.Contains("customDimensions", StringComparison.Ordinal)),
            q => Assert.NotEmpty(Kql.MessageTemplates(q.Text)));
    }

    [Fact]
    public void Every_property_a_query_reads_is_a_placeholder_of_its_templates_or_a_logging_scope()
    {
        var scopes = CodeFacts.ScopeKeys();
        Assert.Contains("Domain", scopes);
        var problems = new List<string>();
        foreach (var query in Kql.ShippedQueries())
        {
            var allowed = new HashSet<string>(Kql.TemplateKeys, StringComparer.Ordinal);
            allowed.UnionWith(scopes);
            allowed.UnionWith(Kql.MessageTemplates(query.Text).SelectMany(CodeFacts.Placeholders));
            if (Kql.Reads(query.Text, "customEvents") || Kql.Reads(query.Text, "customMetrics"))
            {
                allowed.UnionWith(TelemetryCatalogue.Properties);
            }
            problems.AddRange(Kql.Dimensions(query.Text).Where(d => !allowed.Contains(d)).Select(d => $"{query}: {d}"));
        }

        Assert.True(problems.Count == 0, "Properties no template, scope or telemetry catalogue of the queried lines has:\n" + string.Join("\n", problems));
    }

    [Fact]
    public void Every_reason_code_and_event_name_a_query_names_exists_in_the_code()
    {
        var missing = Kql.ShippedQueries()
            .SelectMany(q => Kql.Codes(q.Text).Concat(Kql.ComparedNames(q.Text)).Where(n => !CodeFacts.HasStringLiteral(n)).Select(n => $"{q}: {n}"))
            .ToList();

        Assert.True(missing.Count == 0, string.Join("\n", missing));
    }

    [Fact]
    public async Task Every_number_a_query_extracts_is_in_a_summary_the_jobs_write()
    {
        var summaries = await JobSummariesAsync();

        foreach (var query in Kql.ShippedQueries())
        {
            foreach (var pattern in Kql.ExtractPatterns(query.Text))
            {
                Assert.True(summaries.Any(s => Regex.IsMatch(s, pattern)), $"{query}: extract(@\"{pattern}\") matches no job summary: {string.Join(" | ", summaries)}");
            }
        }
    }

    [Fact]
    public void The_drift_alert_counts_the_drifts_left_for_a_person()
    {
        var query = Repo.Read("infra/alerts/reconciliation-drift.kql");
        var pattern = Assert.Single(Kql.ExtractPatterns(query));
        Assert.Equal(new[] { "Job {Job} finished: {Summary}" }, Kql.MessageTemplates(query));

        Assert.Equal("2", Regex.Match(Report(healed: 1, leftForAPerson: 2).Summary, pattern).Groups[1].Value);
        Assert.Equal("0", Regex.Match(Report(healed: 3, leftForAPerson: 0).Summary, pattern).Groups[1].Value);
        Assert.Contains("| where LeftForAPerson > 0", query, StringComparison.Ordinal);
        // Each drift left for a person is one RECONCILIATION_DRIFT exception item.
        Assert.Contains("ReasonCodes.ReconciliationDrift", Repo.Read("shared/PsaSync.Core/Reconciliation/ReconciliationRun.cs"), StringComparison.Ordinal);
    }

    [Fact]
    public void The_dead_letter_alert_watches_every_dead_letter_the_processor_logs()
    {
        var deadLetterTemplates = CodeFacts.LogTemplates().Where(t => t.StartsWith("Dead-lettered", StringComparison.Ordinal)).ToHashSet(StringComparer.Ordinal);
        Assert.NotEmpty(deadLetterTemplates);

        Assert.Equal(deadLetterTemplates.Order(StringComparer.Ordinal), Kql.MessageTemplates(Repo.Read("infra/alerts/dead-letters.kql")).Order(StringComparer.Ordinal));
        Assert.True(CodeFacts.HasStringLiteral(ReasonCodes.UnreadableMessage.Code));
    }

    [Fact]
    public void Every_alert_query_file_is_deployed_by_an_alert_rule_on_Application_Insights()
    {
        var rules = Arm.OfType("Microsoft.Insights/scheduledQueryRules");
        var deployed = rules.Select(r => Loaded(r, ArmExpression.Normalize(Assert.Single(r.Properties.GetProperty("criteria").GetProperty("allOf").EnumerateArray()).GetProperty("query")))).ToList();

        var files = Repo.Files("infra/alerts", "*.kql").Select(File.ReadAllText).ToList();
        Assert.Equal(files.Order(StringComparer.Ordinal), deployed.Order(StringComparer.Ordinal));
        Assert.All(rules, r => Assert.Equal("resourceId('Microsoft.Insights/components', parameters('applicationInsightsName'))", ArmExpression.Normalize(Assert.Single(r.Properties.GetProperty("scopes").EnumerateArray()))));
        // The dead-letter metric alert watches the namespace the queues are in.
        var metric = Arm.Single("Microsoft.Insights/metricAlerts");
        Assert.Equal("DeadletteredMessages", Assert.Single(metric.Properties.GetProperty("criteria").GetProperty("allOf").EnumerateArray()).GetProperty("metricName").GetString());
    }

    /// <summary>
    /// The text a compiled template holds for a loadTextContent: Bicep puts it in a variable ("variables('$fxv#0')")
    /// of the declaring template, or inline as a literal.
    /// </summary>
    internal static string Loaded(ArmResource resource, string expression)
    {
        if (ArmExpression.CallArguments(expression, "variables") is [var name])
        {
            return resource.Variable(ArmExpression.Literal(name)!).GetString()!;
        }
        return ArmExpression.Literal(expression) ?? throw new Xunit.Sdk.XunitException($"Not loaded text: {expression[..Math.Min(80, expression.Length)]}");
    }

    [Fact]
    public void The_deploy_guide_lists_every_log_template_the_code_writes()
    {
        var guide = Repo.Read("docs/deploy.md");

        var missing = CodeFacts.LogTemplates().Where(t => !guide.Contains(t, StringComparison.Ordinal)).ToList();

        Assert.True(missing.Count == 0, "docs/deploy.md does not list: " + string.Join(" | ", missing));
    }

    [Fact]
    public void Every_log_template_the_deploy_guide_lists_is_written_by_the_code()
    {
        var listed = Regex.Matches(Repo.Read("docs/deploy.md"), @"^\| `(?<template>[^`]+)` \| (?:Trace|Debug|Information|Warning|Error|Critical)\b", RegexOptions.Multiline)
            .Select(m => m.Groups["template"].Value).ToList();
        var logged = CodeFacts.LogTemplates();

        Assert.True(listed.Count >= 10, $"Only {listed.Count} log templates found in docs/deploy.md.");
        var unwritten = listed.Where(t => !logged.Contains(t)).ToList();
        Assert.True(unwritten.Count == 0, "docs/deploy.md lists templates no log call writes: " + string.Join(" | ", unwritten));
    }

    private static ReconciliationReport Report(int healed, int leftForAPerson)
    {
        var record = new RecordRef("erp", "customer", "C-1");
        var drifts = Enumerable.Range(0, healed).Select(_ => new Drift(record, DriftKind.FieldMismatch, "healed", true))
            .Concat(Enumerable.Range(0, leftForAPerson).Select(_ => new Drift(record, DriftKind.OrphanInErp, "left", false)))
            .ToList();
        return new ReconciliationReport(JobNames.CustomerReconciliation, "run-1", DateTimeOffset.UnixEpoch, healed + leftForAPerson + 4, drifts);
    }

    /// <summary>The summaries the scheduled jobs write, produced by the jobs' own code.</summary>
    private static async Task<IReadOnlyList<string>> JobSummariesAsync()
    {
        var parkingLot = Substitute.For<IParkingLot>();
        parkingLot.ListParkedBeforeAsync(Arg.Any<DateTimeOffset>(), Arg.Any<CancellationToken>()).Returns(Task.FromResult<IReadOnlyList<ParkedItem>>([]));
        var sweep = new ParkingSweepJob(parkingLot, Substitute.For<IExceptionStore>(), Substitute.For<IDedupeLedger>(), TimeProvider.System);

        return [Report(healed: 1, leftForAPerson: 2).Summary, await sweep.RunAsync(CancellationToken.None)];
    }
}
