using System.Text.RegularExpressions;
using PsaSync.Infra.Tests.Support;

namespace PsaSync.Infra.Tests;

/// <summary>azure.yaml's services and the Bicep that azd deploys them to.</summary>
public sealed class AzdServiceTests
{
    [Fact]
    public void Azure_yaml_lists_four_dotnet_function_apps_whose_projects_exist()
    {
        var services = Templates.Services;

        Assert.Equal(4, services.Count);
        foreach (var service in services)
        {
            Assert.Equal("function", service.Properties["host"]);
            Assert.Equal("dotnet", service.Properties["language"]);
            Assert.True(Directory.Exists(Repo.PathOf(service.ProjectFolder)), $"{service.Name}: {service.Project} does not exist.");
            Assert.NotEmpty(Directory.GetFiles(Repo.PathOf(service.ProjectFolder), "*.csproj"));
        }
    }

    [Fact]
    public void Every_service_has_a_function_app_in_the_bicep_and_no_app_lacks_a_service()
    {
        Assert.Equal(
            Templates.Services.Select(s => s.Name).Order(StringComparer.Ordinal),
            Templates.Apps.Select(a => a.ServiceName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Every_function_app_is_tagged_with_its_azd_service_name()
    {
        // main.bicep deploys app/function-app.bicep once per entry of apps, passing the entry's serviceName ...
        var module = Arm.Module("functionApps");
        Assert.Equal("[length(variables('apps'))]", module.GetProperty("copy").GetProperty("count").GetString());
        Assert.Equal("variables('apps')[copyIndex()].serviceName", Arm.ModuleParameter(module, "serviceName"));

        // ... and the module tags the site with it, which is how `azd deploy` finds the app of a service.
        var site = Arm.Single("Microsoft.Web/sites");
        Assert.Equal("union(parameters('tags'), createObject('azd-service-name', parameters('serviceName')))", ArmExpression.Normalize(site.Resource.GetProperty("tags")));
        Assert.Equal("functionapp,linux", site.Resource.GetProperty("kind").GetString());
        Assert.Equal("variables('tags')", Arm.ModuleParameter(module, "tags"));
        Assert.Equal("parameters('environmentName')", ArmExpression.Normalize(Arm.Variable("tags").GetProperty("azd-env-name")));
    }

    [Fact]
    public void The_function_apps_run_dotnet_isolated_10_on_flex_consumption()
    {
        var plan = Arm.Single("Microsoft.Web/serverfarms");
        Assert.Equal("FC1", plan.Resource.GetProperty("sku").GetProperty("name").GetString());
        Assert.Equal("FlexConsumption", plan.Resource.GetProperty("sku").GetProperty("tier").GetString());
        Assert.True(plan.Properties.GetProperty("reserved").GetBoolean(), "Flex Consumption is Linux only (reserved: true).");

        var site = Arm.Single("Microsoft.Web/sites");
        Assert.Equal("resourceId('Microsoft.Web/serverfarms', parameters('planName'))", ArmExpression.Normalize(site.Properties.GetProperty("serverFarmId")));
        Assert.True(site.Properties.GetProperty("httpsOnly").GetBoolean());
        var config = site.Properties.GetProperty("functionAppConfig");
        var runtime = config.GetProperty("runtime");
        Assert.Equal("dotnet-isolated", runtime.GetProperty("name").GetString());
        var targetFramework = Regex.Match(Repo.Read("Directory.Build.props"), @"<TargetFramework>net(\d+\.\d+)</TargetFramework>").Groups[1].Value;
        Assert.Equal(targetFramework, runtime.GetProperty("version").GetString());

        // The deployment package is pulled from the app's blob container with the app's identity, not a key or SAS.
        var storage = config.GetProperty("deployment").GetProperty("storage");
        Assert.Equal("blobContainer", storage.GetProperty("type").GetString());
        Assert.Equal("UserAssignedIdentity", storage.GetProperty("authentication").GetProperty("type").GetString());
        Assert.Equal("parameters('identityId')", ArmExpression.Normalize(storage.GetProperty("authentication").GetProperty("userAssignedIdentityResourceId")));
        Assert.Equal("parameters('maximumInstanceCount')", ArmExpression.Normalize(config.GetProperty("scaleAndConcurrency").GetProperty("maximumInstanceCount")));

        // One deployment container per app, declared in the storage account.
        Assert.Equal("variables('deploymentContainers')", Arm.ModuleParameter(Arm.Module("storage"), "deploymentContainers"));
        Assert.Equal("[length(parameters('deploymentContainers'))]", Arm.Single("Microsoft.Storage/storageAccounts/blobServices/containers").Resource.GetProperty("copy").GetProperty("count").GetString());
        Assert.Equal("variables('deploymentContainers')[copyIndex()]", Arm.ModuleParameter(Arm.Module("functionApps"), "deploymentContainerName"));
    }

    [Fact]
    public void The_service_name_outputs_follow_the_order_of_the_apps()
    {
        var apps = Templates.Apps;
        var outputs = Arm.Main.GetProperty("outputs");
        for (var i = 0; i < apps.Count; i++)
        {
            var output = $"SERVICE_{apps[i].ServiceName.Replace('-', '_').ToUpperInvariant()}_NAME";
            Assert.True(outputs.TryGetProperty(output, out var value), $"No output {output}.");
            Assert.EndsWith($"'Microsoft.Resources/deployments', format('app-{{0}}', variables('apps')[{i}].serviceName)), '2025-04-01').outputs.name.value", ArmExpression.Normalize(value.GetProperty("value")), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Azure_yaml_points_azd_at_the_bicep_and_its_hooks_exist()
    {
        var yaml = Repo.Read("azure.yaml");
        Assert.Equal("bicep", AzureYaml.TopLevelBlockValue(yaml, "infra", "provider"));
        Assert.Equal("infra", AzureYaml.TopLevelBlockValue(yaml, "infra", "path"));
        Assert.True(File.Exists(Repo.PathOf("infra/main.bicep")));
        Assert.True(File.Exists(Repo.PathOf("infra/main.parameters.json")));

        var runs = AzureYaml.RunCommands(yaml);
        Assert.Contains(runs, r => r.EndsWith(".sh", StringComparison.Ordinal));
        Assert.Contains(runs, r => r.EndsWith(".ps1", StringComparison.Ordinal));
        foreach (var run in runs)
        {
            Assert.True(File.Exists(Repo.PathOf(run.TrimStart('.', '/'))), $"Hook script {run} does not exist.");
        }
    }

    [Theory]
    [InlineData("infra/hooks/postprovision.sh")]
    [InlineData("infra/hooks/postprovision.ps1")]
    public void The_hooks_write_local_settings_into_exactly_the_service_projects(string hook)
    {
        var folders = Regex.Matches(Repo.Read(hook), @"functions/PsaSync\.Functions\.[A-Za-z]+").Select(m => m.Value).ToHashSet(StringComparer.Ordinal);

        Assert.Equal(Templates.Services.Select(s => s.ProjectFolder).Order(StringComparer.Ordinal), folders.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Every_resource_name_uses_an_abbreviation_that_exists_and_every_abbreviation_is_used()
    {
        using var abbreviations = System.Text.Json.JsonDocument.Parse(Repo.Read("infra/abbreviations.json"));
        var defined = abbreviations.RootElement.EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        var used = Regex.Matches(Arm.Text, @"variables\('abbrs'\)\.([A-Za-z]+)").Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);

        Assert.Empty(used.Except(defined));
        Assert.Empty(defined.Except(used));
        Assert.Equal(defined.Order(StringComparer.Ordinal), Arm.ResolvedVariable("abbrs").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal("[toLower(uniqueString(subscription().id, parameters('environmentName'), parameters('location')))]", Arm.Variable("resourceToken").GetString());
        Assert.Contains("subscriptionDeploymentTemplate.json", Arm.Main.GetProperty("$schema").GetString(), StringComparison.Ordinal);
    }
}
