using PsaSync.Connectors.Sandbox;
using PsaSync.Connectors.Sandbox.Psa;
using PsaSync.Core.Model;
using PsaSync.Core.Ports;
using static PsaSync.Core.Tests.Sandbox.SandboxMasterData;

namespace PsaSync.Core.Tests.Sandbox;

public sealed class SandboxPsaMasterDataTests : IDisposable
{
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "psasync-tests-" + Guid.NewGuid().ToString("N"));

    public SandboxPsaMasterDataTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string JournalPath => Path.Combine(_directory, "sandbox-psa.jsonl");

    private static PsaCustomer PsaCustomer(string key = "ACC-1", string legalName = "Contoso GmbH", string? erpNumber = "CUST-00001") =>
        new(null, key, legalName, "DE", "EUR", erpNumber, key.StartsWith("ACC-", StringComparison.Ordinal) ? key : null);

    [Fact]
    public async Task The_first_upsert_of_a_key_assigns_a_PSA_id_and_later_upserts_keep_it_and_replace_the_data()
    {
        var psa = new SandboxPsa(new SandboxFaultOptions());

        var first = await psa.UpsertCustomerAsync(PsaCustomer("ACC-1"), None);
        var other = await psa.UpsertCustomerAsync(PsaCustomer("CUST-00002", "Fabrikam Ltd", "CUST-00002"), None);
        var again = await psa.UpsertCustomerAsync(PsaCustomer("ACC-1", "Contoso Europe GmbH") with { PsaCustomerId = "PC-99999" }, None);

        Assert.Equal("PC-00001", first);
        Assert.Equal("PC-00002", other);
        Assert.Equal("PC-00001", again);
        Assert.Equal(
            [PsaCustomer("ACC-1", "Contoso Europe GmbH") with { PsaCustomerId = "PC-00001" }, PsaCustomer("CUST-00002", "Fabrikam Ltd", "CUST-00002") with { PsaCustomerId = "PC-00002" }],
            await psa.ListCustomersAsync(None));
    }

    [Fact]
    public async Task A_project_added_by_a_PSA_user_is_listed_with_its_own_status_and_no_ERP_code()
    {
        var psa = new SandboxPsa(new SandboxFaultOptions());

        psa.AddProject(Project("PRJ-1", status: ProjectStatus.OnHold));
        psa.AddProject(Project("PRJ-2"));

        Assert.Equal(
            [new PsaProjectState("PRJ-1", ProjectStatus.OnHold, null), new PsaProjectState("PRJ-2", ProjectStatus.Active, null)],
            await psa.ListProjectsAsync(None));
        Assert.Equal(new PsaProjectState("PRJ-1", ProjectStatus.OnHold, null), psa.Projects["PRJ-1"]);
        AssertSameProject(Project("PRJ-1", status: ProjectStatus.OnHold), psa.ProjectDetails["PRJ-1"].Project!);
    }

    [Fact]
    public async Task The_ERP_reference_is_recorded_on_the_project_and_the_PSA_keeps_its_own_status()
    {
        var psa = new SandboxPsa(new SandboxFaultOptions());
        psa.AddProject(Project("PRJ-1", status: ProjectStatus.OnHold));

        await psa.SetProjectErpReferenceAsync("PRJ-1", "EP-00001", ProjectStatus.Active, None);

        Assert.Equal(new PsaProjectState("PRJ-1", ProjectStatus.OnHold, "EP-00001"), Assert.Single(await psa.ListProjectsAsync(None)));
        Assert.Equal(ProjectStatus.Active, psa.ProjectDetails["PRJ-1"].ErpStatus);
    }

    [Fact]
    public async Task A_reference_to_an_unknown_project_creates_it_as_active()
    {
        var psa = new SandboxPsa(new SandboxFaultOptions());

        await psa.SetProjectErpReferenceAsync("PRJ-7", "EP-00007", ProjectStatus.Closed, None);

        Assert.Equal(new PsaProjectState("PRJ-7", ProjectStatus.Active, "EP-00007"), psa.Projects["PRJ-7"]);
        Assert.Equal(ProjectStatus.Closed, psa.ProjectDetails["PRJ-7"].ErpStatus);
        Assert.Null(psa.ProjectDetails["PRJ-7"].Project);
    }

    [Fact]
    public async Task Changing_a_project_in_the_PSA_keeps_the_ERP_reference()
    {
        var psa = new SandboxPsa(new SandboxFaultOptions());
        psa.AddProject(Project("PRJ-1"));
        await psa.SetProjectErpReferenceAsync("PRJ-1", "EP-00001", ProjectStatus.Active, None);

        psa.AddProject(Project("PRJ-1", version: 2, status: ProjectStatus.Closed));

        Assert.Equal(new PsaProjectState("PRJ-1", ProjectStatus.Closed, "EP-00001"), psa.Projects["PRJ-1"]);
        Assert.Equal(2, psa.ProjectDetails["PRJ-1"].Project?.Version);
    }

    [Fact]
    public async Task A_direct_edit_changes_the_customer_but_not_its_key_or_id()
    {
        var psa = new SandboxPsa(new SandboxFaultOptions());
        await psa.UpsertCustomerAsync(PsaCustomer("ACC-1"), None);

        psa.EditCustomerDirectly("ACC-1", c => c with { LegalName = "Contoso (typo) GmbH", ErpCustomerNumber = null });

        var edited = Assert.Single(await psa.ListCustomersAsync(None));
        Assert.Equal("Contoso (typo) GmbH", edited.LegalName);
        Assert.Null(edited.ErpCustomerNumber);
        Assert.Equal("PC-00001", edited.PsaCustomerId);
        Assert.Throws<ArgumentException>(() => psa.EditCustomerDirectly("ACC-404", c => c));
        Assert.Throws<ArgumentException>(() => psa.EditCustomerDirectly("ACC-1", c => c with { PsaCustomerId = "PC-00002" }));
        Assert.Throws<ArgumentException>(() => psa.EditCustomerDirectly("ACC-1", c => c with { CustomerKey = "ACC-2" }));
    }

    [Fact]
    public async Task During_an_outage_every_master_data_call_fails_and_changes_nothing()
    {
        var psa = new SandboxPsa(new SandboxFaultOptions());
        psa.AddProject(Project("PRJ-1"));
        psa.SetOutage(true);
        var calls = new Func<Task>[]
        {
            () => psa.UpsertCustomerAsync(PsaCustomer("ACC-1"), None),
            () => psa.ListCustomersAsync(None),
            () => psa.SetProjectErpReferenceAsync("PRJ-1", "EP-00001", ProjectStatus.Active, None),
            () => psa.ListProjectsAsync(None),
        };

        foreach (var call in calls)
        {
            await Assert.ThrowsAsync<PsaUnavailableException>(call);
        }

        Assert.Equal(calls.Length, psa.FaultsInjected[SandboxFault.Outage]);
        Assert.Empty(psa.Customers);
        Assert.Null(psa.Projects["PRJ-1"].ErpProjectCode);
        psa.SetOutage(false);
        Assert.Equal("PC-00001", await psa.UpsertCustomerAsync(PsaCustomer("ACC-1"), None));
    }

    [Fact]
    public async Task Throttling_applies_to_every_master_data_call_with_RetryAfter()
    {
        var psa = new SandboxPsa(new SandboxFaultOptions { ThrottleRate = 1, RetryAfter = TimeSpan.FromSeconds(6) });
        var calls = new Func<Task>[]
        {
            () => psa.UpsertCustomerAsync(PsaCustomer("ACC-1"), None),
            () => psa.ListCustomersAsync(None),
            () => psa.SetProjectErpReferenceAsync("PRJ-1", "EP-00001", ProjectStatus.Active, None),
            () => psa.ListProjectsAsync(None),
        };

        foreach (var call in calls)
        {
            Assert.Equal(TimeSpan.FromSeconds(6), (await Assert.ThrowsAsync<PsaUnavailableException>(call)).RetryAfter);
        }
        Assert.Equal(calls.Length, psa.FaultsInjected[SandboxFault.Throttled]);
        Assert.Empty(psa.Projects);
    }

    [Fact]
    public async Task Customers_projects_references_edits_and_time_status_are_replayed_from_the_journal()
    {
        var before = new SandboxPsa(new SandboxFaultOptions(), JournalPath);
        await before.UpsertCustomerAsync(PsaCustomer("ACC-1"), None);
        await before.UpsertCustomerAsync(PsaCustomer("ACC-2", "Fabrikam GmbH", "CUST-00002"), None);
        before.EditCustomerDirectly("ACC-2", c => c with { Currency = "CHF" });
        before.AddProject(Project("PRJ-1", status: ProjectStatus.OnHold));
        await before.SetProjectErpReferenceAsync("PRJ-1", "EP-00001", ProjectStatus.OnHold, None);
        await before.SetProjectErpReferenceAsync("PRJ-9", "EP-00009", ProjectStatus.Active, None);
        await before.MarkTimeEntrySyncedAsync("TE-1", 1, "TL-000001", "corr-1", None);

        var after = new SandboxPsa(new SandboxFaultOptions(), JournalPath);

        Assert.Equal(await before.ListCustomersAsync(None), await after.ListCustomersAsync(None));
        Assert.Equal("CHF", after.Customers["ACC-2"].Currency);
        Assert.Equal(await before.ListProjectsAsync(None), await after.ListProjectsAsync(None));
        Assert.Equal(ProjectStatus.OnHold, after.ProjectDetails["PRJ-1"].ErpStatus);
        AssertSameProject(Project("PRJ-1", status: ProjectStatus.OnHold), after.ProjectDetails["PRJ-1"].Project!);
        Assert.Equal(before.TimeEntryStatus["TE-1"], after.TimeEntryStatus["TE-1"]);
        Assert.Equal("PC-00002", await after.UpsertCustomerAsync(PsaCustomer("ACC-2", "Fabrikam GmbH", "CUST-00002"), None));
        Assert.Equal("PC-00003", await after.UpsertCustomerAsync(PsaCustomer("ACC-3", "Northwind", "CUST-00003"), None));
    }
}
