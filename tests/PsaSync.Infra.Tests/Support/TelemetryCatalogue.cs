using System.Reflection;
using PsaSync.Core.Telemetry;

namespace PsaSync.Infra.Tests.Support;

/// <summary>The code's catalogue of business telemetry names (<see cref="TelemetryNames"/>), read by reflection.</summary>
internal static class TelemetryCatalogue
{
    public static IReadOnlySet<string> Events => Constants(typeof(TelemetryNames.Events));

    public static IReadOnlySet<string> Metrics => Constants(typeof(TelemetryNames.Metrics));

    public static IReadOnlySet<string> Properties => Constants(typeof(TelemetryNames.Properties));

    public static IReadOnlySet<string> Measurements => Constants(typeof(TelemetryNames.Measurements));

    /// <summary>The catalogue's fields as the code refers to them, e.g. "Events.Posted".</summary>
    public static IReadOnlyList<string> References(Type group) =>
        [.. Fields(group).Select(f => $"{group.Name}.{f.Name}")];

    private static HashSet<string> Constants(Type group) =>
        Fields(group).Select(f => (string)f.GetRawConstantValue()!).ToHashSet(StringComparer.Ordinal);

    private static IEnumerable<FieldInfo> Fields(Type group) =>
        group.GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral && f.FieldType == typeof(string));
}
