using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Azure.Data.Tables;

namespace PsaSync.Storage;

/// <summary>Turns business identifiers into valid, well-spread Table Storage keys.</summary>
public static class TableKeys
{
    /// <summary>
    /// The most characters <see cref="Escape"/> returns. Table Storage limits a key to 1 KiB (UTF-16, so 512
    /// characters), and keys combine an escaped id with a prefix or suffix (a reason code, ticks, another escaped
    /// id), so one escaped id stays well below half of that.
    /// </summary>
    public const int MaxEscapedLength = 200;

    /// <summary>How many characters of a long id are kept readable in front of its hash.</summary>
    private const int LongIdReadablePrefix = 120;

    /// <summary>
    /// Turns any business id into a valid Table Storage key part, by construction: the characters Table Storage
    /// forbids in keys (/ \ # ? and control characters), the escape character itself and unpaired surrogates are
    /// escaped (<c>%XX</c>, or <c>%uXXXX</c> above U+00FF), so no two ids collide; an id whose escaped form would be
    /// longer than <see cref="MaxEscapedLength"/> becomes its readable start, <c>%~</c> and the SHA-256 of the whole
    /// id (a form no short id can take, since <c>%</c> is otherwise only followed by a hex digit or <c>u</c>). Stores
    /// keep the original id in a property where they need it back; a key is never parsed.
    /// </summary>
    public static string Escape(string value)
    {
        var builder = new StringBuilder(Math.Min(value.Length, MaxEscapedLength + 1));
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                builder.Append(c).Append(value[++i]);
            }
            else if (c > 0xFF && char.IsSurrogate(c))
            {
                builder.Append("%u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
            }
            else if (c is '/' or '\\' or '#' or '?' or '%' || char.IsControl(c))
            {
                builder.Append('%').Append(((int)c).ToString("X2", CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append(c);
            }
            if (builder.Length > MaxEscapedLength)
            {
                return Shortened(value, builder);
            }
        }
        return builder.ToString();
    }

    private static string Shortened(string value, StringBuilder escaped)
    {
        var keep = LongIdReadablePrefix;
        // Never cut an escape (%XX, %uXXXX) or a surrogate pair in half.
        var lastEscape = escaped.ToString(0, keep).LastIndexOf('%');
        if (lastEscape >= 0 && lastEscape + 6 > keep)
        {
            keep = lastEscape;
        }
        if (keep > 0 && char.IsHighSurrogate(escaped[keep - 1]))
        {
            keep--;
        }
        return escaped.ToString(0, keep) + "%~" + Convert.ToHexStringLower(SHA256.HashData(MemoryMarshal.AsBytes(value.AsSpan())));
    }

    /// <summary>
    /// One of 256 partitions chosen by hash. Spreads keys that arrive in bursts with similar prefixes (a whole
    /// timesheet, a month-end) so no partition nears its ~2,000 entities/s ceiling; rows written at the same time still
    /// meet in partitions often enough to share entity-group transactions (see <see cref="TableWriteCoalescer"/>).
    /// Not coarser: the Azurite emulator scans a partition's rows on every point operation, so a few huge partitions
    /// slow it down as they grow (16 buckets halved the month-end benchmark's speed), while Azure itself does not care.
    /// </summary>
    public static string HashBucket(string value) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)).AsSpan(0, 1));

    /// <summary>
    /// The row key of one of an id's rows inside a shared partition: the escaped id, a separator an escaped id cannot
    /// contain ('%' is only ever followed by two hex digits there), then <paramref name="suffix"/>. All rows of the id
    /// are one range query (<see cref="IdRangeFilter"/>), and no id's range holds another id's rows.
    /// </summary>
    public static string IdRowKey(string id, string suffix) => Escape(id) + IdSeparator + suffix;

    /// <summary>The filter for every row <see cref="IdRowKey"/> made for <paramref name="id"/> in <paramref name="partition"/>.</summary>
    public static string IdRangeFilter(string partition, string id)
    {
        var prefix = Escape(id) + IdSeparator;
        return TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {prefix} and RowKey lt {PrefixUpperBound(prefix)}");
    }

    private const string IdSeparator = "%|";

    /// <summary>The smallest string greater than every string that starts with <paramref name="prefix"/>, for range queries.</summary>
    public static string PrefixUpperBound(string prefix) => prefix[..^1] + (char)(prefix[^1] + 1);
}
