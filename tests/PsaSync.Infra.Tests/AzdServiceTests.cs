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
        var module = Bicep.AsObject(Bicep.AsList(Bicep.BodyAfter(Templates.Main, "module functionApps 'app/function-app.bicep'")).Single());
        var parameters = Bicep.AsObject(module["params"]);
        Assert.Equal("app.serviceName", parameters["serviceName"]?.ToString());
        Assert.Matches(@"^\[for \(app, i\) in apps:", Templates.Main[Templates.Main.IndexOf("module functionApps", StringComparison.Ordinal)..].Split('=', 2)[1].Trim());

        // ... and the module tags the site with it, which is how `azd deploy` finds the app of a service.
        var site = Bicep.AsObject(Bicep.BodyAfter(Templates.FunctionApp, "module site 'br/public:avm/res/web/site:"));
        var siteParameters = Bicep.AsObject(site["params"]);
        Assert.Matches(@"union\(tags,\s*\{\s*'azd-service-name':\s*serviceName\s*\}\)", siteParameters["tags"]?.ToString());
        Assert.Equal("'functionapp,linux'", $"'{siteParameters["kind"]}'");
    }

    [Fact]
    public void The_function_apps_run_dotnet_isolated_10_on_flex_consumption()
    {
        var plan = Bicep.AsObject(Bicep.AsObject(Bicep.BodyAfter(Templates.FunctionApp, "module plan 'br/public:avm/res/web/serverfarm:"))["params"]);
        var sku = Bicep.AsObject(plan["sku"]);
        Assert.Equal("FC1", sku["name"]);
        Assert.Equal("FlexConsumption", sku["tier"]);

        var config = Bicep.AsObject(Bicep.AsObject(Bicep.AsObject(Bicep.BodyAfter(Templates.FunctionApp, "module site 'br/public:avm/res/web/site:"))["params"])["functionAppConfig"]);
        var runtime = Bicep.AsObject(config["runtime"]);
        Assert.Equal("dotnet-isolated", runtime["name"]);
        var targetFramework = Regex.Match(Repo.Read("Directory.Build.props"), @"<TargetFramework>net(\d+\.\d+)</TargetFramework>").Groups[1].Value;
        Assert.Equal(targetFramework, runtime["version"]);
        var authentication = Bicep.AsObject(Bicep.AsObject(Bicep.AsObject(config["deployment"])["storage"])["authentication"]);
        Assert.Equal("UserAssignedIdentity", authentication["type"]);
    }

    [Fact]
    public void The_service_name_outputs_follow_the_order_of_the_apps()
    {
        var apps = Templates.Apps;
        for (var i = 0; i < apps.Count; i++)
        {
            var output = $"SERVICE_{apps[i].ServiceName.Replace('-', '_').ToUpperInvariant()}_NAME";
            Assert.Matches($@"(?m)^output {output} string = functionApps\[{i}\]\.outputs\.name\s*$", Templates.Main);
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
        var used = Regex.Matches(Templates.Main, @"abbrs\.([A-Za-z]+)").Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);

        Assert.Empty(used.Except(defined));
        Assert.Empty(defined.Except(used));
        Assert.Contains("var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))", Templates.Main, StringComparison.Ordinal);
        Assert.Contains("targetScope = 'subscription'", Templates.Main, StringComparison.Ordinal);
    }
}
