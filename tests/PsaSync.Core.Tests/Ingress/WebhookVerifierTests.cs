using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using NSubstitute;
using PsaSync.Core.Ingress;
using PsaSync.Core.Tests.Support;

namespace PsaSync.Core.Tests.Ingress;

/// <summary>Signing (<see cref="WebhookSignature"/>) and verification (<see cref="WebhookVerifier"/>): scheme, rotation and the timestamp window.</summary>
public class WebhookVerifierTests
{
    private const string Current = "psa-current-secret";
    private const string Previous = "psa-previous-secret";
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("""{"eventType":"time_entry.approved"}""");

    private readonly FakeTimeProvider _clock = new(TestData.Now);

    private WebhookVerifier Verifier(string? current = Current, string? previous = Previous, TimeSpan? tolerance = null)
    {
        var currentSecrets = current is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["psa"] = current };
        var previousSecrets = previous is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["psa"] = previous };
        var limits = new IngressLimits { TimestampTolerance = tolerance ?? TimeSpan.FromMinutes(5) };
        return new WebhookVerifier(new SettingsWebhookSecretSource(currentSecrets, previousSecrets), limits, _clock, NullLogger<WebhookVerifier>.Instance);
    }

    /// <summary>The reason code the verifier refuses the call with, or null when it verifies.</summary>
    private static async Task<string?> ReasonAsync(WebhookVerifier verifier, string? timestamp, string? signature, byte[]? body = null) =>
        (await verifier.VerifyAsync("psa", sourceIsServed: true, timestamp, signature, body ?? Body, CancellationToken.None))?.ReasonCode;

    private static (string Timestamp, string Signature) Sign(string secret, DateTimeOffset at, byte[]? body = null)
    {
        var headers = WebhookSignature.Headers(secret, at, body ?? Body);
        return (headers[WebhookSignature.TimestampHeader], headers[WebhookSignature.SignatureHeader]);
    }

    [Fact]
    public void The_signature_is_HMAC_SHA256_over_timestamp_dot_body_in_lowercase_hex()
    {
        var expected = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Current), Encoding.ASCII.GetBytes("1700000000.").Concat(Body).ToArray()));

        Assert.Equal("v1=" + expected, WebhookSignature.Compute(Current, 1_700_000_000, Body));
    }

    [Fact]
    public void The_headers_carry_unix_seconds_and_the_signature_over_them()
    {
        var (timestamp, signature) = Sign(Current, TestData.Now);

        Assert.Equal(TestData.Now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), timestamp);
        Assert.Equal(WebhookSignature.Compute(Current, TestData.Now.ToUnixTimeSeconds(), Body), signature);
    }

    [Fact]
    public async Task A_call_signed_with_the_current_secret_verifies()
    {
        var (timestamp, signature) = Sign(Current, TestData.Now);

        Assert.Null(await ReasonAsync(Verifier(), timestamp, signature));
    }

    [Fact]
    public async Task During_a_rotation_the_previous_secret_verifies_too()
    {
        var (timestamp, signature) = Sign(Previous, TestData.Now);

        Assert.Null(await ReasonAsync(Verifier(), timestamp, signature));
    }

    [Fact]
    public async Task After_the_rotation_is_finished_the_old_secret_no_longer_verifies()
    {
        var (timestamp, signature) = Sign(Previous, TestData.Now);

        Assert.Equal("WEBHOOK_SIGNATURE_INVALID", await ReasonAsync(Verifier(previous: null), timestamp, signature));
    }

    [Fact]
    public async Task A_changed_body_a_changed_timestamp_or_another_secret_is_WEBHOOK_SIGNATURE_INVALID()
    {
        var (timestamp, signature) = Sign(Current, TestData.Now);
        var otherBody = Encoding.UTF8.GetBytes("""{"eventType":"time_entry.approved" }""");
        var later = (TestData.Now.ToUnixTimeSeconds() + 1).ToString(CultureInfo.InvariantCulture);
        var (_, foreign) = Sign("someone-elses-secret", TestData.Now);

        Assert.Equal("WEBHOOK_SIGNATURE_INVALID", await ReasonAsync(Verifier(), timestamp, signature, otherBody));
        Assert.Equal("WEBHOOK_SIGNATURE_INVALID", await ReasonAsync(Verifier(), later, signature));
        Assert.Equal("WEBHOOK_SIGNATURE_INVALID", await ReasonAsync(Verifier(), timestamp, foreign));
    }

    [Theory]
    [InlineData(null, "v1=00")]
    [InlineData("1773135000", null)]
    [InlineData("", "")]
    public async Task A_missing_header_is_WEBHOOK_SIGNATURE_MISSING(string? timestamp, string? signature)
    {
        Assert.Equal("WEBHOOK_SIGNATURE_MISSING", await ReasonAsync(Verifier(), timestamp, signature));
    }

    [Theory]
    [InlineData("yesterday")]
    [InlineData("-5")]
    [InlineData("1.5e9")]
    [InlineData("99999999999999999999")]
    public async Task A_timestamp_that_is_not_unix_seconds_is_WEBHOOK_TIMESTAMP_INVALID(string timestamp)
    {
        var (_, signature) = Sign(Current, TestData.Now);

        Assert.Equal("WEBHOOK_TIMESTAMP_INVALID", await ReasonAsync(Verifier(), timestamp, signature));
    }

    [Theory]
    [InlineData("v1=")]
    [InlineData("v2=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    [InlineData("v1=zz23456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    public async Task A_signature_not_in_the_v1_hex_form_is_WEBHOOK_SIGNATURE_MALFORMED(string signature)
    {
        var (timestamp, _) = Sign(Current, TestData.Now);

        Assert.Equal("WEBHOOK_SIGNATURE_MALFORMED", await ReasonAsync(Verifier(), timestamp, signature));
    }

    [Fact]
    public async Task A_call_signed_just_inside_the_window_verifies_and_just_outside_is_stale()
    {
        var (inside, insideSignature) = Sign(Current, TestData.Now.AddMinutes(-5));
        var (outside, outsideSignature) = Sign(Current, TestData.Now.AddMinutes(-5).AddSeconds(-1));

        Assert.Null(await ReasonAsync(Verifier(), inside, insideSignature));
        Assert.Equal("WEBHOOK_TIMESTAMP_STALE", await ReasonAsync(Verifier(), outside, outsideSignature));
    }

    [Fact]
    public async Task A_replay_of_a_valid_call_after_the_window_is_refused()
    {
        var (timestamp, signature) = Sign(Current, TestData.Now);
        var verifier = Verifier();
        Assert.Null(await ReasonAsync(verifier, timestamp, signature));

        _clock.Advance(TimeSpan.FromMinutes(6));

        Assert.Equal("WEBHOOK_TIMESTAMP_STALE", await ReasonAsync(verifier, timestamp, signature));
    }

    [Fact]
    public async Task A_call_dated_beyond_the_window_ahead_is_WEBHOOK_TIMESTAMP_IN_FUTURE()
    {
        var (timestamp, signature) = Sign(Current, TestData.Now.AddMinutes(6));

        Assert.Equal("WEBHOOK_TIMESTAMP_IN_FUTURE", await ReasonAsync(Verifier(), timestamp, signature));
    }

    [Fact]
    public async Task The_window_is_configurable()
    {
        var (timestamp, signature) = Sign(Current, TestData.Now.AddMinutes(-2));

        Assert.Equal("WEBHOOK_TIMESTAMP_STALE", await ReasonAsync(Verifier(tolerance: TimeSpan.FromMinutes(1)), timestamp, signature));
        Assert.Null(await ReasonAsync(Verifier(tolerance: TimeSpan.FromMinutes(3)), timestamp, signature));
    }

    [Fact]
    public async Task A_source_without_secrets_refuses_everything()
    {
        var (timestamp, signature) = Sign(Current, TestData.Now);

        Assert.Equal("WEBHOOK_SIGNATURE_INVALID", await ReasonAsync(Verifier(current: null, previous: null), timestamp, signature));
    }

    [Fact]
    public async Task An_unresolved_Key_Vault_reference_is_never_taken_for_a_secret()
    {
        const string Unresolved = "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/psa/)";
        var (timestamp, signature) = Sign(Unresolved, TestData.Now);

        Assert.Equal("WEBHOOK_SIGNATURE_INVALID", await ReasonAsync(Verifier(current: Unresolved, previous: null), timestamp, signature));
    }

    [Fact]
    public async Task A_source_no_route_serves_is_refused_without_asking_the_secret_store()
    {
        var store = Substitute.For<IWebhookSecretSource>();
        var verifier = new WebhookVerifier(store, new IngressLimits(), _clock, NullLogger<WebhookVerifier>.Instance);
        var (timestamp, signature) = Sign(Current, TestData.Now);

        var problem = await verifier.VerifyAsync("made-up", sourceIsServed: false, timestamp, signature, Body, CancellationToken.None);

        Assert.Equal("WEBHOOK_SIGNATURE_INVALID", problem?.ReasonCode);
        Assert.Empty(store.ReceivedCalls());
    }

    [Fact]
    public void Secrets_do_not_print_their_values()
    {
        Assert.DoesNotContain(Current, new WebhookSourceSecrets(Current, Previous).ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("psa/time", "psa")]
    [InlineData("crm/accounts", "crm")]
    [InlineData("erp", "erp")]
    public void The_source_is_the_routes_first_segment(string route, string source)
    {
        Assert.Equal(source, WebhookIngress.SourceOf(route));
    }
}
