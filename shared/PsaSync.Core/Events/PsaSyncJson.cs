using System.Text.Json;
using System.Text.Json.Serialization;

namespace PsaSync.Core.Events;

/// <summary>The one JSON dialect of PsaSync's own contracts (envelopes, stored records, API answers).</summary>
public static class PsaSyncJson
{
    public static JsonSerializerOptions Options { get; } = Create(strict: false);

    /// <summary>For reading canonical payloads: a missing constructor argument or a null where the model allows none is an error.</summary>
    public static JsonSerializerOptions Strict { get; } = Create(strict: true);

    private static JsonSerializerOptions Create(bool strict)
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            RespectNullableAnnotations = strict,
            RespectRequiredConstructorParameters = strict,
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
