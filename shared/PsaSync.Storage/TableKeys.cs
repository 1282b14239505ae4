using System.Security.Cryptography;
using System.Text;

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
                builder.Append('%').Append(((int)c).ToString("X2"));
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
    /// timesheet, a month-end) so no single partition hits its ~2,000 entities/s ceiling.
    /// </summary>
    public static string HashBucket(string value) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)).AsSpan(0, 1));

    /// <summary>The smallest string greater than every string that starts with <paramref name="prefix"/>, for range queries.</summary>
    public static string PrefixUpperBound(string prefix) => prefix[..^1] + (char)(prefix[^1] + 1);
}
