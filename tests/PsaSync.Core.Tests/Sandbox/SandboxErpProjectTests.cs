using PsaSync.Connectors.Sandbox;
using PsaSync.Connectors.Sandbox.Erp;
using PsaSync.Core.Model;
using PsaSync.Core.Ports;
using PsaSync.Core.Tests.Support;
using static PsaSync.Core.Tests.Sandbox.SandboxMasterData;

namespace PsaSync.Core.Tests.Sandbox;

public sealed class SandboxErpProjectTests : IDisposable
{
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "psasync-tests-" + Guid.NewGuid().ToString("N"));

    public SandboxErpProjectTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string JournalPath => Path.Combine(_directory, "sandbox-erp.jsonl");

    [Fact]
    public async Task A_created_project_is_active_with_a_project_code_a_contract_number_and_its_customer()
    {
        var erp = new SandboxErp(new SandboxFaultOptions());
        await erp.CreateCustomerAsync(CustomerDraft("ACC-1"), None);

        var project = await erp.CreateProjectAsync(ProjectDraft("PRJ-1"), None);

        Assert.Equal("EP-00001", project.ErpProjectCode);
        Assert.Equal("PRJ-1", project.PsaProjectId);
        Assert.True(project.Active);
        Assert.Equal(ProjectStatus.Active, project.Status);
        Assert.Equal("CUST-00001", project.CustomerNumber);
        Assert.Equal("CTR-00001", project.ContractNumber);
        Assert.Equal(project, await erp.FindProjectAsync("PRJ-1", None));
        Assert.Equal(ProjectDraft("PRJ-1"), erp.ProjectDrafts["EP-00001"]);
    }

    [Fact]
    public async Task Creating_a_PSA_project_id_twice_returns_the_first_project()
    {
        var erp = new SandboxErp(new SandboxFaultOptions());
        await erp.CreateCustomerAsync(CustomerDraft("ACC-1"), None);
        var first = await erp.CreateProjectAsync(ProjectDraft("PRJ-1"), None);

        var repeat = await erp.CreateProjectAsync(ProjectDraft("PRJ-1") with { Name = "Renamed" }, None);
        var second = await erp.CreateProjectAsync(ProjectDraft("PRJ-2"), None);

        Assert.Equal(first, repeat);
        Assert.Equal("EP-00002", second.ErpProjectCode);
        Assert.Equal("CTR-00002", second.ContractNumber);
        Assert.Equal([first, second], await erp.ListProjectsAsync(None));
        Assert.Equal("Contoso data platform", erp.ProjectDrafts["EP-00001"].Name);
    }

    [Fact]
    public async Task A_project_for_an_unknown_customer_is_Rejected_and_not_created()
    {
        var erp = new SandboxErp(new SandboxFaultOptions());

        var ex = await Assert.ThrowsAsync<ErpException>(() => erp.CreateProjectAsync(ProjectDraft("PRJ-1", customerNumber: "CUST-00404"), None));

        Assert.Equal(ErpFailureKind.Rejected, ex.Kind);
        Assert.False(ex.IsTransient);
        Assert.Contains("CUST-00404", ex.Message, StringComparison.Ordinal);
        Assert.Null(await erp.FindProjectAsync("PRJ-1", None));
        Assert.Empty(erp.Projects);
    }

    [Fact]
    public async Task A_project_in_an_unknown_legal_entity_is_Rejected_with_the_known_ones_in_the_message()
    {
        var erp = new SandboxErp(new SandboxFaultOptions());
        await erp.CreateCustomerAsync(CustomerDraft("ACC-1"), None);

        var ex = await Assert.ThrowsAsync<ErpException>(() => erp.CreateProjectAsync(ProjectDraft("PRJ-1", legalEntity: "PSFR"), None));

        Assert.Equal(ErpFailureKind.Rejected, ex.Kind);
        Assert.Contains("PSFR", ex.Message, StringComparison.Ordinal);
        Assert.Contains("PSDE", ex.Message, StringComparison.Ordinal);
        Assert.Empty(erp.Projects);
    }

    [Fact]
    public async Task The_legal_entities_checked_are_those_of_the_reference_data_in_use()
    {
        var erp = new SandboxErp(new SandboxFaultOptions())
        {
            ReferenceData = SandboxErp.DefaultReferenceData with { LegalEntities = [new ErpLegalEntity("PSFR", "FR", ["EUR"])] },
        };
        await erp.CreateCustomerAsync(CustomerDraft("ACC-1"), None);

        await erp.CreateProjectAsync(ProjectDraft("PRJ-1", legalEntity: "PSFR"), None);
        var ex = await Assert.ThrowsAsync<ErpException>(() => erp.CreateProjectAsync(ProjectDraft("PRJ-2", legalEntity: "PSDE"), None));

        Assert.Equal(ErpFailureKind.Rejected, ex.Kind);
        Assert.Single(erp.Projects);
    }

    [Fact]
    public async Task A_project_create_that_commits_then_times_out_leaves_one_project_findable_by_PSA_id()
    {
        var erp = new SandboxErp(new SandboxFaultOptions { CommitThenTimeoutRate = 1 });
        await Assert.ThrowsAsync<ErpException>(() => erp.CreateCustomerAsync(CustomerDraft("ACC-1"), None));

        var ex = await Assert.ThrowsAsync<ErpException>(() => erp.CreateProjectAsync(ProjectDraft("PRJ-1"), None));
        var found = await erp.FindProjectAsync("PRJ-1", None);
        var retried = await erp.CreateProjectAsync(ProjectDraft("PRJ-1"), None);

        Assert.Equal(ErpFailureKind.Ambiguous, ex.Kind);
        Assert.NotNull(found);
        Assert.Equal(found, retried);
        Assert.Equal(found, Assert.Single(await erp.ListProjectsAsync(None)));
    }

    [Theory]
    [InlineData(ProjectStatus.OnHold, false)]
    [InlineData(ProjectStatus.Closed, false)]
    [InlineData(ProjectStatus.Active, true)]
    public async Task Setting_the_status_sets_Active_only_for_an_active_project(ProjectStatus status, bool active)
    {
        var erp = new SandboxErp(new SandboxFaultOptions());
        await erp.CreateCustomerAsync(CustomerDraft("ACC-1"), None);
        var created = await erp.CreateProjectAsync(ProjectDraft("PRJ-1"), None);
        await erp.SetProjectStatusAsync("EP-00001", status == ProjectStatus.Active ? ProjectStatus.Closed : ProjectStatus.Active, None);

        var changed = await erp.SetProjectStatusAsync("EP-00001", status, None);

        Assert.Equal(status, changed.Status);
        Assert.Equal(active, changed.Active);
        Assert.Equal(created with { Status = status, Active = active }, changed);
        Assert.Equal(changed, await erp.FindProjectAsync("PRJ-1", None));
    }

    [Fact]
    public async Task Time_cannot_be_posted_to_a_project_put_on_hold()
    {
        var erp = new SandboxErp(new SandboxFaultOptions());
        await erp.CreateCustomerAsync(CustomerDraft("ACC-1"), None);
        await erp.CreateProjectAsync(ProjectDraft("PRJ-1"), None);
        var line = new ErpTimeLine("PSA-TE-TE-1-V1", "EP-00001", "RES-7", TestData.WorkDate, 8m, true, null, "corr-1");
        await erp.PostTimeAsync(line, None);

        await erp.SetProjectStatusAsync("EP-00001", ProjectStatus.OnHold, None);
        var ex = await Assert.ThrowsAsync<ErpException>(() => erp.PostTimeAsync(line with { ExternalId = "PSA-TE-TE-2-V1" }, None));

        Assert.Equal(ErpFailureKind.Rejected, ex.Kind);
        Assert.Single(erp.TimeLines);
    }

    [Fact]
    public async Task Setting_the_status_of_an_unknown_project_is_Rejected()
    {
        var erp = new SandboxErp(new SandboxFaultOptions());

        var ex = await Assert.ThrowsAsync<ErpException>(() => erp.SetProjectStatusAsync("EP-00404", ProjectStatus.Closed, None));

        Assert.Equal(ErpFailureKind.Rejected, ex.Kind);
        Assert.Contains("EP-00404", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_seeded_project_can_have_its_status_set_and_does_not_take_a_created_projects_code()
    {
        var erp = new SandboxErp(new SandboxFaultOptions());
        erp.SeedProject(new ErpProject("EP-00001", "PRJ-SEED", Active: true));
        await erp.CreateCustomerAsync(CustomerDraft("ACC-1"), None);

        var closed = await erp.SetProjectStatusAsync("EP-00001", ProjectStatus.Closed, None);
        var created = await erp.CreateProjectAsync(ProjectDraft("PRJ-1"), None);

        Assert.Equal(new ErpProject("EP-00001", "PRJ-SEED", false) { Status = ProjectStatus.Closed }, closed);
        Assert.Equal("EP-00002", created.ErpProjectCode);
        Assert.Equal(2, erp.Projects.Count);
    }

    [Fact]
    public async Task A_project_deleted_directly_is_gone_and_its_code_is_not_reused()
    {
        var erp = new SandboxErp(new SandboxFaultOptions());
        await erp.CreateCustomerAsync(CustomerDraft("ACC-1"), None);
        await erp.CreateProjectAsync(ProjectDraft("PRJ-1"), None);

        erp.DeleteProjectDirectly("EP-00001");
        var next = await erp.CreateProjectAsync(ProjectDraft("PRJ-2"), None);

        Assert.Null(await erp.FindProjectAsync("PRJ-1", None));
        Assert.Equal("EP-00002", next.ErpProjectCode);
        Assert.Equal([next], await erp.ListProjectsAsync(None));
        Assert.Throws<ArgumentException>(() => erp.DeleteProjectDirectly("EP-00001"));
    }

    [Fact]
    public async Task Customers_projects_statuses_and_direct_edits_are_replayed_from_the_journal()
    {
        var before = new SandboxErp(new SandboxFaultOptions(), JournalPath);
        await before.CreateCustomerAsync(CustomerDraft("ACC-1"), None);
        await before.CreateCustomerAsync(CustomerDraft("ACC-2", "Fabrikam Ltd", "GB", "GB123456789", "GBP", "PSGB"), None);
        await before.UpdateCustomerAsync("CUST-00002", CustomerDraft("ACC-2", "Fabrikam UK Ltd", "GB", "GB123456789", "GBP", "PSGB"), None);
        before.EditCustomerDirectly("CUST-00001", c => c with { PaymentTerms = "NET15" });
        await before.CreateProjectAsync(ProjectDraft("PRJ-1"), None);
        await before.CreateProjectAsync(ProjectDraft("PRJ-2", customerNumber: "CUST-00002", legalEntity: "PSGB"), None);
        await before.CreateProjectAsync(ProjectDraft("PRJ-3"), None);
        await before.SetProjectStatusAsync("EP-00002", ProjectStatus.OnHold, None);
        before.DeleteProjectDirectly("EP-00003");

        var after = new SandboxErp(new SandboxFaultOptions(), JournalPath);

        Assert.Equal(before.Customers, after.Customers);
        Assert.Equal(before.Projects, after.Projects);
        Assert.Equal(before.ProjectDrafts.OrderBy(d => d.Key), after.ProjectDrafts.OrderBy(d => d.Key));
        Assert.Equal("NET15", (await after.GetCustomerAsync("CUST-00001", None))?.PaymentTerms);
        Assert.Equal("Fabrikam UK Ltd", (await after.FindCustomerByExternalIdAsync("ACC-2", None))?.LegalName);
        Assert.Equal(ProjectStatus.OnHold, (await after.FindProjectAsync("PRJ-2", None))?.Status);
        Assert.Null(await after.FindProjectAsync("PRJ-3", None));
        Assert.Equal(2, after.Projects.Count);

        // Repeats are still recognised, and new records do not reuse numbers.
        Assert.Equal("CUST-00001", (await after.CreateCustomerAsync(CustomerDraft("ACC-1"), None)).CustomerNumber);
        Assert.Equal("CUST-00003", (await after.CreateCustomerAsync(CustomerDraft("ACC-3", "Northwind"), None)).CustomerNumber);
        Assert.Equal("EP-00001", (await after.CreateProjectAsync(ProjectDraft("PRJ-1"), None)).ErpProjectCode);
        Assert.Equal("EP-00004", (await after.CreateProjectAsync(ProjectDraft("PRJ-4"), None)).ErpProjectCode);
    }

    [Fact]
    public async Task Every_project_call_meets_the_planned_faults()
    {
        var erp = new SandboxErp(new SandboxFaultOptions { ServerErrorRate = 1 });
        var calls = new Func<Task>[]
        {
            () => erp.CreateProjectAsync(ProjectDraft(), None),
            () => erp.SetProjectStatusAsync("EP-00001", ProjectStatus.Closed, None),
            () => erp.ListProjectsAsync(None),
        };

        foreach (var call in calls)
        {
            Assert.Equal(ErpFailureKind.Unavailable, (await Assert.ThrowsAsync<ErpException>(call)).Kind);
        }
        Assert.Equal(1, erp.Requests["create-project"]);
        Assert.Equal(1, erp.Requests["set-project-status"]);
        Assert.Equal(1, erp.Requests["list-projects"]);
    }
}
