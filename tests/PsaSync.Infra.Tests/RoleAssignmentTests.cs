using System.Text.Json;
using System.Text.RegularExpressions;
using PsaSync.Infra.Tests.Support;

namespace PsaSync.Infra.Tests;

/// <summary>The role assignments in the compiled template: built-in role ids, deterministic names, one principal each, no broad roles.</summary>
public sealed partial class RoleAssignmentTests
{
    /// <summary>Azure built-in role definition ids (learn.microsoft.com, "Azure built-in roles"), by the name the templates use.</summary>
    private static readonly IReadOnlyDictionary<string, string> BuiltInRoles = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["storageBlobDataOwner"] = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
        ["storageQueueDataContributor"] = "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
        ["storageTableDataContributor"] = "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3",
        ["serviceBusDataSender"] = "69a216fc-b8fb-44d8-bc22-1f3c2cd27a39",
        ["serviceBusDataReceiver"] = "4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0",
        ["keyVaultSecretsUser"] = "4633458b-17de-408a-b874-0445c86b69e6",
        ["keyVaultSecretsOfficer"] = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
        ["monitoringMetricsPublisher"] = "3913510d-42f4-4e42-8a64-420c390055eb",
    };

    private static IReadOnlyList<ArmResource> Assignments => Arm.OfType("Microsoft.Authorization/roleAssignments");

    /// <summary>
    /// The built-in roles one assignment resource grants: its roleDefinitionId is
    /// subscriptionResourceId('Microsoft.Authorization/roleDefinitions', x) where x is variables('roleIds').name, or an
    /// element of a variable listing such names (a loop over storageRoleIds), or a literal id.
    /// </summary>
    private static IReadOnlyList<string> RoleNames(ArmResource assignment)
    {
        var definition = ArmExpression.Normalize(assignment.Properties.GetProperty("roleDefinitionId"));
        var arguments = ArmExpression.CallArguments(definition, "subscriptionResourceId");
        Assert.True(arguments is ["'Microsoft.Authorization/roleDefinitions'", _], $"Role definition is not a subscription-level role id: {definition}");
        var role = arguments![1];
        var roleIds = assignment.Variable("roleIds");
        if (RoleIdsMember().Match(role) is { Success: true } member)
        {
            return [member.Groups[1].Value];
        }
        if (ListElement().Match(role) is { Success: true } list)
        {
            var ids = assignment.Variable(list.Groups[1].Value).EnumerateArray().Select(ArmExpression.Normalize).ToList();
            return [.. ids.Select(id => RoleIdsMember().Match(id) is { Success: true } m ? m.Groups[1].Value : NameOf(roleIds, ArmExpression.Literal(id)))];
        }
        return [NameOf(roleIds, ArmExpression.Literal(role))];

        static string NameOf(JsonElement roleIds, string? id) =>
            roleIds.EnumerateObject().Single(p => p.Value.GetString() == id).Name;
    }

    [Fact]
    public void Role_ids_are_the_built_in_roles_they_are_named_after()
    {
        var roleIds = Assignments.SelectMany(a => a.Variable("roleIds").EnumerateObject().Select(p => (p.Name, Id: p.Value.GetString()))).Distinct().ToList();
        Assert.NotEmpty(roleIds);
        foreach (var (name, id) in roleIds)
        {
            Assert.True(BuiltInRoles.TryGetValue(name, out var expected), $"Unknown role {name}.");
            Assert.Equal(expected, id);
        }
        Assert.All(Assignments, a => Assert.All(RoleNames(a), r => Assert.Contains(r, BuiltInRoles.Keys)));
    }

    [Fact]
    public void Role_assignment_names_are_guid_of_scope_principal_and_role_and_each_names_one_principal()
    {
        Assert.True(Assignments.Count >= 7, $"Only {Assignments.Count} role assignments found.");
        foreach (var assignment in Assignments)
        {
            var scope = ArmExpression.Normalize(assignment.Resource.GetProperty("scope"));
            var name = ArmExpression.Normalize(assignment.Resource.GetProperty("name"));
            var arguments = ArmExpression.CallArguments(name, "guid");
            Assert.True(arguments is [_, _, _], $"Role assignment name {name} is not guid(scope, principal, role).");
            Assert.Equal(scope, arguments![0]);
            Assert.Equal("parameters('principalId')", arguments[1]);
            Assert.Equal("parameters('principalId')", ArmExpression.Normalize(assignment.Properties.GetProperty("principalId")));
            // The role in the name is the role granted, so two roles on one scope never collide.
            var role = ArmExpression.CallArguments(ArmExpression.Normalize(assignment.Properties.GetProperty("roleDefinitionId")), "subscriptionResourceId")![1];
            Assert.Equal(role, arguments[2]);
        }
    }

    [Fact]
    public void No_identity_gets_an_owner_contributor_or_data_owner_role_on_Service_Bus()
    {
        string[] broad =
        [
            "8e3af657-a8ff-443c-a75c-2fe8c4bcb635", // Owner
            "b24988ac-6180-42a0-ab88-20f7382dd24c", // Contributor
            "090c5cfd-751d-490a-894a-3ce6f1109419", // Azure Service Bus Data Owner
            "00482a5a-887f-4fb3-b363-3b7fe8e74483", // Key Vault Administrator
            "17d1049b-9a84-46fb-8f53-869881c3d3ab", // Storage Account Contributor (can list keys)
        ];

        Assert.All(broad, id => Assert.DoesNotContain(id, Arm.Text, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Each_app_identity_gets_exactly_the_roles_of_its_triggers_and_publications_on_their_scopes()
    {
        // The app module: one principal (its own identity) and these roles, each on the narrowest scope that works.
        var access = Arm.ResourcesOf(Arm.Module("appAccess")).Where(r => r.Type == "Microsoft.Authorization/roleAssignments").ToList();
        var granted = access.SelectMany(a => RoleNames(a).Select(r => (Role: r, Scope: ArmExpression.Normalize(a.Resource.GetProperty("scope")), Type: a.Properties.GetProperty("principalType").GetString()))).ToList();

        Assert.All(granted, g => Assert.Equal("ServicePrincipal", g.Type));
        Assert.Equal(
            new[] { "keyVaultSecretsUser", "monitoringMetricsPublisher", "serviceBusDataReceiver", "serviceBusDataSender", "storageBlobDataOwner", "storageQueueDataContributor", "storageTableDataContributor" },
            granted.Select(g => g.Role).Order(StringComparer.Ordinal));
        Assert.Equal("resourceId('Microsoft.ServiceBus/namespaces/queues', parameters('serviceBusNamespaceName'), parameters('receivesFrom'))", Assert.Single(granted, g => g.Role == "serviceBusDataReceiver").Scope);
        Assert.Equal("resourceId('Microsoft.ServiceBus/namespaces/queues', parameters('serviceBusNamespaceName'), parameters('sendsTo')[copyIndex()])", Assert.Single(granted, g => g.Role == "serviceBusDataSender").Scope);
        Assert.All(granted.Where(g => g.Role.StartsWith("storage", StringComparison.Ordinal)), g => Assert.Equal("resourceId('Microsoft.Storage/storageAccounts', parameters('storageAccountName'))", g.Scope));
        Assert.Equal("resourceId('Microsoft.KeyVault/vaults', parameters('keyVaultName'))", Assert.Single(granted, g => g.Role == "keyVaultSecretsUser").Scope);
        Assert.Equal("resourceId('Microsoft.Insights/components', parameters('applicationInsightsName'))", Assert.Single(granted, g => g.Role == "monitoringMetricsPublisher").Scope);

        // main deploys it once per app with that app's identity, and the app (which runs as the same identity) after it.
        var module = Arm.Module("appAccess");
        Assert.EndsWith("format('identity-{0}', variables('apps')[copyIndex()].serviceName)), '2025-04-01').outputs.principalId.value", Arm.ModuleParameter(module, "principalId"), StringComparison.Ordinal);
        var functionApps = Arm.Module("functionApps");
        Assert.Contains(functionApps.GetProperty("dependsOn").EnumerateArray(), d => d.GetString()!.Contains("format('access-{0}', variables('apps')[copyIndex()].serviceName)", StringComparison.Ordinal));
    }

    [Fact]
    public void Each_app_runs_as_its_own_user_assigned_identity()
    {
        var identities = Arm.Module("identities");
        Assert.Equal("[length(variables('apps'))]", identities.GetProperty("copy").GetProperty("count").GetString());
        Assert.Equal("Microsoft.ManagedIdentity/userAssignedIdentities", Assert.Single(Arm.ResourcesOf(identities)).Type);

        var site = Arm.Single("Microsoft.Web/sites");
        var identity = site.Resource.GetProperty("identity");
        Assert.Equal("UserAssigned", identity.GetProperty("type").GetString());
        Assert.Equal("[format('{0}', parameters('identityId'))]", Assert.Single(identity.GetProperty("userAssignedIdentities").EnumerateObject()).Name);
        Assert.EndsWith("format('identity-{0}', variables('apps')[copyIndex()].serviceName)), '2025-04-01').outputs.resourceId.value", Arm.ModuleParameter(Arm.Module("functionApps"), "identityId"), StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^variables\('roleIds'\)\.(\w+)$")]
    private static partial Regex RoleIdsMember();

    // variables('storageRoleIds')[copyIndex()], or if(parameters('dataAccess'), variables('serviceBusDataRoleIds'), createArray())[copyIndex()].
    [GeneratedRegex(@"variables\('(\w+)'\)(?:, createArray\(\)\))?\[copyIndex\(\)\]$")]
    private static partial Regex ListElement();
}
