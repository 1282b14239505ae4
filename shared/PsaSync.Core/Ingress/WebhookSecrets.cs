namespace PsaSync.Core.Ingress;

/// <summary>
/// Where the edge gets each webhook source's signing secrets: Key Vault in Azure, settings locally. A source is the
/// route's first segment (psa, crm, erp).
/// </summary>
public interface IWebhookSecretSource
{
    /// <summary>
    /// The source's secrets; <see cref="WebhookSourceSecrets.None"/> when it has none (the edge then refuses it).
    /// Throws <see cref="WebhookSecretsUnavailableException"/> when the store cannot be read and nothing is cached.
    /// </summary>
    ValueTask<WebhookSourceSecrets> GetAsync(string source, CancellationToken cancellationToken);
}

/// <summary>
/// The two secrets a source may sign with: the current one and, during a rotation, the previous one. Both verify, so a
/// sender can switch to the new secret at any moment between the two steps of a rotation (docs/operations.md).
/// </summary>
public sealed record WebhookSourceSecrets(string? Current, string? Previous)
{
    public static WebhookSourceSecrets None { get; } = new(null, null);

    /// <summary>The usable secrets. Blank values and unresolved Key Vault references (still "@Microsoft.KeyVault(...)") never verify anything.</summary>
    public IReadOnlyList<string> Active =>
        [.. new[] { Current, Previous }.OfType<string>().Where(s => !string.IsNullOrWhiteSpace(s)
            && !s.StartsWith("@Microsoft.KeyVault(", StringComparison.OrdinalIgnoreCase))];

    // Records print their members; a secret must never reach a log or an exception message that way.
    public override string ToString() => $"{nameof(WebhookSourceSecrets)} {{ Active = {Active.Count} }}";
}

/// <summary>The secret store could not be read and no earlier value is cached: the edge answers 503 and the sender retries.</summary>
public sealed class WebhookSecretsUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Secrets from configuration (<c>PsaSync:Webhooks:Secrets:&lt;source&gt;</c> and <c>PsaSync:Webhooks:PreviousSecrets:&lt;source&gt;</c>),
/// for the local runtime, tests and development.
/// </summary>
public sealed class SettingsWebhookSecretSource(IReadOnlyDictionary<string, string> current, IReadOnlyDictionary<string, string>? previous = null)
    : IWebhookSecretSource
{
    private readonly Dictionary<string, string> _current = new(current, StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, string> _previous = new(previous ?? new Dictionary<string, string>(), StringComparer.OrdinalIgnoreCase);

    public ValueTask<WebhookSourceSecrets> GetAsync(string source, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new WebhookSourceSecrets(_current.GetValueOrDefault(source), _previous.GetValueOrDefault(source)));
}
