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
    public void Secrets_are_neither_created_nor_given_defaults_in_the_templates()
    {
        foreach (var file in Repo.Files("infra", "*.bicep"))
        {
            var text = Bicep.WithoutComments(File.ReadAllText(file));
            Assert.DoesNotContain("Microsoft.KeyVault/vaults/secrets", text, StringComparison.Ordinal);
            // A @secure() parameter would be a secret passed through azd; there are none, and none with a default.
            Assert.DoesNotMatch(@"@secure\(\)\s*(@[^\n]*\n\s*)*param \w+ \w+\s*=", text);
        }
    }

    [Fact]
    public void Storage_Service_Bus_and_Application_Insights_refuse_keys()
    {
        Assert.Equal("false", Bicep.AsObject(Bicep.AsObject(Bicep.BodyAfter(Templates.Main, "module storage 'br/public:avm/res/storage/storage-account:"))["params"])["allowSharedKeyAccess"]?.ToString());
        Assert.Equal("true", Bicep.AsObject(Bicep.AsObject(Bicep.BodyAfter(Templates.Main, "module monitoring 'br/public:avm/res/insights/component:"))["params"])["disableLocalAuth"]?.ToString());
        Assert.Equal("true", Bicep.AsObject(Bicep.AsObject(Bicep.BodyAfter(Templates.ServiceBus, "resource namespace 'Microsoft.ServiceBus/namespaces@"))["properties"])["disableLocalAuth"]?.ToString());
        var vault = Bicep.AsObject(Bicep.AsObject(Bicep.BodyAfter(Repo.Read("infra/app/keyvault.bicep"), "resource vault 'Microsoft.KeyVault/vaults@"))["properties"]);
        Assert.Equal("true", vault["enableRbacAuthorization"]?.ToString());
    }

    [Fact]
    public void Every_module_from_the_public_registry_is_pinned_to_a_version()
    {
        var references = Repo.Files("infra", "*.bicep").SelectMany(f => Regex.Matches(File.ReadAllText(f), @"'br/public:([^']+)'").Select(m => m.Groups[1].Value)).ToList();

        Assert.NotEmpty(references);
        Assert.All(references, r => Assert.Matches(@"^avm/res/[a-z0-9\-/]+:\d+\.\d+\.\d+$", r));
    }

    [GeneratedRegex(
        @"AccountKey\s*=|SharedAccessKey\s*=|SharedAccessSignature|DefaultEndpointsProtocol=|\blist(Keys|Secrets|ConnectionStrings|AccountSas|ServiceSas)\s*\(|(?i:password)[""']?\s*[:=]\s*[""'][^""']+[""']|[?&]sig=",
        RegexOptions.Multiline)]
    private static partial Regex Forbidden();
}
