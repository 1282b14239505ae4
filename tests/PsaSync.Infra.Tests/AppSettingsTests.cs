using System.Text.Json;
using System.Text.RegularExpressions;
using PsaSync.Infra.Tests.Support;

namespace PsaSync.Infra.Tests;

/// <summary>
/// Every app setting the code reads is set on the apps by the compiled template, and present in local.settings.sample.json.
/// The list comes from the code: the %Setting% expressions, connection names and webhook routes in the apps' generated
/// functions.metadata, the properties of PsaSyncOptions, and the Azure SDK types the code uses.
/// </summary>
public sealed class AppSettingsTests
{
    /// <summary>
    /// What infra does with each PsaSyncOptions key. A new option fails <see cref="Every_PsaSync_option_has_a_decision_for_Azure"/>
    /// until it is put in one of these lists.
    /// </summary>
    private static readonly IReadOnlySet<string> SetInAzure = new HashSet<string>(StringComparer.Ordinal)
    {
        "PsaSync__Storage__TableServiceUri",
        "PsaSync__Storage__TablePrefix",
        "PsaSync__Messaging__ServiceBusNamespace",
        "PsaSync__Messaging__MaxDeliveryCount",
        "PsaSync__Erp__Kind",
        "PsaSync__Psa__Kind",
        "PsaSync__Webhooks__KeyVaultUri",
        "PsaSync__Parking__MaxWait",
        "PsaSync__ErpBudget__RequestsPerWindow",
        "PsaSync__ErpBudget__MaxConcurrency",
    };

    /// <summary>Options whose code default is right in Azure, with the reason.</summary>
    private static readonly IReadOnlyDictionary<string, string> DefaultInAzure = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["PsaSync__Messaging__FirstRetryDelay"] = "retry delays apply only where the transport can wait (the local queue); Service Bus redelivers at once",
        ["PsaSync__Messaging__MaxRetryDelay"] = "as FirstRetryDelay",
        ["PsaSync__Messaging__ClaimLease"] = "the default (1 minute) matches the queues' lock duration",
        ["PsaSync__SandboxDataDirectory"] = "the sandbox connectors keep no journal in Azure",
        ["PsaSync__Billing__InvoiceDating"] = "RunDay suits every firm; PeriodEnd is a choice a firm makes with its accountants (docs/configuration.md)",
        ["PsaSync__Billing__ResolutionDeadline"] = "a business default (docs/configuration.md); override with an app setting where a firm needs another",
        ["PsaSync__Billing__RecheckInterval"] = "as ResolutionDeadline",
        ["PsaSync__Billing__CeilingWarningShare"] = "as ResolutionDeadline",
        ["PsaSync__Billing__PostingSla"] = "as ResolutionDeadline",
        ["PsaSync__Billing__ReconciliationPeriods"] = "as ResolutionDeadline",
        ["PsaSync__Webhooks__SecretCacheTtl"] = "one minute bounds how long a rotated secret takes to be seen; Key Vault is read at most once a minute per source",
        ["PsaSync__Webhooks__TimestampTolerance"] = "five minutes of clock skew and delivery delay, the usual window for signed webhooks",
        ["PsaSync__Webhooks__MaxPayloadBytes"] = "an edge limit in code (1 MiB); override with an app setting where a sender needs more",
        ["PsaSync__Webhooks__MaxRecordsPerCall"] = "as MaxPayloadBytes (1,000 records)",
        ["PsaSync__ErpBudget__Window"] = "the window the ERP counts requests in (Business Central: 5 minutes); RequestsPerWindow carries the app's share",
        ["PsaSync__ErpBudget__BatchSize"] = "the ERP's own batch limit (Business Central: 100), the same for every app",
        ["PsaSync__ErpBudget__MaxThrottleRetries"] = "how long a call waits out 429s before the message is retried; the default suits every app",
        ["PsaSync__CostPostings__Mode"] = "Batched is the product's path; PerRecord is the benchmark's baseline",
        ["PsaSync__CostPostings__ProjectLookupCacheDuration"] = "a business default (docs/configuration.md)",
        ["PsaSync__CostPostings__MaxEntriesPerRun"] = "bounds one run's memory; the next timer run takes the rest",
        ["PsaSync__CostPostings__WriteParallelism"] = "Table Storage and the PSA take far more than the default's 16 writes at a time",
    };

    /// <summary>Options that only make sense off Azure, and the Azure setting that replaces them.</summary>
    private static readonly IReadOnlyDictionary<string, string> LocalOnly = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["PsaSync__Storage__ConnectionString"] = "PsaSync__Storage__TableServiceUri",
        ["PsaSync__Webhooks__Secrets__*"] = "PsaSync__Webhooks__KeyVaultUri",
        ["PsaSync__Webhooks__PreviousSecrets__*"] = "PsaSync__Webhooks__KeyVaultUri",
    };

    /// <summary>True when <paramref name="key"/> is in <paramref name="present"/>, or stood in for by a local counterpart (a wildcard counts when one key matches it).</summary>
    private static bool IsPresentOrStoodInFor(string key, IReadOnlyCollection<string> present) =>
        present.Contains(key) || LocalOnly.Where(p => p.Value == key).Any(p => p.Key.EndsWith("__*", StringComparison.Ordinal)
            ? present.Any(k => k.StartsWith(p.Key[..^1], StringComparison.Ordinal))
            : present.Contains(p.Key));

    /// <summary>Sandbox fault injection (PsaSync:Erp:Faults:*, PsaSync:Psa:Faults:*): off unless a demo turns it on.</summary>
    private static bool IsSandboxFaultOption(string key) =>
        key.StartsWith("PsaSync__Erp__Faults__", StringComparison.Ordinal) || key.StartsWith("PsaSync__Psa__Faults__", StringComparison.Ordinal);

    private const string IdentityClientId = "parameters('identityClientId')";

    /// <summary>A storage endpoint read from the account at deployment ("reference(resourceId('Microsoft.Storage/storageAccounts', ...), ...).primaryEndpoints.table").</summary>
    private static void AssertStorageEndpoint(string service, string value)
    {
        Assert.StartsWith("reference(resourceId('Microsoft.Storage/storageAccounts', parameters('storageAccountName'))", value, StringComparison.Ordinal);
        Assert.EndsWith($".primaryEndpoints.{service}", value, StringComparison.Ordinal);
    }

    public static TheoryData<string> ServiceNames()
    {
        var data = new TheoryData<string>();
        foreach (var service in Templates.Services)
        {
            data.Add(service.Name);
        }
        return data;
    }

    [Fact]
    public void Every_PsaSync_option_has_a_decision_for_Azure()
    {
        var options = CodeFacts.OptionSettings();

        var undecided = options.Where(o => !SetInAzure.Contains(o) && !DefaultInAzure.ContainsKey(o) && !LocalOnly.ContainsKey(o) && !IsSandboxFaultOption(o)).ToList();
        Assert.True(undecided.Count == 0, $"PsaSyncOptions has keys infra has not decided on: {string.Join(", ", undecided)}. Set them in infra/app/function-app.bicep or list them in {nameof(AppSettingsTests)}.");
        var stale = SetInAzure.Concat(DefaultInAzure.Keys).Concat(LocalOnly.Keys).Except(options).ToList();
        Assert.True(stale.Count == 0, $"No longer in PsaSyncOptions: {string.Join(", ", stale)}.");
    }

    [Fact]
    public void Every_app_gets_the_PsaSync_options_set_in_Azure()
    {
        var common = Templates.CommonSettings;

        foreach (var key in SetInAzure.Where(k => !k.EndsWith("__*", StringComparison.Ordinal)))
        {
            Assert.Contains(key, common);
        }
        foreach (var key in LocalOnly.Keys)
        {
            Assert.DoesNotContain(key, common);
        }
        Assert.Equal("'sandbox'", Templates.CommonSettingValue("PsaSync__Erp__Kind"));
        Assert.Equal("'sandbox'", Templates.CommonSettingValue("PsaSync__Psa__Kind"));
        AssertStorageEndpoint("table", Templates.CommonSettingValue("PsaSync__Storage__TableServiceUri"));
        Assert.Equal("parameters('serviceBusFullyQualifiedNamespace')", Templates.CommonSettingValue("PsaSync__Messaging__ServiceBusNamespace"));
        Assert.Equal("parameters('tablePrefix')", Templates.CommonSettingValue("PsaSync__Storage__TablePrefix"));
        Assert.Equal("variables('tablePrefix')", Arm.ModuleParameter(Arm.Module("functionApps"), "tablePrefix"));
    }

    [Theory]
    [MemberData(nameof(ServiceNames))]
    public void Every_binding_setting_and_connection_of_an_app_is_set_for_that_app(string serviceName)
    {
        var service = Assert.Single(Templates.Services, s => s.Name == serviceName);
        var app = Templates.App(serviceName);
        var bindings = FunctionMetadata.Bindings(service.ProjectFolder);
        var settings = Templates.SettingsOf(app);

        foreach (var setting in bindings.BindingSettings)
        {
            Assert.True(settings.Contains(setting.Replace(":", "__", StringComparison.Ordinal)), $"{serviceName} reads %{setting}% but infra does not set it.");
        }
        foreach (var connection in bindings.Connections)
        {
            Assert.Equal("parameters('serviceBusFullyQualifiedNamespace')", Templates.CommonSettingValue($"{connection}__fullyQualifiedNamespace"));
            Assert.Equal("'managedidentity'", Templates.CommonSettingValue($"{connection}__credential"));
            Assert.Equal(IdentityClientId, Templates.CommonSettingValue($"{connection}__clientId"));
            Assert.DoesNotContain(connection, Templates.CommonSettings);
        }
        // An app's own settings are those its bindings read (its timer schedules), no others.
        Assert.Empty(app.Settings.Keys.Except(bindings.BindingSettings.Select(s => s.Replace(":", "__", StringComparison.Ordinal))));
    }

    [Fact]
    public void Webhook_secrets_are_read_from_Key_Vault_with_the_app_identity_and_never_put_in_app_settings()
    {
        Assert.Equal("parameters('keyVaultUri')", Templates.CommonSettingValue("PsaSync__Webhooks__KeyVaultUri"));
        Assert.EndsWith("'Microsoft.Resources/deployments', 'keyvault'), '2025-04-01').outputs.uri.value", Arm.ModuleParameter(Arm.Module("functionApps"), "keyVaultUri"), StringComparison.Ordinal);
        Assert.EndsWith(".vaultUri]", Arm.Module("keyvault").GetProperty("properties").GetProperty("template").GetProperty("outputs").GetProperty("uri").GetProperty("value").GetString(), StringComparison.Ordinal);
        Assert.True(CodeFacts.Uses("SecretClient"));
        Assert.DoesNotContain("@Microsoft.KeyVault(", Arm.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(Templates.CommonSettings, k => k.StartsWith("PsaSync__Webhooks__Secrets__", StringComparison.Ordinal));
    }

    [Fact]
    public void Host_storage_and_the_Azure_SDK_clients_use_the_app_identity()
    {
        Assert.Equal("'managedidentity'", Templates.CommonSettingValue("AzureWebJobsStorage__credential"));
        Assert.Equal(IdentityClientId, Templates.CommonSettingValue("AzureWebJobsStorage__clientId"));
        AssertStorageEndpoint("blob", Templates.CommonSettingValue("AzureWebJobsStorage__blobServiceUri"));
        Assert.DoesNotContain("AzureWebJobsStorage", Templates.CommonSettings);

        // DefaultAzureCredential (Table Storage, the Service Bus publisher) picks the user-assigned identity by AZURE_CLIENT_ID.
        Assert.True(CodeFacts.Uses("DefaultAzureCredential"));
        Assert.Equal(IdentityClientId, Templates.CommonSettingValue("AZURE_CLIENT_ID"));
        // ... and the module gets the client id of the app's own identity.
        Assert.EndsWith("format('identity-{0}', variables('apps')[copyIndex()].serviceName)), '2025-04-01').outputs.clientId.value", Arm.ModuleParameter(Arm.Module("functionApps"), "identityClientId"), StringComparison.Ordinal);

        // The worker's Application Insights SDK and the host need the connection string; ingestion is by Entra ID.
        Assert.True(CodeFacts.Uses("AddApplicationInsightsTelemetryWorkerService"));
        var connectionString = Templates.CommonSettingValue("APPLICATIONINSIGHTS_CONNECTION_STRING");
        Assert.StartsWith("reference(resourceId('Microsoft.Insights/components', ", connectionString, StringComparison.Ordinal);
        Assert.EndsWith(").ConnectionString", connectionString, StringComparison.Ordinal);
        Assert.Equal("format('ClientId={0};Authorization=AAD', parameters('identityClientId'))", Templates.CommonSettingValue("APPLICATIONINSIGHTS_AUTHENTICATION_STRING"));
    }

    [Fact]
    public void Each_app_has_its_own_Durable_task_hub_with_the_Azure_Storage_backend()
    {
        using var host = JsonDocument.Parse(Repo.Read("host.json"));
        var durable = host.RootElement.GetProperty("extensions").GetProperty("durableTask");
        Assert.False(durable.TryGetProperty("storageProvider", out _), "host.json chose another Durable backend; infra provisions the Azure Storage one.");

        var hubs = Templates.Apps.Select(a => a.TaskHub).ToList();
        Assert.Equal(hubs.Count, hubs.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.All(hubs, h => Assert.Matches("^[A-Za-z][A-Za-z0-9]{2,44}$", h));
        Assert.Equal("parameters('taskHubName')", Templates.CommonSettingValue("AzureFunctionsJobHost__extensions__durableTask__hubName"));
        Assert.Equal("variables('apps')[copyIndex()].taskHub", Arm.ModuleParameter(Arm.Module("functionApps"), "taskHubName"));
        AssertStorageEndpoint("queue", Templates.CommonSettingValue("AzureWebJobsStorage__queueServiceUri"));
        AssertStorageEndpoint("table", Templates.CommonSettingValue("AzureWebJobsStorage__tableServiceUri"));
    }

    [Fact]
    public void No_app_gets_a_setting_the_Flex_Consumption_plan_refuses()
    {
        string[] refused = ["FUNCTIONS_WORKER_RUNTIME", "FUNCTIONS_EXTENSION_VERSION", "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING", "WEBSITE_CONTENTSHARE", "WEBSITE_RUN_FROM_PACKAGE", "WEBSITE_NODE_DEFAULT_VERSION"];
        var settings = Templates.Apps.SelectMany(Templates.SettingsOf).ToHashSet(StringComparer.Ordinal);
        Assert.Contains("AzureWebJobsStorage__credential", settings);

        Assert.Empty(settings.Intersect(refused));
    }

    [Fact]
    public void The_sample_settings_have_every_setting_the_apps_read()
    {
        var sample = Templates.SampleSettings();
        var missing = new List<string>();
        foreach (var service in Templates.Services)
        {
            var bindings = FunctionMetadata.Bindings(service.ProjectFolder);
            missing.AddRange(bindings.BindingSettings.Select(s => s.Replace(":", "__", StringComparison.Ordinal)).Where(s => !sample.ContainsKey(s)));
            missing.AddRange(bindings.Connections.Select(c => $"{c}__fullyQualifiedNamespace").Where(s => !sample.ContainsKey(s)));
            missing.AddRange(bindings.WebhookRoutes.Select(r => $"PsaSync__Webhooks__Secrets__{r.Split('/')[0]}").Where(s => !sample.ContainsKey(s)));
        }
        foreach (var key in SetInAzure.Where(k => !k.EndsWith("__*", StringComparison.Ordinal)))
        {
            // An Azure-only key may be stood in for by its local counterpart (TableServiceUri ↔ ConnectionString).
            if (!IsPresentOrStoodInFor(key, [.. sample.Keys]))
            {
                missing.Add(key);
            }
        }
        Assert.True(sample.ContainsKey("AzureWebJobsStorage"));

        Assert.True(missing.Count == 0, $"local.settings.sample.json lacks {string.Join(", ", missing.Distinct())}.");
    }

    [Fact]
    public void The_default_timer_schedules_are_the_sample_ones()
    {
        var sample = Templates.SampleSettings();
        foreach (var app in Templates.Apps)
        {
            foreach (var (setting, value) in app.Settings)
            {
                var parameter = ArmExpression.Literal(Assert.Single(ArmExpression.CallArguments(value, "parameters") ?? []))!;
                Assert.Equal(sample[setting], Arm.ParameterDefault(parameter).GetString());
            }
        }
        Assert.Equal(sample["PsaSync__Parking__MaxWait"], Arm.ParameterDefault("parkingMaxWait").GetString());
    }

    [Theory]
    [InlineData("infra/hooks/postprovision.sh")]
    [InlineData("infra/hooks/postprovision.ps1")]
    public void The_local_settings_hooks_write_every_setting_the_apps_read(string hook)
    {
        var written = Regex.Matches(Repo.Read(hook), @"[""']([A-Za-z_][A-Za-z0-9_]*)[""']\s*[:=]").Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        var needed = new HashSet<string>(StringComparer.Ordinal) { "AzureWebJobsStorage", "FUNCTIONS_WORKER_RUNTIME" };
        foreach (var service in Templates.Services)
        {
            var bindings = FunctionMetadata.Bindings(service.ProjectFolder);
            needed.UnionWith(bindings.BindingSettings);
            needed.UnionWith(bindings.Connections.Select(c => $"{c}__fullyQualifiedNamespace"));
            needed.UnionWith(bindings.WebhookRoutes.Select(r => $"PsaSync__Webhooks__Secrets__{r.Split('/')[0]}"));
        }
        needed.UnionWith(SetInAzure.Where(k => !k.EndsWith("__*", StringComparison.Ordinal) && !IsPresentOrStoodInFor(k, written)));

        Assert.Empty(needed.Except(written));
        // Locally the developer's own sign-in is used: the hooks must not pin a client id or a key.
        Assert.DoesNotContain("AZURE_CLIENT_ID", written);
        Assert.DoesNotContain(written, w => w.EndsWith("__clientId", StringComparison.Ordinal));
    }
}
