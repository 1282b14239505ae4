using PsaSync.Connectors.Sandbox;
using PsaSync.Connectors.Sandbox.Erp;
using PsaSync.Connectors.Sandbox.Psa;
using PsaSync.Core.Exceptions;
using PsaSync.Core.Messaging;
using PsaSync.Core.Model;
using PsaSync.Core.Ports;
using PsaSync.Core.Reconciliation;
using PsaSync.Core.Tests.Support;
using static PsaSync.Core.Tests.Support.MasterDataTestData;

namespace PsaSync.Core.Tests.Reconciliation;

public class ProjectReconciliationJobTests
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly FakeTimeProvider _clock = new(TestData.Now);
    private readonly SandboxErp _erp = new(new SandboxFaultOptions());
    private readonly SandboxPsa _psa = new(new SandboxFaultOptions());
    private readonly InMemoryReconciliationReports _reports = new();
    private readonly InMemoryExceptionStore _exceptions;
    private readonly RecordingTelemetry _telemetry = new();

    public ProjectReconciliationJobTests() => _exceptions = new InMemoryExceptionStore(_clock);

    private ProjectReconciliationJob Job() => new(_erp, _psa, _exceptions, _reports, _clock, _telemetry);

    private ReconciliationReport Report() => Assert.Single(_reports.Saved);

    /// <summary>A project in the PSA and in the ERP, with the ERP code written back, as project setup leaves it.</summary>
    private async Task<ErpProject> SyncedAsync(string projectId, ProjectStatus status = ProjectStatus.Active)
    {
        if (_erp.Customers.Count == 0)
        {
            await _erp.CreateCustomerAsync(Draft(Customer()), None);
        }
        _psa.AddProject(Project(projectId: projectId, status: status));
        var created = await _erp.CreateProjectAsync(new ErpProjectDraft(projectId, "CUST-00001", "Contoso data platform", "PSDE", "EUR",
            BillingModel.TimeAndMaterials, "MSA-2026-001", null, "DE-VAT-19", new ErpDimensions("CC-200", "DEP-ENG", "REV-SERVICES"), null,
            new DateOnly(2026, 4, 1), null, "corr-seed"), None);
        if (status != ProjectStatus.Active)
        {
            created = await _erp.SetProjectStatusAsync(created.ErpProjectCode, status, None);
        }
        await _psa.SetProjectErpReferenceAsync(projectId, created.ErpProjectCode, created.Status, None);
        return created;
    }

    [Fact]
    public void It_is_the_project_reconciliation_job()
    {
        Assert.Equal("project-reconciliation", Job().Name);
    }

    [Fact]
    public async Task Projects_that_agree_give_a_report_without_drift()
    {
        await SyncedAsync("PRJ-1");
        await SyncedAsync("PRJ-2", ProjectStatus.OnHold);

        await Job().RunAsync(None);

        Assert.Equal(2, Report().RecordsCompared);
        Assert.Empty(Report().Drifts);
        Assert.Empty(_exceptions.Raised);
    }

    [Fact]
    public async Task A_status_that_differs_in_the_ERP_is_healed_in_the_ERP()
    {
        await SyncedAsync("PRJ-1");
        _psa.AddProject(Project(projectId: "PRJ-1", version: 2, status: ProjectStatus.OnHold));

        await Job().RunAsync(None);

        var inErp = Assert.Single(_erp.Projects);
        Assert.Equal(ProjectStatus.OnHold, inErp.Status);
        Assert.False(inErp.Active);
        Assert.Equal(ProjectStatus.OnHold, _psa.ProjectDetails["PRJ-1"].ErpStatus);
        var drift = Assert.Single(Report().Drifts);
        Assert.Equal(DriftKind.StatusMismatch, drift.Kind);
        Assert.True(drift.Healed);
        Assert.Equal(new RecordRef("psa", "project", "PRJ-1"), drift.Record);
        Assert.Empty(_exceptions.Raised);
    }

    [Fact]
    public async Task A_missing_ERP_code_on_the_PSA_project_is_written_back()
    {
        await _erp.CreateCustomerAsync(Draft(Customer()), None);
        _psa.AddProject(Project(projectId: "PRJ-1"));
        var inErp = await _erp.CreateProjectAsync(new ErpProjectDraft("PRJ-1", "CUST-00001", "Contoso data platform", "PSDE", "EUR",
            BillingModel.TimeAndMaterials, "MSA-2026-001", null, "DE-VAT-19", new ErpDimensions("CC-200", "DEP-ENG", "REV-SERVICES"), null,
            new DateOnly(2026, 4, 1), null, "corr-seed"), None);

        await Job().RunAsync(None);

        Assert.Equal(inErp.ErpProjectCode, _psa.ProjectDetails["PRJ-1"].ErpProjectCode);
        Assert.Equal(ProjectStatus.Active, _psa.ProjectDetails["PRJ-1"].ErpStatus);
        var drift = Assert.Single(Report().Drifts);
        Assert.Equal(DriftKind.ErpReferenceMissing, drift.Kind);
        Assert.True(drift.Healed);
        Assert.Empty(_exceptions.Raised);
    }

    [Fact]
    public async Task An_active_PSA_project_without_an_ERP_project_is_left_for_a_person()
    {
        await SyncedAsync("PRJ-1");
        _erp.DeleteProjectDirectly("EP-00001");

        await Job().RunAsync(None);

        var drift = Assert.Single(Report().Drifts);
        Assert.Equal(DriftKind.MissingInErp, drift.Kind);
        Assert.False(drift.Healed);
        var raised = Assert.Single(_exceptions.Raised);
        Assert.Equal(ReasonCodes.ReconciliationDrift, raised.Reason);
        Assert.Equal(QueueNames.ProjectSetup, raised.Domain);
        Assert.Equal(new RecordRef("psa", "project", "PRJ-1"), raised.SourceRecord);
        Assert.Contains("EP-00001", raised.Message, StringComparison.Ordinal);
        Assert.Empty(_erp.Projects);
    }

    [Theory]
    [InlineData(ProjectStatus.OnHold)]
    [InlineData(ProjectStatus.Closed)]
    public async Task An_inactive_PSA_project_without_an_ERP_project_is_no_drift(ProjectStatus status)
    {
        _psa.AddProject(Project(projectId: "PRJ-1", status: status));

        await Job().RunAsync(None);

        Assert.Empty(Report().Drifts);
        Assert.Empty(_exceptions.Raised);
    }

    [Fact]
    public async Task An_ERP_project_the_PSA_does_not_have_is_left_for_a_person()
    {
        await SyncedAsync("PRJ-1");
        _erp.SeedProject(new ErpProject("EP-00777", "PRJ-GONE", Active: true));

        await Job().RunAsync(None);

        var drift = Assert.Single(Report().Drifts);
        Assert.Equal(DriftKind.OrphanInErp, drift.Kind);
        Assert.False(drift.Healed);
        Assert.Equal(new RecordRef("erp", "project", "EP-00777"), drift.Record);
        var raised = Assert.Single(_exceptions.Raised);
        Assert.Equal(ReasonCodes.ReconciliationDrift, raised.Reason);
        Assert.Contains("PRJ-GONE", raised.Message, StringComparison.Ordinal);
        Assert.True(Assert.Single(_erp.Projects, p => p.PsaProjectId == "PRJ-GONE").Active);
    }

    [Fact]
    public async Task The_report_counts_PSA_projects_and_every_drift()
    {
        await SyncedAsync("PRJ-1");
        await SyncedAsync("PRJ-2");
        _psa.AddProject(Project(projectId: "PRJ-2", version: 2, status: ProjectStatus.Closed));
        _psa.AddProject(Project(projectId: "PRJ-3"));
        _erp.SeedProject(new ErpProject("EP-00777", "PRJ-GONE", Active: true));

        var summary = await Job().RunAsync(None);

        Assert.Equal(3, Report().RecordsCompared);
        Assert.Equal([DriftKind.StatusMismatch, DriftKind.MissingInErp, DriftKind.OrphanInErp], Report().Drifts.Select(d => d.Kind));
        Assert.Equal("project-reconciliation: 3 compared, 3 drift(s), 1 healed, 2 left for a person.", summary);
        Assert.Equal(2, _exceptions.Raised.Count);
    }
}
