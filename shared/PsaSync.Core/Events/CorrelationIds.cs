using System.Security.Cryptography;
using System.Text;

namespace PsaSync.Core.Events;

public static class CorrelationIds
{
    /// <summary>
    /// The correlation id of one record version, derived from its idempotency key. Every delivery of the same
    /// record version (duplicates, replays) lands in the same timeline.
    /// </summary>
    public static string ForIdempotencyKey(string idempotencyKey)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(idempotencyKey));
        return Convert.ToHexStringLower(hash.AsSpan(0, 12));
    }
}
