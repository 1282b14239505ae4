using System.Collections.Concurrent;
using Azure;
using Azure.Security.KeyVault.Secrets;
using Microsoft.Extensions.Logging;
using PsaSync.Core.Ingress;

namespace PsaSync.Hosting;

/// <summary>
/// Webhook signing secrets from Key Vault: <c>webhook-&lt;source&gt;-current</c> and <c>webhook-&lt;source&gt;-previous</c>
/// (latest versions). Each source's pair is cached for <c>ttl</c>, so a rotation is picked up within it and a burst of
/// webhooks costs one Key Vault read. If Key Vault cannot be read when the cache is due, the cached pair keeps serving
/// (a Key Vault hiccup must not stop ingress); with nothing cached the call is refused with 503 and retried by its sender.
/// Secret values never reach a log or an exception message.
/// </summary>
public sealed class KeyVaultWebhookSecretSource(SecretClient client, TimeSpan ttl, TimeProvider clock, ILogger<KeyVaultWebhookSecretSource> logger)
    : IWebhookSecretSource
{
    private readonly ConcurrentDictionary<string, (WebhookSourceSecrets Secrets, DateTimeOffset ReadAt)> _cache = new(StringComparer.OrdinalIgnoreCase);

    public static string SecretName(string source, string slot) => $"webhook-{source.ToLowerInvariant()}-{slot}";

    public async ValueTask<WebhookSourceSecrets> GetAsync(string source, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (_cache.TryGetValue(source, out var cached) && now - cached.ReadAt < ttl)
        {
            return cached.Secrets;
        }
        try
        {
            var secrets = new WebhookSourceSecrets(
                await ReadAsync(SecretName(source, "current"), cancellationToken),
                await ReadAsync(SecretName(source, "previous"), cancellationToken));
            _cache[source] = (secrets, now);
            return secrets;
        }
        catch (Exception ex) when (ex is RequestFailedException or Azure.Identity.AuthenticationFailedException)
        {
            // The exception names the vault and the status, never a secret value.
            if (cached.Secrets is not null)
            {
                logger.LogWarning(ex, "Key Vault could not be read for webhook source {Source}; using the secrets read at {ReadAt}", source, cached.ReadAt);
                return cached.Secrets;
            }
            throw new WebhookSecretsUnavailableException($"Key Vault could not be read for webhook source '{source}'.", ex);
        }
    }

    /// <summary>The secret's latest value, or null when it does not exist (no previous secret outside a rotation) or is disabled.</summary>
    private async Task<string?> ReadAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            var response = await client.GetSecretAsync(name, null, cancellationToken);
            return response.Value.Properties.Enabled == false ? null : response.Value.Value;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }
}
