using NSubstitute;
using NSubstitute.ExceptionExtensions;
using PsaSync.Connectors.Sandbox.Erp;
using PsaSync.Core.CrossReference;
using PsaSync.Core.Events;
using PsaSync.Core.Exceptions;
using PsaSync.Core.Messaging;
using PsaSync.Core.Model;
using PsaSync.Core.Ports;
using PsaSync.Core.Tests.Support;
using PsaSync.Core.Tracing;
using static PsaSync.Core.Tests.Support.MasterDataTestData;

namespace PsaSync.Core.Tests.MasterData;

public class ProjectChangedHandlerTests
{
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly RecordRef ProjectRecord = new("psa", "project", ProjectId);
    private readonly MasterDataHarness _h = new();

    private async Task<HandlerResult> HandleAsync(Project project)
    {
        _h.Psa.AddProject(project);
        return await _h.HandleProjectAsync(ProjectEnvelope(project));
    }

    [Fact]
    public void It_handles_project_changed_events()
    {
        Assert.Equal("psasync.project.changed", _h.ProjectHandler().EventType);
    }

    [Fact]
    public async Task A_project_whose_customer_has_not_synced_is_parked_under_its_customer()
    {
        var envelope = ProjectEnvelope(Project());

        var result = await _h.HandleProjectAsync(envelope);

        Assert.Equal(new HandlerResult.Parked("customer ACC-1"), result);
        var parked = Assert.Single(_h.ParkingLot.Items);
        Assert.Equal("customer:ACC-1", parked.ParentKey);
        Assert.Equal(QueueNames.ProjectSetup, parked.Queue);
        Assert.Equal(QueueNames.ProjectSetup, parked.Domain);
        Assert.Equal(ProjectRecord, parked.Record);
        Assert.Equal("PROJECT_CUSTOMER_NEVER_SYNCED", parked.TimeoutReasonCode);
        Assert.Equal(TestData.Now, parked.ParkedAt);
        Assert.Equal(envelope.Id, parked.Envelope.Id);
        Assert.Equal(envelope.IdempotencyKey, parked.Envelope.IdempotencyKey);
        Assert.Empty(_h.Erp.Projects);
        Assert.Empty(_h.Publisher.Published);
    }

    [Fact]
    public async Task Parking_raises_PROJECT_WAITING_FOR_CUSTOMER_for_the_project()
    {
        var envelope = ProjectEnvelope(Project());

        await _h.HandleProjectAsync(envelope);

        var raised = Assert.Single(_h.Exceptions.Raised);
        Assert.Equal(ReasonCodes.ProjectWaitingForCustomer, raised.Reason);
        Assert.Equal(QueueNames.ProjectSetup, raised.Domain);
        Assert.Equal(ProjectRecord, raised.SourceRecord);
        Assert.Equal(envelope.CorrelationId, raised.CorrelationId);
        Assert.Equal(envelope.IdempotencyKey, raised.IdempotencyKey);
        Assert.Contains("ACC-1", raised.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_project_of_a_synced_customer_gets_an_ERP_project_and_contract_with_its_practices_dimensions()
    {
        await _h.SyncCustomerAsync();

        var result = await HandleAsync(Project(practice: "Engineering"));

        Assert.Equal(new HandlerResult.Done("erp-project:EP-00001"), result);
        var created = Assert.Single(_h.Erp.Projects);
        Assert.Equal("EP-00001", created.ErpProjectCode);
        Assert.Equal(ProjectId, created.PsaProjectId);
        Assert.Equal("CUST-00001", created.CustomerNumber);
        Assert.Equal("CTR-00001", created.ContractNumber);
        Assert.Equal(ProjectStatus.Active, created.Status);
        var draft = _h.Erp.ProjectDrafts["EP-00001"];
        Assert.Equal(new ErpDimensions("CC-200", "DEP-ENG", "REV-SERVICES"), draft.Dimensions);
        Assert.Equal("CUST-00001", draft.CustomerNumber);
        Assert.Equal("MSA-2026-001", draft.ContractReference);
        Assert.Equal("PO-77", draft.PurchaseOrder);
        Assert.Equal("DE-VAT-19", draft.TaxCode);
        Assert.Equal(("PSDE", "EUR", BillingModel.TimeAndMaterials), (draft.LegalEntity, draft.Currency, draft.BillingModel));
        Assert.Empty(_h.ParkingLot.Items);
    }

    [Fact]
    public async Task Another_practice_books_to_its_own_dimensions()
    {
        await _h.SyncCustomerAsync();

        await HandleAsync(Project(practice: "Managed"));

        Assert.Equal(new ErpDimensions("CC-300", "DEP-MS", "REV-RECURRING"), _h.Erp.ProjectDrafts["EP-00001"].Dimensions);
    }

    [Fact]
    public async Task The_PSA_project_gets_the_ERP_code_and_the_link_is_recorded()
    {
        await _h.SyncCustomerAsync();

        await HandleAsync(Project());

        var inPsa = _h.Psa.ProjectDetails[ProjectId];
        Assert.Equal("EP-00001", inPsa.ErpProjectCode);
        Assert.Equal(ProjectStatus.Active, inPsa.ErpStatus);
        Assert.Contains(_h.CrossReferences.Links, l => l == ("project", "psa", ProjectId, "erp", "EP-00001"));
        Assert.Contains(_h.CorrelationLog.Entries, t => t.Step == TraceSteps.WrittenBack && t.Record == ProjectRecord);
    }

    [Fact]
    public async Task The_applied_version_is_recorded()
    {
        await _h.SyncCustomerAsync();

        await HandleAsync(Project(version: 4));

        var recorded = await _h.AppliedVersions.GetAsync($"applied-version:project:{ProjectId}", None);
        Assert.Equal("4", recorded?.Value);
    }

    [Fact]
    public async Task Handling_the_same_event_twice_creates_one_ERP_project()
    {
        await _h.SyncCustomerAsync();
        var envelope = ProjectEnvelope(Project());
        _h.Psa.AddProject(Project());

        var first = await _h.HandleProjectAsync(envelope);
        var second = await _h.HandleProjectAsync(envelope, isRedelivery: true);

        Assert.Equal(new HandlerResult.Done("erp-project:EP-00001"), first);
        Assert.IsType<HandlerResult.Done>(second);
        Assert.Single(_h.Erp.Projects);
        Assert.Equal(1, _h.Erp.Requests["create-project"]);
    }

    [Fact]
    public async Task A_newer_version_of_a_project_already_in_the_ERP_does_not_create_another()
    {
        await _h.SyncCustomerAsync();
        await HandleAsync(Project(version: 1));

        var result = await HandleAsync(Project(version: 2) with { Name = "Contoso data platform, phase 2" });

        Assert.Equal(new HandlerResult.Done("erp-project:EP-00001"), result);
        Assert.Single(_h.Erp.Projects);
    }

    [Fact]
    public async Task An_older_version_after_a_newer_one_is_ignored_and_does_not_change_the_ERP_status_back()
    {
        await _h.SyncCustomerAsync();
        await HandleAsync(Project(version: 2, status: ProjectStatus.OnHold));

        var result = await _h.HandleProjectAsync(ProjectEnvelope(Project(version: 1, status: ProjectStatus.Active)));

        Assert.Equal(new HandlerResult.Done("stale-version:1"), result);
        var inErp = Assert.Single(_h.Erp.Projects);
        Assert.Equal(ProjectStatus.OnHold, inErp.Status);
        Assert.False(inErp.Active);
        Assert.Equal(ProjectStatus.OnHold, _h.Psa.ProjectDetails[ProjectId].ErpStatus);
        Assert.Equal(1, _h.Erp.Requests["set-project-status"]);
        Assert.Contains(_h.CorrelationLog.Entries, t => t.Step == TraceSteps.DuplicateAbsorbed && t.Detail.Contains("Version 1", StringComparison.Ordinal));
        Assert.Equal("2", (await _h.AppliedVersions.GetAsync($"applied-version:project:{ProjectId}", None))?.Value);
    }

    [Theory]
    [InlineData(ProjectStatus.OnHold)]
    [InlineData(ProjectStatus.Closed)]
    public async Task A_status_change_in_the_PSA_is_followed_by_the_ERP(ProjectStatus status)
    {
        await _h.SyncCustomerAsync();
        await HandleAsync(Project(version: 1));

        var result = await HandleAsync(Project(version: 2, status: status));

        Assert.Equal(new HandlerResult.Done("erp-project:EP-00001"), result);
        var inErp = Assert.Single(_h.Erp.Projects);
        Assert.Equal(status, inErp.Status);
        Assert.False(inErp.Active);
        Assert.Equal(status, _h.Psa.ProjectDetails[ProjectId].ErpStatus);
    }

    [Fact]
    public async Task A_project_put_back_to_active_is_active_in_the_ERP_again()
    {
        await _h.SyncCustomerAsync();
        await HandleAsync(Project(version: 1));
        await HandleAsync(Project(version: 2, status: ProjectStatus.OnHold));

        await HandleAsync(Project(version: 3, status: ProjectStatus.Active));

        Assert.True(Assert.Single(_h.Erp.Projects).Active);
        Assert.Equal(ProjectStatus.Active, _h.Psa.ProjectDetails[ProjectId].ErpStatus);
    }

    [Fact]
    public async Task A_project_that_is_not_ready_raises_one_exception_item_per_problem_and_creates_no_ERP_project()
    {
        await _h.SyncCustomerAsync();
        var project = Project(currency: "USD", contractReference: null);
        var envelope = ProjectEnvelope(project);

        var result = await _h.HandleProjectAsync(envelope);

        Assert.Equal(new HandlerResult.Rejected("PROJECT_CURRENCY_NOT_ALLOWED"), result);
        Assert.Equal(["PROJECT_CURRENCY_NOT_ALLOWED", "PROJECT_CONTRACT_MISSING"], _h.Exceptions.Raised.Select(e => e.Reason.Code));
        Assert.All(_h.Exceptions.Raised, e =>
        {
            Assert.Equal(ProjectRecord, e.SourceRecord);
            Assert.Equal(QueueNames.ProjectSetup, e.Domain);
            Assert.Equal(envelope.IdempotencyKey, e.IdempotencyKey);
        });
        Assert.Empty(_h.Erp.Projects);
        Assert.False(_h.Erp.Requests.ContainsKey("create-project"));
        Assert.Null(await _h.AppliedVersions.GetAsync($"applied-version:project:{ProjectId}", None));
    }

    [Fact]
    public async Task A_customer_that_requires_a_PO_is_checked_against_the_ERP_customer()
    {
        await _h.SyncCustomerAsync(Customer(requiresPurchaseOrder: true));

        var result = await _h.HandleProjectAsync(ProjectEnvelope(Project(purchaseOrder: null)));

        Assert.Equal(new HandlerResult.Rejected("PROJECT_PO_MISSING"), result);
        Assert.Empty(_h.Erp.Projects);
    }

    [Fact]
    public async Task A_parked_project_continues_when_its_customer_syncs()
    {
        var envelope = ProjectEnvelope(Project());
        _h.Psa.AddProject(Project());
        Assert.IsType<HandlerResult.Parked>(await _h.HandleProjectAsync(envelope));

        await _h.SyncCustomerAsync();
        var (queue, redriven) = Assert.Single(_h.Publisher.Published);
        var result = await _h.HandleProjectAsync(redriven, isRedelivery: true);

        Assert.Equal(QueueNames.ProjectSetup, queue);
        Assert.Equal(envelope.IdempotencyKey, redriven.IdempotencyKey);
        Assert.Empty(_h.ParkingLot.Items);
        Assert.Equal(new HandlerResult.Done("erp-project:EP-00001"), result);
        Assert.Equal("CUST-00001", Assert.Single(_h.Erp.Projects).CustomerNumber);
    }

    [Fact]
    public async Task When_the_customer_is_refused_its_waiting_project_is_told_at_once_and_still_continues_once_the_customer_is_fixed()
    {
        _h.Psa.AddProject(Project());
        Assert.IsType<HandlerResult.Parked>(await _h.HandleProjectAsync(ProjectEnvelope(Project())));

        // The legal entity cannot invoice in yen: the customer is refused.
        Assert.IsType<HandlerResult.Rejected>(await _h.HandleCustomerAsync(CrmCustomerEnvelope(Customer(currency: "JPY"))));

        var told = Assert.Single(_h.Exceptions.Open, x => x.SourceRecord == ProjectRecord);
        Assert.Equal(ReasonCodes.ProjectCustomerNeverSynced.Code, told.ReasonCode);
        Assert.Contains($"customer {CustomerKey}, which PsaSync refused: CUSTOMER_CURRENCY_NOT_ALLOWED", told.Message, StringComparison.Ordinal);
        Assert.Single(_h.ParkingLot.Items);

        await _h.SyncCustomerAsync();
        var (_, redriven) = Assert.Single(_h.Publisher.Published);
        Assert.IsType<HandlerResult.Done>(await _h.HandleProjectAsync(redriven, isRedelivery: true));
        Assert.DoesNotContain(_h.Exceptions.Open, x => x.SourceRecord == ProjectRecord);
    }

    [Fact]
    public async Task A_transient_ERP_failure_is_retried_later_and_nothing_is_recorded()
    {
        await _h.SyncCustomerAsync();
        var erp = Substitute.For<IErpConnector>();
        erp.GetCustomerAsync("CUST-00001", Arg.Any<CancellationToken>()).Returns(ErpCustomer());
        erp.GetReferenceDataAsync(Arg.Any<CancellationToken>()).Returns(SandboxErp.DefaultReferenceData);
        erp.CreateProjectAsync(Arg.Any<ErpProjectDraft>(), Arg.Any<CancellationToken>())
            .ThrowsAsync(new ErpException(ErpFailureKind.Unavailable, "503"));

        var result = await _h.ProjectHandler(erp).HandleAsync(ProjectEnvelope(Project()), false, None);

        Assert.IsType<HandlerResult.RetryLater>(result);
        Assert.Empty(_h.Exceptions.Raised);
        Assert.Null(await _h.AppliedVersions.GetAsync($"applied-version:project:{ProjectId}", None));
    }

    [Fact]
    public async Task A_customer_that_syncs_while_the_project_is_being_parked_re_drives_it_at_once()
    {
        var crossReferences = Substitute.For<ICrossReferenceMap>();
        crossReferences.FindAsync("customer", "key", CustomerKey, Arg.Any<CancellationToken>()).Returns(
            (CrossReference.CrossReference?)null,
            new CrossReference.CrossReference("customer", new Dictionary<string, string> { ["key"] = CustomerKey, ["erp"] = "CUST-00001" }));
        var handler = new Core.MasterData.ProjectChangedHandler(_h.Erp, _h.Psa, crossReferences, new Core.MasterData.ReferenceDataCache(_h.Erp, _h.Clock),
            _h.Parking, _h.AppliedVersions, _h.Profiles, _h.Support);
        var envelope = ProjectEnvelope(Project());

        var result = await handler.HandleAsync(envelope, false, None);

        Assert.IsType<HandlerResult.Parked>(result);
        var (queue, redriven) = Assert.Single(_h.Publisher.Published);
        Assert.Equal(QueueNames.ProjectSetup, queue);
        Assert.Equal(envelope.IdempotencyKey, redriven.IdempotencyKey);
        Assert.Empty(_h.ParkingLot.Items);
    }

    [Fact]
    public async Task A_linked_customer_the_ERP_no_longer_has_is_rejected_as_ERP_REJECTED()
    {
        await _h.CrossReferences.LinkAsync("customer", "key", CustomerKey, "erp", "CUST-00404", None);

        var result = await _h.HandleProjectAsync(ProjectEnvelope(Project()));

        Assert.Equal(new HandlerResult.Rejected("ERP_REJECTED"), result);
        Assert.Contains("CUST-00404", Assert.Single(_h.Exceptions.Raised).Message, StringComparison.Ordinal);
        Assert.Empty(_h.ParkingLot.Items);
        Assert.Empty(_h.Erp.Projects);
    }
}
