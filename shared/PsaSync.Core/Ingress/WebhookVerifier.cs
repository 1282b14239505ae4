using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;

namespace PsaSync.Core.Ingress;

/// <summary>
/// Checks a webhook call's signature (see <see cref="WebhookSignature"/>) against the source's active secrets, in
/// constant time, and refuses a timestamp outside the window, which bounds how long a captured call can be replayed
/// (a replay inside the window is a duplicate delivery, which the dedupe ledger absorbs).
/// </summary>
public sealed class WebhookVerifier(IWebhookSecretSource secrets, IngressLimits limits, TimeProvider clock, ILogger<WebhookVerifier> logger)
{
    private const int SignatureHexLength = 64;

    /// <summary>Null when the call is authentic; otherwise the problem to answer. Never says which secret was expected.</summary>
    public async ValueTask<Problem?> VerifyAsync(string source, bool sourceIsServed, string? timestamp, string? signature, ReadOnlyMemory<byte> body,
        CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(signature) || string.IsNullOrWhiteSpace(timestamp))
        {
            return Unauthorized(IngressReasons.SignatureMissing, "Signature missing",
                $"Sign the call: send {WebhookSignature.TimestampHeader} (unix seconds) and {WebhookSignature.SignatureHeader} (v1=HMAC-SHA256 hex).");
        }
        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || seconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds())
        {
            return Unauthorized(IngressReasons.TimestampInvalid, "Timestamp invalid", $"{WebhookSignature.TimestampHeader} must be whole unix seconds.");
        }
        var age = clock.GetUtcNow() - DateTimeOffset.FromUnixTimeSeconds(seconds);
        if (age > limits.TimestampTolerance)
        {
            return Unauthorized(IngressReasons.TimestampStale, "Timestamp too old",
                string.Create(CultureInfo.InvariantCulture, $"The call was signed {age.TotalSeconds:0} s ago; at most {limits.TimestampTolerance.TotalSeconds:0} s are accepted. Sign each delivery when it is sent."));
        }
        if (-age > limits.TimestampTolerance)
        {
            return Unauthorized(IngressReasons.TimestampInFuture, "Timestamp in the future",
                string.Create(CultureInfo.InvariantCulture, $"The call is dated {-age.TotalSeconds:0} s ahead of this server; at most {limits.TimestampTolerance.TotalSeconds:0} s are accepted. Check the sender's clock."));
        }
        if (!signature.StartsWith(WebhookSignature.SchemePrefix, StringComparison.Ordinal)
            || signature.Length != WebhookSignature.SchemePrefix.Length + SignatureHexLength
            || !TryParseHex(signature.AsSpan(WebhookSignature.SchemePrefix.Length), out var presented))
        {
            return Unauthorized(IngressReasons.SignatureMalformed, "Signature malformed",
                $"{WebhookSignature.SignatureHeader} must be 'v1=' followed by 64 hex digits.");
        }

        // A source no route serves cannot have a secret: answer as for a wrong signature without asking the store, so
        // made-up sources neither cost a Key Vault call nor tell the caller which sources exist.
        var active = sourceIsServed ? (await secrets.GetAsync(source, cancellationToken)).Active : [];
        if (sourceIsServed && active.Count == 0)
        {
            logger.LogError("Webhook source {Source} has no signing secret configured; its calls are refused", source);
        }
        var matched = false;
        foreach (var secret in active)
        {
            // Constant time, so the comparison does not tell an attacker how much of a guess was right.
            matched |= CryptographicOperations.FixedTimeEquals(WebhookSignature.Mac(secret, seconds, body.Span), presented);
        }
        return matched
            ? null
            : Unauthorized(IngressReasons.SignatureInvalid, "Signature invalid",
                "The signature does not match the body and timestamp under this source's secrets. Check the secret and sign the exact bytes sent.");
    }

    private static bool TryParseHex(ReadOnlySpan<char> hex, out byte[] bytes)
    {
        bytes = new byte[hex.Length / 2];
        return Convert.FromHexString(hex, bytes, out _, out var written) == System.Buffers.OperationStatus.Done && written == bytes.Length;
    }

    private static Problem Unauthorized(string reason, string title, string detail) => Problem.Of(401, reason, title, detail);
}
