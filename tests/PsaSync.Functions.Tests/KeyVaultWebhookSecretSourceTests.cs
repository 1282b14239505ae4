using Azure;
using Azure.Security.KeyVault.Secrets;
using Microsoft.Extensions.Logging;
using NSubstitute;
using NSubstitute.ExceptionExtensions;
using PsaSync.Core.Ingress;
using PsaSync.Functions.Tests.Support;
using PsaSync.Hosting;

namespace PsaSync.Functions.Tests;

/// <summary>The function apps' webhook secrets from Key Vault: names, the two slots, the cache and what happens when Key Vault fails.</summary>
public class KeyVaultWebhookSecretSourceTests
{
    private static readonly TimeSpan Ttl = TimeSpan.FromMinutes(1);

    private readonly SecretClient _client = Substitute.For<SecretClient>();
    private readonly FakeTimeProvider _clock = new(TestData.Now);

    private readonly ListLogger _logger = new();

    private KeyVaultWebhookSecretSource Source() => new(_client, Ttl, _clock, _logger);

    private void Holds(string name, string value) =>
        _client.GetSecretAsync(name, null, Arg.Any<CancellationToken>())
            .Returns(Response.FromValue(SecretModelFactory.KeyVaultSecret(new SecretProperties(name), value), Substitute.For<Response>()));

    private void Lacks(string name) =>
        _client.GetSecretAsync(name, null, Arg.Any<CancellationToken>()).ThrowsAsync(new RequestFailedException(404, "SecretNotFound"));

    private void Fails(string name) =>
        _client.GetSecretAsync(name, null, Arg.Any<CancellationToken>()).ThrowsAsync(new RequestFailedException(503, "Service unavailable"));

    [Fact]
    public async Task It_reads_the_current_and_previous_secret_of_the_source()
    {
        Holds("webhook-psa-current", "new-value");
        Holds("webhook-psa-previous", "old-value");

        var secrets = await Source().GetAsync("psa", CancellationToken.None);

        Assert.Equal(["new-value", "old-value"], secrets.Active);
    }

    [Fact]
    public async Task Outside_a_rotation_there_is_no_previous_secret()
    {
        Holds("webhook-crm-current", "crm-value");
        Lacks("webhook-crm-previous");

        var secrets = await Source().GetAsync("crm", CancellationToken.None);

        Assert.Equal(["crm-value"], secrets.Active);
    }

    [Fact]
    public async Task Within_the_cache_time_Key_Vault_is_read_once_and_a_rotation_is_seen_after_it()
    {
        Holds("webhook-psa-current", "first");
        Lacks("webhook-psa-previous");
        var source = Source();

        await source.GetAsync("psa", CancellationToken.None);
        Holds("webhook-psa-current", "second");
        var cached = await source.GetAsync("psa", CancellationToken.None);
        _clock.Advance(Ttl);
        var refreshed = await source.GetAsync("psa", CancellationToken.None);

        Assert.Equal(["first"], cached.Active);
        Assert.Equal(["second"], refreshed.Active);
        await _client.Received(2).GetSecretAsync("webhook-psa-current", null, Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task When_Key_Vault_fails_after_a_good_read_the_cached_secrets_keep_serving()
    {
        Holds("webhook-psa-current", "cached-value");
        Lacks("webhook-psa-previous");
        var source = Source();
        await source.GetAsync("psa", CancellationToken.None);

        Fails("webhook-psa-current");
        _clock.Advance(Ttl * 3);
        var secrets = await source.GetAsync("psa", CancellationToken.None);

        Assert.Equal(["cached-value"], secrets.Active);
        var warning = Assert.Single(_logger.Lines);
        Assert.Contains("psa", warning, StringComparison.Ordinal);
        Assert.DoesNotContain("cached-value", warning, StringComparison.Ordinal);
    }

    [Fact]
    public async Task When_Key_Vault_fails_with_nothing_cached_the_secrets_are_unavailable()
    {
        Fails("webhook-erp-current");

        var failure = await Assert.ThrowsAsync<WebhookSecretsUnavailableException>(() => Source().GetAsync("erp", CancellationToken.None).AsTask());

        Assert.Contains("erp", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Secret_names_follow_webhook_source_slot()
    {
        Assert.Equal("webhook-psa-current", KeyVaultWebhookSecretSource.SecretName("PSA", "current"));
        Assert.Equal("webhook-erp-previous", KeyVaultWebhookSecretSource.SecretName("erp", "previous"));
    }

    /// <summary>Every line logged, with its exception, as text.</summary>
    private sealed class ListLogger : ILogger<KeyVaultWebhookSecretSource>
    {
        public List<string> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add($"{logLevel} {formatter(state, exception)} {exception}");
    }
}
