using Microsoft.Extensions.Logging.Abstractions;
using PsaSync.Core.Events;
using PsaSync.Core.Exceptions;
using PsaSync.Core.Messaging;
using PsaSync.Core.Model;
using PsaSync.Core.Tests.Support;
using static PsaSync.Core.Tests.Support.MasterDataTestData;

namespace PsaSync.Core.Tests.MasterData;

/// <summary>The project setup domain end to end in memory: its EnvelopeProcessor, the real handlers, the sandboxes.</summary>
public class ProjectSetupProcessingTests
{
    private static readonly RecordRef ProjectRecord = new("psa", "project", ProjectId);
    private readonly MasterDataHarness _h = new();
    private readonly InMemoryDedupeLedger _ledger = new();

    private EnvelopeProcessor Processor() =>
        new(QueueNames.ProjectSetup, [_h.ProjectHandler()], _ledger, _h.CorrelationLog, _h.Exceptions, new DeliveryPolicy(), _h.Clock,
            _h.Telemetry, NullLogger<EnvelopeProcessor>.Instance);

    private Task<Settlement> ProcessAsync(EventEnvelope envelope) =>
        Processor().ProcessAsync(envelope.ToJson(), new DeliveryInfo(Guid.NewGuid().ToString("N"), 1), CancellationToken.None);

    private IReadOnlyList<ExceptionItem> OpenItemsOfTheProject() =>
        [.. _h.Exceptions.Open.Where(i => i.SourceRecord == ProjectRecord)];

    [Fact]
    public async Task A_parked_project_re_driven_after_its_customer_synced_is_set_up_and_its_waiting_item_resolves()
    {
        _h.Psa.AddProject(Project());
        Assert.Equal(SettlementAction.Complete, (await ProcessAsync(ProjectEnvelope(Project()))).Action);
        Assert.Equal("PROJECT_WAITING_FOR_CUSTOMER", Assert.Single(OpenItemsOfTheProject()).ReasonCode);

        await _h.SyncCustomerAsync();
        var (_, redriven) = Assert.Single(_h.Publisher.Published);
        var settlement = await ProcessAsync(redriven);

        Assert.Equal(SettlementAction.Complete, settlement.Action);
        Assert.Equal("EP-00001", Assert.Single(_h.Erp.Projects).ErpProjectCode);
        Assert.Empty(OpenItemsOfTheProject());
        Assert.Equal(ExceptionStatus.Resolved, Assert.Single(_h.Exceptions.Items, i => i.ReasonCode == "PROJECT_WAITING_FOR_CUSTOMER").Status);
    }

    [Fact]
    public async Task A_project_delivered_twice_is_set_up_once()
    {
        await _h.SyncCustomerAsync();
        _h.Psa.AddProject(Project());
        var envelope = ProjectEnvelope(Project());

        await ProcessAsync(envelope);
        await ProcessAsync(envelope);

        Assert.Single(_h.Erp.Projects);
        Assert.Equal(1, _h.Erp.Requests["create-project"]);
    }

    /// <summary>
    /// A project that is not ready is rejected with one item per problem, and each item's how-to-fix says to correct
    /// the project in the PSA (e.g. PROJECT_PO_MISSING: "Enter the customer's PO number on the project in the PSA").
    /// That correction reaches PsaSync as a new version of the project, with a new idempotency key, so it is a first
    /// delivery; EnvelopeProcessor resolves a record's open items only when Done comes on a redelivery, so the items
    /// of the earlier version stay open although the project is now in the ERP. (Replaying the earlier version does
    /// not help: its envelope still carries the project without the PO and is rejected again.) The runbook promises
    /// that "a later successful attempt for the same record resolves it".
    /// </summary>
    [Fact]
    public async Task A_project_corrected_in_the_PSA_resolves_the_readiness_items_of_its_earlier_version_once_it_is_set_up()
    {
        await _h.SyncCustomerAsync(Customer(requiresPurchaseOrder: true));
        _h.Psa.AddProject(Project(version: 1, purchaseOrder: null));
        await ProcessAsync(ProjectEnvelope(Project(version: 1, purchaseOrder: null)));
        Assert.Equal("PROJECT_PO_MISSING", Assert.Single(OpenItemsOfTheProject()).ReasonCode);

        _h.Psa.AddProject(Project(version: 2, purchaseOrder: "PO-4711"));
        await ProcessAsync(ProjectEnvelope(Project(version: 2, purchaseOrder: "PO-4711")));

        Assert.Equal("PO-4711", Assert.Single(_h.Erp.ProjectDrafts.Values).PurchaseOrder);
        Assert.Empty(OpenItemsOfTheProject());
    }
}
