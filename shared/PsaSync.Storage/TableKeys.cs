using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Azure.Data.Tables;

namespace PsaSync.Storage;

/// <summary>Turns business identifiers into valid, well-spread Table Storage keys.</summary>
public static class TableKeys
{
    /// <summary>
    /// Escapes the characters Table Storage forbids in keys (/ \ # ? and control characters) and the escape
    /// character itself, so any business id round-trips and no two ids collide.
    /// </summary>
    public static string Escape(string value)
    {
        var builder = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            if (c is '/' or '\\' or '#' or '?' or '%' || char.IsControl(c))
            {
                builder.Append('%').Append(((int)c).ToString("X2", CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append(c);
            }
        }
        return builder.ToString();
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
