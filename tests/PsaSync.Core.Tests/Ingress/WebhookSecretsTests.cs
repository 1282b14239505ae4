using PsaSync.Core.Ingress;

namespace PsaSync.Core.Tests.Ingress;

public class WebhookSecretsTests
{
    private static WebhookSecrets Secrets() => new()
    {
        Secrets = new(StringComparer.OrdinalIgnoreCase) { ["psa"] = "psa-secret", ["crm"] = "crm-secret", ["erp"] = "" },
    };

    [Theory]
    [InlineData("psa", "psa-secret")]
    [InlineData("crm", "crm-secret")]
    [InlineData("PSA", "psa-secret")]
    public void The_sources_own_secret_is_accepted(string source, string presented)
    {
        Assert.True(Secrets().IsAuthentic(source, presented));
    }

    [Theory]
    [InlineData("psa", "crm-secret")]
    [InlineData("psa", "psa-secret ")]
    [InlineData("psa", "PSA-SECRET")]
    [InlineData("psa", "psa-secre")]
    [InlineData("psa", "")]
    public void A_wrong_secret_is_refused(string source, string presented)
    {
        Assert.False(Secrets().IsAuthentic(source, presented));
    }

    [Fact]
    public void A_missing_secret_is_refused()
    {
        Assert.False(Secrets().IsAuthentic("psa", null));
    }

    [Theory]
    [InlineData("erp", "")]
    [InlineData("erp", "anything")]
    [InlineData("hr", "psa-secret")]
    public void A_source_without_a_configured_secret_is_refused_whatever_is_presented(string source, string presented)
    {
        Assert.False(Secrets().IsAuthentic(source, presented));
    }

    [Fact]
    public void Nothing_configured_refuses_everything()
    {
        Assert.False(new WebhookSecrets().IsAuthentic("psa", "psa-secret"));
    }

    [Fact]
    public void The_default_secrets_ignore_the_case_of_the_source()
    {
        var secrets = new WebhookSecrets();
        secrets.Secrets["Crm"] = "crm-secret";

        Assert.True(secrets.IsAuthentic("crm", "crm-secret"));
    }

    [Theory]
    [InlineData("psa/time", "psa")]
    [InlineData("psa/projects", "psa")]
    [InlineData("crm/accounts", "crm")]
    [InlineData("erp/customers", "erp")]
    [InlineData("erp", "erp")]
    public void The_source_is_the_routes_first_segment(string route, string source)
    {
        Assert.Equal(source, WebhookSecrets.SourceOf(route));
    }

    [Fact]
    public void The_header_is_X_PsaSync_Webhook_Secret()
    {
        Assert.Equal("X-PsaSync-Webhook-Secret", WebhookSecrets.Header);
    }

    [Fact]
    public void An_unresolved_Key_Vault_reference_is_never_taken_for_the_secret()
    {
        const string Unresolved = "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/psa/)";
        var secrets = new WebhookSecrets { Secrets = new(StringComparer.OrdinalIgnoreCase) { ["psa"] = Unresolved } };

        Assert.False(secrets.IsAuthentic("psa", Unresolved));
    }
}
