using System.Text.Json;

namespace PsaSync.Infra.Tests.Support;

/// <summary>One entry of the <c>apps</c> array in infra/main.bicep.</summary>
internal sealed record InfraApp(
    string ServiceName,
    IReadOnlyList<string> SendsTo,
    string ReceivesFrom,
    string TaskHub,
    IReadOnlyDictionary<string, object?> Settings);

/// <summary>The infrastructure files.</summary>
internal static class Templates
{
    public const string MainPath = "infra/main.bicep";
    public const string FunctionAppPath = "infra/app/function-app.bicep";
    public const string ServiceBusPath = "infra/app/servicebus.bicep";
    public const string OperationsPath = "infra/app/operations.bicep";

    public static string Main => Repo.Read(MainPath);

    public static string FunctionApp => Repo.Read(FunctionAppPath);

    public static string ServiceBus => Repo.Read(ServiceBusPath);

    public static string Operations => Repo.Read(OperationsPath);

    public static IReadOnlyList<AzdService> Services => AzureYaml.Services(Repo.Read("azure.yaml"));

    public static IReadOnlyList<InfraApp> Apps =>
        [.. Bicep.AsList(Bicep.Var(Main, "apps")).Select(Bicep.AsObject).Select(a => new InfraApp(
            Assert.IsType<string>(a["serviceName"]),
            Strings(a["sendsTo"]),
            Assert.IsType<string>(a["receivesFrom"]),
            Assert.IsType<string>(a["taskHub"]),
            Bicep.AsObject(a["settings"])))];

    /// <summary>A string array written out, or the name of a variable of main.bicep that holds one (sendsTo: queueNames).</summary>
    private static IReadOnlyList<string> Strings(object? value) =>
        value is BicepExpression { Text: var name } && System.Text.RegularExpressions.Regex.IsMatch(name, @"^[A-Za-z_]\w*$")
            ? Bicep.AsStrings(Bicep.Var(Main, name))
            : Bicep.AsStrings(value);

    public static InfraApp App(string serviceName) => Assert.Single(Apps, a => a.ServiceName == serviceName);

    /// <summary>Setting names function-app.bicep gives every app (object keys of its setting variables).</summary>
    public static IReadOnlySet<string> CommonSettings
    {
        get
        {
            var text = Bicep.WithoutComments(FunctionApp);
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var variable in new[] { "hostSettings", "serviceBusSettings", "telemetrySettings", "psaSyncSettings" })
            {
                names.UnionWith(Bicep.AsObject(Bicep.Var(text, variable)).Keys);
            }
            return names;
        }
    }

    /// <summary>The raw Bicep value of a setting that every app gets.</summary>
    public static string CommonSettingValue(string name)
    {
        var text = Bicep.WithoutComments(FunctionApp);
        foreach (var variable in new[] { "hostSettings", "serviceBusSettings", "telemetrySettings", "psaSyncSettings" })
        {
            if (Bicep.AsObject(Bicep.Var(text, variable)).TryGetValue(name, out var value))
            {
                return value is string s ? $"'{s}'" : value?.ToString() ?? "";
            }
        }
        throw new Xunit.Sdk.XunitException($"{name} is not set in {FunctionAppPath}.");
    }

    /// <summary>Every setting an app gets: the common ones, its own, and one webhook secret per source.</summary>
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
