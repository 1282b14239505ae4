using System.Text.Json;
using System.Text.RegularExpressions;
using PsaSync.Infra.Tests.Support;

namespace PsaSync.Infra.Tests;

/// <summary>No secret value, key or key-bearing connection string is in the templates, parameters or hooks.</summary>
public sealed partial class SecretTests
{
    private static IReadOnlyList<string> InfraFiles() =>
        [.. Repo.Files("infra", "*").Where(f => !f.EndsWith(".md", StringComparison.Ordinal)), Repo.PathOf("azure.yaml")];

    [Fact]
    public void No_file_holds_a_key_a_key_bearing_connection_string_or_a_password()
    {
        var problems = new List<string>();
        foreach (var file in InfraFiles())
        {
            var text = File.ReadAllText(file);
            problems.AddRange(Forbidden().Matches(text).Select(m => $"{Repo.Relative(file)}: {m.Value}"));
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void The_checks_catch_what_they_are_meant_to_catch()
    {
        string[] bad =
        [
            "DefaultEndpointsProtocol=https;AccountName=x;AccountKey=abc==",
            "Endpoint=sb://x.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=abc=",
            "value: listKeys(storage.id, '2023-01-01').keys[0].value",
            "AZURE_OPENAI_KEY: storage.listKeys().keys[0].value",
            "x: account.listConnectionStrings()",
            "adminPassword: 'P@ssw0rd!'",
            "\"password\": \"hunter2\"",
            "https://x.blob.core.windows.net/c?sv=2022-11-02&sig=abcdef",
        ];

        Assert.All(bad, b => Assert.Matches(Forbidden(), b));
        Assert.DoesNotMatch(Forbidden(), "APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'");
        Assert.DoesNotMatch(Forbidden(), "\"PsaSync__Webhooks__Secrets__psa\": \"local-dev-secret-psa\"");
    }

    [Fact]
    public void The_parameters_file_only_maps_azd_environment_values()
    {
        using var parameters = JsonDocument.Parse(Repo.Read("infra/main.parameters.json"));

        foreach (var parameter in parameters.RootElement.GetProperty("parameters").EnumerateObject())
        {
            Assert.Matches(@"^\$\{[A-Z_]+(=[^}]*)?\}$", parameter.Value.GetProperty("value").GetString());
        }
    }

    [Fact]
    public void The_compiled_template_reads_no_key_and_builds_no_key_bearing_connection_string()
    {
        var matches = Forbidden().Matches(Arm.Text).Select(m => m.Value).ToList();

        Assert.True(matches.Count == 0, "The compiled template: " + string.Join(", ", matches));
        Assert.DoesNotContain("AccountKey", Arm.Text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("SharedAccessKey", Arm.Text, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void The_parameters_file_maps_only_parameters_main_declares_and_every_required_one()
    {
        using var file = JsonDocument.Parse(Repo.Read("infra/main.parameters.json"));
        var mapped = file.RootElement.GetProperty("parameters").EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        var declared = Arm.Main.GetProperty("parameters").EnumerateObject().ToList();

        Assert.Empty(mapped.Except(declared.Select(p => p.Name)));
        Assert.Empty(declared.Where(p => !p.Value.TryGetProperty("defaultValue", out _)).Select(p => p.Name).Except(mapped));
    }

    [Fact]
    public void Secrets_are_neither_created_nor_given_defaults_in_the_templates()
    {
        Assert.Empty(Arm.OfType("Microsoft.KeyVault/vaults/secrets"));
        // A secure parameter would be a secret passed through azd; there are none, and none with a default.
        var secure = Arm.AllResources().Where(r => r.Type == "Microsoft.Resources/deployments")
            .Select(r => r.Resource.GetProperty("properties").GetProperty("template"))
            .Prepend(Arm.Main)
            .SelectMany(t => t.TryGetProperty("parameters", out var parameters) ? parameters.EnumerateObject().ToList() : [])
            .Where(p => p.Value.GetProperty("type").GetString() is "securestring" or "secureObject" && p.Value.TryGetProperty("defaultValue", out _))
            .Select(p => p.Name)
            .ToList();
        Assert.Empty(secure);
    }

    [Fact]
    public void Storage_Service_Bus_and_Application_Insights_refuse_keys_and_Key_Vault_uses_RBAC()
    {
        var storage = Arm.Single("Microsoft.Storage/storageAccounts").Properties;
        Assert.False(storage.GetProperty("allowSharedKeyAccess").GetBoolean());
        Assert.False(storage.GetProperty("allowBlobPublicAccess").GetBoolean());
        Assert.Equal("TLS1_2", storage.GetProperty("minimumTlsVersion").GetString());
        Assert.True(Arm.Single("Microsoft.Insights/components").Properties.GetProperty("DisableLocalAuth").GetBoolean());
        Assert.Equal("parameters('logAnalyticsName')", ArmExpression.CallArguments(ArmExpression.Normalize(Arm.Single("Microsoft.Insights/components").Properties.GetProperty("WorkspaceResourceId")), "resourceId")![1]);
        Assert.True(Arm.Single("Microsoft.ServiceBus/namespaces").Properties.GetProperty("disableLocalAuth").GetBoolean());

        var vault = Arm.Single("Microsoft.KeyVault/vaults").Properties;
        Assert.True(vault.GetProperty("enableRbacAuthorization").GetBoolean());
        Assert.False(vault.TryGetProperty("accessPolicies", out var policies) && policies.GetArrayLength() > 0, "Key Vault has access policies; access is by Azure RBAC only.");
        Assert.True(vault.GetProperty("enableSoftDelete").GetBoolean());
    }

    [Fact]
    public void Every_resource_is_declared_with_a_pinned_API_version()
    {
        var resources = Arm.AllResources();

        Assert.All(resources, r => Assert.Matches(@"^\d{4}-\d{2}-\d{2}(-preview)?$", r.Resource.GetProperty("apiVersion").GetString()));
        // Nothing is restored from a registry: every module is a local file, compiled into the template.
        foreach (var file in Repo.Files("infra", "*.bicep"))
        {
            Assert.DoesNotMatch(@"'br[:/]", File.ReadAllText(file));
        }
    }

    [GeneratedRegex(
        @"AccountKey\s*=|SharedAccessKey\s*=|SharedAccessSignature|DefaultEndpointsProtocol=|\blist(Keys|Secrets|ConnectionStrings|AccountSas|ServiceSas)\s*\(|(?i:password)[""']?\s*[:=]\s*[""'][^""']+[""']|[?&]sig=",
        RegexOptions.Multiline)]
    private static partial Regex Forbidden();
}
