using System.Text.Json;
using System.Text.RegularExpressions;

namespace PsaSync.Infra.Tests.Support;

/// <summary>One function of an app, as the Worker SDK's generator wrote it to functions.metadata.</summary>
internal sealed record FunctionInfo(string App, string Name, string EntryPoint, JsonElement Trigger, IReadOnlyList<JsonElement> Bindings)
{
    public string TriggerType => Trigger.GetProperty("type").GetString()!;

    public string? String(string property) =>
        Trigger.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    public IReadOnlyList<string> Methods =>
        Trigger.TryGetProperty("methods", out var methods) && methods.ValueKind == JsonValueKind.Array
            ? [.. methods.EnumerateArray().Select(m => m.GetString()!.ToLowerInvariant())]
            : [];

    public override string ToString() => $"{App}/{Name}";
}

/// <summary>What one function app's bindings need, read from its generated functions.metadata.</summary>
internal sealed record AppBindings(
    string ProjectFolder,
    IReadOnlyList<FunctionInfo> Functions,
    IReadOnlySet<string> BindingSettings,
    IReadOnlySet<string> Connections,
    IReadOnlySet<string> TriggerQueues,
    IReadOnlySet<string> WebhookRoutes);

/// <summary>
/// The functions.metadata the Worker SDK's generator writes when a function app is built: the source of truth for
/// what the host indexes (names, triggers, routes, queues, connections, schedules). The test project references the
/// four apps without their assemblies, so they are built, in the same profile and configuration, before the tests.
/// </summary>
internal static partial class FunctionMetadata
{
    private static readonly Dictionary<string, AppBindings> Cache = new(StringComparer.Ordinal);

    public static string PathOf(string projectFolder) =>
        Repo.PathOf($"{projectFolder}/bin/{BuildInfo.Profile}/{BuildInfo.Configuration}/net10.0/functions.metadata");

    public static IReadOnlyList<FunctionInfo> Functions(string projectFolder) => Bindings(projectFolder).Functions;

    public static AppBindings Bindings(string projectFolder)
    {
        lock (Cache)
        {
            if (!Cache.TryGetValue(projectFolder, out var bindings))
            {
                bindings = Read(projectFolder);
                Cache[projectFolder] = bindings;
            }
            return bindings;
        }
    }

    /// <summary>The %Setting% expressions in a binding value.</summary>
    public static IEnumerable<string> SettingExpressions(string? value) =>
        value is null ? [] : SettingExpression().Matches(value).Select(m => m.Groups[1].Value);

    private static AppBindings Read(string projectFolder)
    {
        var path = PathOf(projectFolder);
        Assert.True(File.Exists(path), $"{Repo.Relative(path)} does not exist: build the app in profile {BuildInfo.Profile} first (the test project references it).");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var functions = new List<FunctionInfo>();
        foreach (var function in document.RootElement.EnumerateArray())
        {
            var bindings = function.GetProperty("bindings").EnumerateArray().Select(b => b.Clone()).ToList();
            var triggers = bindings.Where(b => b.GetProperty("type").GetString()!.EndsWith("Trigger", StringComparison.Ordinal)).ToList();
            var name = function.GetProperty("name").GetString()!;
            Assert.True(triggers.Count == 1, $"{projectFolder}: function {name} has {triggers.Count} triggers.");
            functions.Add(new FunctionInfo(projectFolder, name, function.GetProperty("entryPoint").GetString()!, triggers[0], bindings));
        }
        Assert.NotEmpty(functions);

        var settings = new HashSet<string>(StringComparer.Ordinal);
        var connections = new HashSet<string>(StringComparer.Ordinal);
        var queues = new HashSet<string>(StringComparer.Ordinal);
        var routes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var function in functions)
        {
            foreach (var binding in function.Bindings)
            {
                foreach (var property in binding.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.String))
                {
                    settings.UnionWith(SettingExpressions(property.Value.GetString()));
                }
                if (binding.TryGetProperty("connection", out var connection) && connection.GetString() is { Length: > 0 } c)
                {
                    connections.Add(c);
                }
            }
            if (function.TriggerType == "serviceBusTrigger")
            {
                queues.Add(function.String("queueName")!);
            }
            if (function.TriggerType == "httpTrigger" && function.String("route") is { } route && route.StartsWith("webhooks/", StringComparison.Ordinal))
            {
                routes.Add(route["webhooks/".Length..]);
            }
        }
        return new AppBindings(projectFolder, functions, settings, connections, queues, routes);
    }

    [GeneratedRegex(@"%([A-Za-z_][A-Za-z0-9_:]*)%")]
    private static partial Regex SettingExpression();
}
