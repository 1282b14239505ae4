using System.Text.Json;
using System.Text.RegularExpressions;
using PsaSync.Core.Messaging;
using PsaSync.Infra.Tests.Support;

namespace PsaSync.Infra.Tests;

/// <summary>
/// The functions the Worker SDK's generator indexed (functions.metadata of each app, built in this test run's profile)
/// are the source of truth: every function's trigger is checked, and host.json, the template's app settings,
/// local.settings.sample.json and the route lists in the docs must agree with them. Nothing here names a function,
/// so the apps may add, rename or remove functions (the billing orchestration's activities, say) freely.
/// </summary>
public sealed partial class FunctionMetadataTests
{
    /// <summary>The trigger types PsaSync's hosts use; a new one needs its infra (connection, roles, settings) decided first.</summary>
    private static readonly IReadOnlySet<string> KnownTriggers = new HashSet<string>(StringComparer.Ordinal)
    {
        "httpTrigger", "serviceBusTrigger", "timerTrigger", "orchestrationTrigger", "activityTrigger", "entityTrigger",
    };

    private static readonly IReadOnlySet<string> DurableTriggers = new HashSet<string>(StringComparer.Ordinal)
    {
        "orchestrationTrigger", "activityTrigger", "entityTrigger",
    };

    private static IEnumerable<(AzdService Service, FunctionInfo Function)> All() =>
        Templates.Services.SelectMany(s => FunctionMetadata.Functions(s.ProjectFolder).Select(f => (s, f)));

    private static IEnumerable<(AzdService Service, FunctionInfo Function)> Http() => All().Where(x => x.Function.TriggerType == "httpTrigger");

    public static TheoryData<string> ServiceNames()
    {
        var data = new TheoryData<string>();
        foreach (var service in Templates.Services)
        {
            data.Add(service.Name);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(ServiceNames))]
    public void Every_function_of_an_app_has_one_known_trigger_and_a_unique_name(string serviceName)
    {
        var service = Assert.Single(Templates.Services, s => s.Name == serviceName);
        var functions = FunctionMetadata.Functions(service.ProjectFolder);

        Assert.All(functions, f => Assert.True(KnownTriggers.Contains(f.TriggerType), $"{f}: trigger {f.TriggerType} has no infra decided."));
        Assert.Equal(functions.Count, functions.Select(f => f.Name).Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.All(functions, f => Assert.StartsWith("PsaSync.Functions.", f.EntryPoint, StringComparison.Ordinal));
    }

    [Fact]
    public void Every_HTTP_function_needs_a_function_key_and_names_its_route_and_methods()
    {
        Assert.NotEmpty(Http());
        foreach (var (service, function) in Http())
        {
            // docs/deploy.md tells senders to pass a function key; an anonymous function would accept any caller.
            Assert.Equal("Function", function.String("authLevel"));
            var route = function.String("route");
            Assert.False(string.IsNullOrEmpty(route), $"{function} has no route: it would be served under its function name.");
            Assert.False(route!.StartsWith('/') || route.StartsWith("api/", StringComparison.Ordinal), $"{function}: route {route} repeats the prefix.");
            Assert.NotEmpty(function.Methods);
            Assert.All(function.Methods, m => Assert.Contains(m, new[] { "get", "post", "put", "patch", "delete" }));
            if (route.StartsWith("webhooks/", StringComparison.Ordinal))
            {
                Assert.Equal(new[] { "post" }, function.Methods);
            }
        }
        // No two functions of an app answer the same method on the same route.
        var pairs = Http().SelectMany(x => x.Function.Methods.Select(m => (x.Service.Name, Method: m, Route: x.Function.String("route")))).ToList();
        Assert.Equal(pairs.Count, pairs.Distinct().Count());
    }

    [Fact]
    public void Every_webhook_route_has_a_mapper_and_a_signing_secret_in_the_sample_settings()
    {
        var mappers = CodeFacts.WebhookQueues();
        var sample = Templates.SampleSettings();
        foreach (var service in Templates.Services)
        {
            foreach (var route in FunctionMetadata.Bindings(service.ProjectFolder).WebhookRoutes)
            {
                Assert.True(mappers.ContainsKey(route), $"{service.Name}: no webhook mapper serves webhooks/{route}.");
                Assert.True(sample.ContainsKey($"PsaSync__Webhooks__Secrets__{route.Split('/')[0]}"), $"No sample signing secret for webhooks/{route}.");
            }
        }
    }

    [Fact]
    public void The_deploy_guide_lists_exactly_the_HTTP_routes_of_each_app_under_the_host_prefix()
    {
        var prefix = RoutePrefix();
        var indexed = Http()
            .SelectMany(x => x.Function.Methods.Select(m => $"{x.Service.Name} {m.ToUpperInvariant()} /{prefix}/{x.Function.String("route")}"))
            .Order(StringComparer.Ordinal).ToList();

        var documented = RouteTable(Repo.Read("docs/deploy.md"))
            .SelectMany(r => r.Methods.Select(m => $"{r.App} {m} {r.Route}"))
            .Order(StringComparer.Ordinal).ToList();

        Assert.Equal(indexed, documented);
    }

    [Fact]
    public void The_operations_guide_documents_every_operations_API_call_and_no_other()
    {
        var prefix = RoutePrefix();
        var indexed = Http().Where(x => x.Function.String("route")!.StartsWith("ops/", StringComparison.Ordinal))
            .SelectMany(x => x.Function.Methods.Select(m => $"{m.ToUpperInvariant()} {x.Function.String("route")}"))
            .Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(indexed);

        var guide = Repo.Read("docs/operations.md");
        var documented = OpsCall().Matches(guide).Select(m => $"{m.Groups["method"].Value} {m.Groups["route"].Value}").Distinct().Order(StringComparer.Ordinal).ToList();

        Assert.Equal(indexed, documented);
        Assert.Contains($"/{prefix}/ops", guide, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_timer_reads_its_schedule_from_an_app_setting_the_app_gets_with_a_valid_default()
    {
        var sample = Templates.SampleSettings();
        var timers = All().Where(x => x.Function.TriggerType == "timerTrigger").ToList();

        Assert.NotEmpty(timers);
        foreach (var (service, timer) in timers)
        {
            var schedule = timer.String("schedule");
            var setting = Assert.Single(FunctionMetadata.SettingExpressions(schedule));
            Assert.Equal($"%{setting}%", schedule);
            Assert.True(Templates.App(service.Name).Settings.ContainsKey(setting), $"{timer}: {setting} is not set on {service.Name}.");
            Assert.True(sample.TryGetValue(setting, out var value), $"{timer}: {setting} is not in local.settings.sample.json.");
            Assert.Matches(Ncrontab(), value);
        }
        // A timer setting belongs to the app whose timer reads it, and to no other.
        var owners = timers.GroupBy(t => t.Function.String("schedule")).Where(g => g.Select(t => t.Service.Name).Distinct().Count() > 1).Select(g => g.Key).ToList();
        Assert.Empty(owners);
    }

    [Fact]
    public void Service_Bus_triggers_agree_with_host_json_and_each_app_reads_its_own_domain_queue()
    {
        using var host = JsonDocument.Parse(Repo.Read("host.json"));
        var extensions = host.RootElement.GetProperty("extensions");
        var triggers = All().Where(x => x.Function.TriggerType == "serviceBusTrigger").ToList();

        Assert.NotEmpty(triggers);
        Assert.True(extensions.TryGetProperty("serviceBus", out var serviceBus), "host.json has no extensions.serviceBus for the Service Bus triggers.");
        Assert.Equal(JsonValueKind.Number, serviceBus.GetProperty("maxConcurrentCalls").ValueKind);
        // The lock is renewed for as long as a handler may run (functionTimeout), so a slow handler keeps its message.
        Assert.True(TimeSpan.Parse(serviceBus.GetProperty("maxAutoLockRenewalDuration").GetString()!, System.Globalization.CultureInfo.InvariantCulture)
            >= TimeSpan.Parse(host.RootElement.GetProperty("functionTimeout").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(QueueNames.All.Order(StringComparer.Ordinal), triggers.Select(t => t.Function.String("queueName")!).Order(StringComparer.Ordinal));
        Assert.All(triggers, t => Assert.Equal(t.Service.Name, t.Function.String("queueName")));
    }

    [Fact]
    public void Durable_functions_have_their_backend_in_host_json_and_a_task_hub_of_their_own()
    {
        using var host = JsonDocument.Parse(Repo.Read("host.json"));
        var durable = All().Where(x => DurableTriggers.Contains(x.Function.TriggerType)).ToList();
        Assert.NotEmpty(durable);

        Assert.True(host.RootElement.GetProperty("extensions").TryGetProperty("durableTask", out var durableTask));
        Assert.False(durableTask.TryGetProperty("storageProvider", out _), "host.json chose another Durable backend; infra provisions the Azure Storage one.");
        foreach (var app in durable.Select(d => d.Service.Name).Distinct())
        {
            // Orchestrations are started from HTTP or timers through a durable client binding in the same app.
            var functions = FunctionMetadata.Functions(Templates.Services.Single(s => s.Name == app).ProjectFolder);
            Assert.Contains(functions, f => f.TriggerType == "orchestrationTrigger");
            Assert.Contains(functions, f => f.Bindings.Any(b => b.GetProperty("type").GetString() == "durableClient"));
            Assert.False(string.IsNullOrEmpty(Templates.App(app).TaskHub));
        }
    }

    [Fact]
    public void Every_app_is_built_with_the_repository_host_json()
    {
        var expected = Canonical(Repo.Read("host.json"));
        foreach (var service in Templates.Services)
        {
            var built = Path.Combine(Path.GetDirectoryName(FunctionMetadata.PathOf(service.ProjectFolder))!, "host.json");
            Assert.True(File.Exists(built), $"{service.Name} has no host.json in its output.");
            Assert.Equal(expected, Canonical(File.ReadAllText(built)));
        }

        static string Canonical(string json)
        {
            using var document = JsonDocument.Parse(json);
            return JsonSerializer.Serialize(document.RootElement);
        }
    }

    /// <summary>host.json's extensions.http.routePrefix, "api" when not set.</summary>
    private static string RoutePrefix()
    {
        using var host = JsonDocument.Parse(Repo.Read("host.json"));
        return host.RootElement.TryGetProperty("extensions", out var e) && e.TryGetProperty("http", out var http) && http.TryGetProperty("routePrefix", out var p)
            ? p.GetString()!
            : "api";
    }

    /// <summary>The rows of the "HTTP routes" table in docs/deploy.md: | app | methods | `route` |.</summary>
    private static IReadOnlyList<(string App, IReadOnlyList<string> Methods, string Route)> RouteTable(string guide)
    {
        var start = guide.IndexOf("<!-- http-routes -->", StringComparison.Ordinal);
        var end = guide.IndexOf("<!-- /http-routes -->", StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, "docs/deploy.md has no <!-- http-routes --> table.");
        var rows = new List<(string, IReadOnlyList<string>, string)>();
        foreach (var line in guide[start..end].Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith('|')))
        {
            var cells = line.Trim('|').Split('|').Select(c => c.Trim()).ToArray();
            if (cells.Length < 3 || cells[0] is "App" || cells[0].StartsWith("--", StringComparison.Ordinal))
            {
                continue;
            }
            rows.Add((cells[0], [.. cells[1].Split(',').Select(m => m.Trim())], cells[2].Trim('`')));
        }
        Assert.NotEmpty(rows);
        return rows;
    }

    // A row of the operations API table: | `GET ops/exceptions?status=...` | what it does |
    [GeneratedRegex(@"^\| `(?<method>GET|POST|PUT|PATCH|DELETE) (?<route>ops/[^`?\s]*)", RegexOptions.Multiline)]
    private static partial Regex OpsCall();

    // Six fields (seconds first), as the Functions timer trigger expects.
    [GeneratedRegex(@"^(\S+\s+){5}\S+$")]
    private static partial Regex Ncrontab();
}
