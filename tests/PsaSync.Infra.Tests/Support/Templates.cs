using System.Text.Json;

namespace PsaSync.Infra.Tests.Support;

/// <summary>One entry of the <c>apps</c> variable of infra/main.bicep, read from the compiled template.</summary>
internal sealed record InfraApp(
    string ServiceName,
    IReadOnlyList<string> SendsTo,
    string ReceivesFrom,
    string TaskHub,
    IReadOnlyDictionary<string, string> Settings);

/// <summary>The infrastructure as deployed: the compiled ARM JSON of infra/main.bicep, azure.yaml, the sample settings.</summary>
internal static class Templates
{
    public const string MainPath = "infra/main.bicep";

    public static IReadOnlyList<AzdService> Services => AzureYaml.Services(Repo.Read("azure.yaml"));

    /// <summary>The <c>apps</c> variable; its settings are expressions ("parameters('customerReconciliationSchedule')").</summary>
    public static IReadOnlyList<InfraApp> Apps =>
        [.. Arm.Variable("apps").EnumerateArray().Select(a => new InfraApp(
            a.GetProperty("serviceName").GetString()!,
            Strings(a.GetProperty("sendsTo")),
            a.GetProperty("receivesFrom").GetString()!,
            a.GetProperty("taskHub").GetString()!,
            a.GetProperty("settings").EnumerateObject().ToDictionary(p => p.Name, p => ArmExpression.Normalize(p.Value), StringComparer.Ordinal)))];

    /// <summary>A string array, or an expression naming a variable of main that holds one ("[variables('queueNames')]").</summary>
    private static IReadOnlyList<string> Strings(JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Array)
        {
            return [.. value.EnumerateArray().Select(e => e.GetString()!)];
        }
        var expression = ArmExpression.Normalize(value);
        var variable = ArmExpression.Literal(Assert.Single(ArmExpression.CallArguments(expression, "variables") ?? []));
        return Strings(Arm.Variable(variable!));
    }

    public static InfraApp App(string serviceName) => Assert.Single(Apps, a => a.ServiceName == serviceName);

    /// <summary>The app settings resource of function-app.bicep (deployed once per app).</summary>
    public static ArmResource AppSettingsResource =>
        Assert.Single(Arm.OfType("Microsoft.Web/sites/config"), r => r.Resource.GetProperty("name").GetString()!.Contains("'appsettings'", StringComparison.Ordinal));

    /// <summary>
    /// The settings every app gets, name → expression, read from the compiled <c>union(parameters('appSettings'), ...)</c>:
    /// createObject('name', value, ...) arguments and variables holding objects. parameters('appSettings') is the app's own.
    /// </summary>
    public static IReadOnlyDictionary<string, string> CommonSettingValues
    {
        get
        {
            var resource = AppSettingsResource;
            var expression = ArmExpression.Normalize(resource.Properties);
            var parts = ArmExpression.CallArguments(expression, "union");
            Assert.True(parts is not null, $"The app settings are not a union(...): {expression}");
            Assert.Contains("parameters('appSettings')", parts);
            var settings = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var part in parts.Where(p => p != "parameters('appSettings')"))
            {
                if (ArmExpression.CallArguments(part, "createObject") is { } pairs)
                {
                    for (var i = 0; i + 1 < pairs.Count; i += 2)
                    {
                        settings.Add(ArmExpression.Literal(pairs[i])!, pairs[i + 1]);
                    }
                }
                else if (ArmExpression.CallArguments(part, "variables") is [var name])
                {
                    foreach (var p in resource.Variable(ArmExpression.Literal(name)!).EnumerateObject())
                    {
                        settings.Add(p.Name, ArmExpression.Normalize(p.Value));
                    }
                }
                else
                {
                    throw new Xunit.Sdk.XunitException($"Cannot read app settings from {part}.");
                }
            }
            return settings;
        }
    }

    public static IReadOnlySet<string> CommonSettings => CommonSettingValues.Keys.ToHashSet(StringComparer.Ordinal);

    public static string CommonSettingValue(string name) =>
        CommonSettingValues.TryGetValue(name, out var value) ? value : throw new Xunit.Sdk.XunitException($"{name} is not set on the function apps.");

    /// <summary>Every setting an app gets: the common ones and its own.</summary>
    public static IReadOnlySet<string> SettingsOf(InfraApp app)
    {
        var names = new HashSet<string>(CommonSettings, StringComparer.Ordinal);
        names.UnionWith(app.Settings.Keys);
        return names;
    }

    /// <summary>local.settings.sample.json's Values.</summary>
    public static IReadOnlyDictionary<string, string> SampleSettings()
    {
        using var sample = JsonDocument.Parse(Repo.Read("local.settings.sample.json"));
        return sample.RootElement.GetProperty("Values").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "", StringComparer.Ordinal);
    }
}
