using System.Globalization;
using System.Text;

namespace Azure.Data.Tables;

/// <summary>Formats the arguments of an interpolated filter as OData literals.</summary>
internal static class ODataFilter
{
    public static string Create(FormattableString filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var arguments = filter.GetArguments();
        var literals = new object[arguments.Length];
        for (var i = 0; i < arguments.Length; i++)
        {
            literals[i] = ToLiteral(arguments[i], i);
        }

        return string.Format(CultureInfo.InvariantCulture, filter.Format, literals);
    }

    private static string ToLiteral(object? value, int index) => value switch
    {
        null => "null",
        string s => Quote(s),
        char c => Quote(c.ToString()),
        bool b => b ? "true" : "false",
        byte or sbyte or short or ushort or int or uint => Convert.ToString(value, CultureInfo.InvariantCulture)!,
        long l => l.ToString(CultureInfo.InvariantCulture) + "L",
        ulong ul => ul.ToString(CultureInfo.InvariantCulture) + "L",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        decimal m => m.ToString(CultureInfo.InvariantCulture),
        DateTimeOffset dto => $"datetime'{EdmValue.FormatDateTime(dto)}'",
        DateTime dt => $"datetime'{EdmValue.FormatDateTime(dt)}'",
        Guid g => $"guid'{g:D}'",
        byte[] bytes => $"X'{Convert.ToHexStringLower(bytes)}'",
        BinaryData data => $"X'{Convert.ToHexStringLower(data.ToMemory().Span)}'",
        _ => throw new ArgumentException(
            $"Argument {index} of the filter has type {value.GetType().FullName}, which has no OData literal form.", "filter"),
    };

    // OData escapes a quote inside a string literal by doubling it.
    private static string Quote(string value) => new StringBuilder(value.Length + 2)
        .Append('\'').Append(value.Replace("'", "''", StringComparison.Ordinal)).Append('\'').ToString();
}
