using System.Globalization;
using System.Text.Json;

namespace Azure.Data.Tables;

/// <summary>
/// Property values in the Table service's OData JSON format. JSON itself only knows strings, numbers and
/// booleans, so Int64, DateTime, Guid and Binary values travel as strings with a "Name@odata.type" annotation,
/// and doubles are annotated too so that 2.0 is not stored as the Int32 2.
/// </summary>
internal static class EdmValue
{
    private const string TypeAnnotationSuffix = "@odata.type";
    private const string DateTimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";
    private static readonly DateTime MinimumDate = new(1601, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>Whether a property of this type can be stored (nullable value types included).</summary>
    public static bool IsSupported(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type.IsEnum
            || type == typeof(string) || type == typeof(int) || type == typeof(long) || type == typeof(double)
            || type == typeof(bool) || type == typeof(DateTimeOffset) || type == typeof(DateTime)
            || type == typeof(Guid) || type == typeof(byte[]) || type == typeof(BinaryData);
    }

    public static void Write(Utf8JsonWriter writer, string name, object value)
    {
        switch (value)
        {
            case string s:
                writer.WriteString(name, s);
                break;
            case bool b:
                writer.WriteBoolean(name, b);
                break;
            case int i:
                writer.WriteNumber(name, i);
                break;
            case long l:
                WriteAnnotated(writer, name, "Edm.Int64", l.ToString(CultureInfo.InvariantCulture));
                break;
            case double d:
                writer.WriteString(name + TypeAnnotationSuffix, "Edm.Double");
                if (double.IsFinite(d))
                {
                    writer.WriteNumber(name, d);
                }
                else
                {
                    // The service spells the non-finite doubles as these strings.
                    writer.WriteString(name, double.IsNaN(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity");
                }

                break;
            case DateTimeOffset dto:
                WriteAnnotated(writer, name, "Edm.DateTime", FormatDateTime(CheckDateRange(name, dto.UtcDateTime)));
                break;
            case DateTime dt:
                WriteAnnotated(writer, name, "Edm.DateTime", FormatDateTime(CheckDateRange(name, dt.ToUniversalTime())));
                break;
            case Guid g:
                WriteAnnotated(writer, name, "Edm.Guid", g.ToString("D"));
                break;
            case byte[] bytes:
                WriteAnnotated(writer, name, "Edm.Binary", Convert.ToBase64String(bytes));
                break;
            case BinaryData data:
                WriteAnnotated(writer, name, "Edm.Binary", Convert.ToBase64String(data.ToMemory().Span));
                break;
            case Enum e:
                // Enums are stored by name, as the real SDK does.
                writer.WriteString(name, e.ToString());
                break;
            default:
                throw new NotSupportedException(
                    $"Property '{name}' has type {value.GetType().FullName}, which Table Storage cannot store. Supported: "
                    + "string, int, long, double, bool, DateTimeOffset, DateTime, Guid, byte[], BinaryData and enums.");
        }
    }

    /// <summary>The date-time format of Edm.DateTime: UTC with 100 ns precision.</summary>
    public static string FormatDateTime(DateTimeOffset value) =>
        value.UtcDateTime.ToString(DateTimeFormat, CultureInfo.InvariantCulture);

    /// <summary>Local and unspecified DateTimes are taken as local time, as DateTime.ToUniversalTime does.</summary>
    public static string FormatDateTime(DateTime value) =>
        value.ToUniversalTime().ToString(DateTimeFormat, CultureInfo.InvariantCulture);

    /// <summary>
    /// Reads the properties of one entity from the service's JSON (minimal metadata): typed values by their
    /// annotations, the ETag under "odata.etag", and no other OData bookkeeping.
    /// </summary>
    public static Dictionary<string, object> ReadProperties(JsonElement entity)
    {
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in entity.EnumerateObject())
        {
            if (property.Name.EndsWith(TypeAnnotationSuffix, StringComparison.Ordinal) && property.Value.ValueKind == JsonValueKind.String)
            {
                types[property.Name[..^TypeAnnotationSuffix.Length]] = property.Value.GetString()!;
            }
        }

        var values = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var property in entity.EnumerateObject())
        {
            var name = property.Name;
            if (name == TableEntity.ETagName)
            {
                values[name] = property.Value.GetString()!;
            }
            else if (!name.StartsWith("odata.", StringComparison.Ordinal) && !name.Contains('@', StringComparison.Ordinal)
                && property.Value.ValueKind != JsonValueKind.Null)
            {
                // Timestamp is an Edm.DateTime that the service (Azurite included) sends without annotation.
                var edmType = types.GetValueOrDefault(name) ?? (name == TableEntity.TimestampName ? "Edm.DateTime" : null);
                values[name] = Read(name, property.Value, edmType);
            }
        }

        return values;
    }

    /// <summary>
    /// Converts a stored value to a property type where no information is lost: Int32 and Int64 into each
    /// other (in range), either into Double, DateTime and DateTimeOffset into each other, byte[] and
    /// BinaryData into each other, and strings into enums and Guids.
    /// </summary>
    public static bool TryConvert(object value, Type type, out object result)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        result = value;
        if (type.IsInstanceOfType(value))
        {
            return true;
        }

        object? converted = (value, type) switch
        {
            (int i, _) when type == typeof(long) => (long)i,
            (long l, _) when type == typeof(int) && l is >= int.MinValue and <= int.MaxValue => (int)l,
            (int i, _) when type == typeof(double) => (double)i,
            (long l, _) when type == typeof(double) => (double)l,
            (DateTimeOffset dto, _) when type == typeof(DateTime) => dto.UtcDateTime,
            (DateTime dt, _) when type == typeof(DateTimeOffset) => new DateTimeOffset(dt.ToUniversalTime()),
            (byte[] bytes, _) when type == typeof(BinaryData) => new BinaryData(bytes),
            (BinaryData data, _) when type == typeof(byte[]) => data.ToArray(),
            (string s, _) when type == typeof(Guid) && Guid.TryParse(s, out var g) => g,
            (string s, _) when type.IsEnum && Enum.TryParse(type, s, ignoreCase: false, out var e) => e,
            _ => null,
        };

        if (converted is null)
        {
            return false;
        }

        result = converted;
        return true;
    }

    /// <summary>
    /// Azure stores dates from 1601-01-01 UTC on and rejects earlier ones (typically an unset DateTime, i.e.
    /// DateTime.MinValue) with 400 OutOfRangeInput. Azurite accepts them, so the check is made here, with the
    /// error the service would give, to let offline runs fail where production would.
    /// </summary>
    private static DateTime CheckDateRange(string name, DateTime utc) =>
        utc >= MinimumDate
            ? utc
            : throw new RequestFailedException(
                400,
                $"Property '{name}' is {utc:O}, before {MinimumDate:yyyy-MM-dd}, the earliest date Table Storage can store (Azure answers 400 OutOfRangeInput).",
                "OutOfRangeInput",
                null);

    private static void WriteAnnotated(Utf8JsonWriter writer, string name, string edmType, string value)
    {
        writer.WriteString(name + TypeAnnotationSuffix, edmType);
        writer.WriteString(name, value);
    }

    private static object Read(string name, JsonElement value, string? edmType)
    {
        try
        {
            return edmType switch
            {
                "Edm.Int64" => value.ValueKind == JsonValueKind.String
                    ? long.Parse(value.GetString()!, NumberStyles.Integer, CultureInfo.InvariantCulture)
                    : value.GetInt64(),
                "Edm.Int32" => value.GetInt32(),
                "Edm.Double" => value.ValueKind == JsonValueKind.String
                    ? double.Parse(value.GetString()!, NumberStyles.Float, CultureInfo.InvariantCulture)
                    : value.GetDouble(),
                "Edm.DateTime" => DateTimeOffset.Parse(
                    value.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal),
                "Edm.Guid" => Guid.Parse(value.GetString()!),
                "Edm.Binary" => Convert.FromBase64String(value.GetString()!),
                "Edm.Boolean" => value.GetBoolean(),
                "Edm.String" => value.GetString()!,
                null => ReadUntyped(value),
                _ => throw new NotSupportedException($"Unknown property type '{edmType}'."),
            };
        }
        catch (Exception ex) when (ex is FormatException or InvalidOperationException or OverflowException)
        {
            throw new InvalidOperationException($"Property '{name}' could not be read as {edmType ?? "JSON"}.", ex);
        }
    }

    private static object ReadUntyped(JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                return value.GetString()!;
            case JsonValueKind.True:
            case JsonValueKind.False:
                return value.GetBoolean();
            case JsonValueKind.Number:
                // Without an annotation a whole number is an Int32 and anything else a Double.
                var raw = value.GetRawText();
                var isWhole = raw.IndexOfAny(['.', 'e', 'E']) < 0;
                return isWhole && value.TryGetInt32(out var i) ? i : (object)value.GetDouble();
            default:
                throw new InvalidOperationException($"Unexpected JSON {value.ValueKind} in an entity.");
        }
    }
}
