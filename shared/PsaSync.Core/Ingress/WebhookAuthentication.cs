using System.Security.Cryptography;
using System.Text;

namespace PsaSync.Core.Ingress;

/// <summary>
/// The shared secret each webhook source must present (configuration <c>PsaSync:Webhooks:Secrets:&lt;source&gt;</c>,
/// where the source is the route's first segment: psa, crm, erp). A source without a secret is refused: the
/// edge fails closed. Signed webhooks (HMAC over timestamp and body) replace this with the security work.
/// </summary>
public sealed class WebhookSecrets
{
    public const string Header = "X-PsaSync-Webhook-Secret";

    public Dictionary<string, string> Secrets { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    public bool IsAuthentic(string source, string? presented)
    {
        if (presented is null || !Secrets.TryGetValue(source, out var expected) || string.IsNullOrEmpty(expected)
            // An app setting whose Key Vault reference did not resolve still holds the reference text: never a secret.
            || expected.StartsWith("@Microsoft.KeyVault(", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        // Constant time, so the comparison does not tell an attacker how much of a guess was right.
        return CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));
    }

    public static string SourceOf(string route) => route.Split('/', 2)[0];
}
