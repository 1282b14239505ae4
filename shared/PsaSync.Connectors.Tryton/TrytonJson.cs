using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace PsaSync.Connectors.Tryton;

/// <summary>
/// JSON as Tryton's JSON-RPC speaks it. Plain JSON has no decimal, date or duration, so Tryton wraps them in objects
/// tagged by <c>__class__</c>: <c>{"__class__":"Decimal","decimal":"150.00"}</c>, <c>{"__class__":"date","year":..}</c>,
/// <c>{"__class__":"datetime",...}</c> (naive UTC) and <c>{"__class__":"timedelta","seconds":..}</c>. Row types
/// use snake_case property names like Tryton's fields; a dotted read (<c>"party.name"</c>) comes back under the key
/// <c>"party."</c>, so those properties carry an explicit name.
/// </summary>
public static class TrytonJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            Converters =
            {
                new TrytonDecimalConverter(),
                new TrytonDateConverter(),
                new TrytonDateTimeConverter(),
                new TrytonTimeSpanConverter(),
            },
        };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    internal static JsonElement ToElement(object? value) => JsonSerializer.SerializeToElement(value, Options);

    internal static T Read<T>(JsonElement element) =>
        element.Deserialize<T>(Options) ?? throw new JsonException($"Tryton answered null where a {typeof(T).Name} was expected.");

    /// <summary>Reads a wrapped value: checks the <c>__class__</c> tag and returns the object for its fields.</summary>
    internal static JsonElement Unwrap(ref Utf8JsonReader reader, string expectedClass)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object
            || !root.TryGetProperty("__class__", out var tag)
            || tag.GetString() != expectedClass)
        {
            throw new JsonException($"Expected a Tryton {expectedClass} object, got {Shorten(root.GetRawText())}.");
        }
        return root.Clone();
    }

    internal static int Int(JsonElement wrapped, string field) =>
        wrapped.TryGetProperty(field, out var value) ? value.GetInt32() : 0;

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "...";
}

/// <summary>A decimal as <c>{"__class__":"Decimal","decimal":"12.50"}</c>; plain JSON numbers are accepted on read.</summary>
public sealed class TrytonDecimalConverter : JsonConverter<decimal>
{
    public override decimal Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Number)
        {
            return reader.GetDecimal();
        }
        var wrapped = TrytonJson.Unwrap(ref reader, "Decimal");
        var text = wrapped.GetProperty("decimal").GetString();
        return decimal.Parse(text ?? "", NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    public override void Write(Utf8JsonWriter writer, decimal value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        writer.WriteString("__class__", "Decimal");
        writer.WriteString("decimal", value.ToString(CultureInfo.InvariantCulture));
        writer.WriteEndObject();
    }
}

/// <summary>A date as <c>{"__class__":"date","year":2026,"month":10,"day":5}</c>.</summary>
public sealed class TrytonDateConverter : JsonConverter<DateOnly>
{
    public override DateOnly Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var wrapped = TrytonJson.Unwrap(ref reader, "date");
        return new DateOnly(TrytonJson.Int(wrapped, "year"), TrytonJson.Int(wrapped, "month"), TrytonJson.Int(wrapped, "day"));
    }

    public override void Write(Utf8JsonWriter writer, DateOnly value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        writer.WriteString("__class__", "date");
        writer.WriteNumber("year", value.Year);
        writer.WriteNumber("month", value.Month);
        writer.WriteNumber("day", value.Day);
        writer.WriteEndObject();
    }
}

/// <summary>
/// A timestamp as <c>{"__class__":"datetime",...,"microsecond":n}</c>. Tryton stores naive UTC, so values are read as
/// UTC and written converted to UTC.
/// </summary>
public sealed class TrytonDateTimeConverter : JsonConverter<DateTime>
{
    public override DateTime Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var wrapped = TrytonJson.Unwrap(ref reader, "datetime");
        var value = new DateTime(
            TrytonJson.Int(wrapped, "year"), TrytonJson.Int(wrapped, "month"), TrytonJson.Int(wrapped, "day"),
            TrytonJson.Int(wrapped, "hour"), TrytonJson.Int(wrapped, "minute"), TrytonJson.Int(wrapped, "second"), DateTimeKind.Utc);
        return value.AddTicks(TrytonJson.Int(wrapped, "microsecond") * TimeSpan.TicksPerMicrosecond);
    }

    public override void Write(Utf8JsonWriter writer, DateTime value, JsonSerializerOptions options)
    {
        var utc = value.Kind == DateTimeKind.Local ? value.ToUniversalTime() : value;
        writer.WriteStartObject();
        writer.WriteString("__class__", "datetime");
        writer.WriteNumber("year", utc.Year);
        writer.WriteNumber("month", utc.Month);
        writer.WriteNumber("day", utc.Day);
        writer.WriteNumber("hour", utc.Hour);
        writer.WriteNumber("minute", utc.Minute);
        writer.WriteNumber("second", utc.Second);
        writer.WriteNumber("microsecond", (int)(utc.Ticks % TimeSpan.TicksPerSecond / TimeSpan.TicksPerMicrosecond));
        writer.WriteEndObject();
    }
}

/// <summary>A duration as <c>{"__class__":"timedelta","seconds":10800.0}</c> (timesheet durations).</summary>
public sealed class TrytonTimeSpanConverter : JsonConverter<TimeSpan>
{
    public override TimeSpan Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var wrapped = TrytonJson.Unwrap(ref reader, "timedelta");
        return TimeSpan.FromSeconds(wrapped.GetProperty("seconds").GetDouble());
    }

    public override void Write(Utf8JsonWriter writer, TimeSpan value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        writer.WriteString("__class__", "timedelta");
        writer.WriteNumber("seconds", value.TotalSeconds);
        writer.WriteEndObject();
    }
}
