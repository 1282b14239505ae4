using System.Text.Json;
using System.Text.Json.Serialization;

namespace PsaSync.Core.Events;

/// <summary>The one JSON dialect of PsaSync's own contracts (envelopes, stored records, API answers).</summary>
public static class PsaSyncJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
