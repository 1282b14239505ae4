using System.Text.RegularExpressions;
using PsaSync.Infra.Tests.Support;

namespace PsaSync.Infra.Tests;

/// <summary>The role assignments: well-known role ids, deterministic names, and no broad roles.</summary>
public sealed class RoleAssignmentTests
{
    /// <summary>Azure built-in role definition ids (learn.microsoft.com, "Azure built-in roles").</summary>
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

    public static TheoryData<string> Modules() => ["infra/app/app-access.bicep", "infra/app/deployer-access.bicep"];

    [Theory]
    [MemberData(nameof(Modules))]
    public void Role_ids_are_the_built_in_roles_they_are_named_after(string module)
    {
        var roleIds = Bicep.AsObject(Bicep.Var(Repo.Read(module), "roleIds"));

        Assert.NotEmpty(roleIds);
        foreach (var (name, id) in roleIds)
        {
            Assert.True(BuiltInRoles.TryGetValue(name, out var expected), $"{module}: unknown role {name}.");
            Assert.Equal(expected, id);
        }
    }

    [Fact]
    public void Role_assignment_names_are_guid_of_scope_principal_and_role()
    {
        var count = 0;
        foreach (var file in Repo.Files("infra", "*.bicep"))
        {
            var text = Bicep.WithoutComments(File.ReadAllText(file));
            foreach (Match declaration in Regex.Matches(text, @"resource \w+ 'Microsoft\.Authorization/roleAssignments@[^']+'"))
            {
                var value = Bicep.BodyAfter(text[declaration.Index..], declaration.Value);
                var body = Bicep.AsObject(value is IReadOnlyList<object?> loop ? loop.Single() : value);
                var scope = body["scope"]?.ToString();
                Assert.Matches($@"^guid\({Regex.Escape(scope!)}\.id, principalId, \w+(\.\w+)?\)$", body["name"]?.ToString());
                count++;
            }
        }
        Assert.True(count >= 7, $"Only {count} role assignments found.");
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
        ];
        var all = string.Concat(Repo.Files("infra", "*.bicep").Select(File.ReadAllText));

        Assert.All(broad, id => Assert.DoesNotContain(id, all, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Each_app_identity_is_its_own_and_gets_its_roles_before_the_app_starts()
    {
        Assert.Contains("module identities 'br/public:avm/res/managed-identity/user-assigned-identity:", Templates.Main, StringComparison.Ordinal);
        var access = Bicep.AsObject(Bicep.AsObject(Bicep.AsList(Bicep.BodyAfter(Templates.Main, "module appAccess 'app/app-access.bicep'")).Single())["params"]);
        Assert.Equal("identities[i].outputs.principalId", access["principalId"]?.ToString());
        Assert.Equal("app.sendsTo", access["sendsTo"]?.ToString());
        Assert.Equal("app.receivesFrom", access["receivesFrom"]?.ToString());

        var functionApps = Bicep.AsObject(Bicep.AsList(Bicep.BodyAfter(Templates.Main, "module functionApps 'app/function-app.bicep'")).Single());
        Assert.Equal("identities[i].outputs.clientId", Bicep.AsObject(functionApps["params"])["identityClientId"]?.ToString());
        Assert.Equal(new[] { "appAccess[i]" }, Bicep.AsList(functionApps["dependsOn"]).Select(d => d?.ToString()));
    }
}
