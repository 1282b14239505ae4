using PsaSync.Connectors.Sandbox;
using PsaSync.Connectors.Sandbox.Erp;
using PsaSync.Connectors.Sandbox.Psa;
using PsaSync.Core.Events;
using PsaSync.Core.MasterData;
using PsaSync.Core.Messaging;
using PsaSync.Core.Ports;
using PsaSync.Core.Parking;
using PsaSync.Core.Tests.Support;

namespace PsaSync.Core.Tests.MasterData;

/// <summary>The customer and project handlers over the sandbox ERP and PSA and in-memory stores, sharing one state.</summary>
internal sealed class MasterDataHarness
{
    public FakeTimeProvider Clock { get; } = new(TestData.Now);

    public SandboxErp Erp { get; } = new(new SandboxFaultOptions());

    public SandboxPsa Psa { get; } = new(new SandboxFaultOptions());

    public InMemoryCrossReferenceMap CrossReferences { get; } = new();

    public InMemoryExceptionStore Exceptions { get; }

    public InMemoryCorrelationLog CorrelationLog { get; } = new();

    public InMemoryParkingLot ParkingLot { get; } = new();

    public InMemoryWatermarkStore AppliedVersions { get; } = new();

    public RecordingPublisher Publisher { get; } = new();

    public RecordingTelemetry Telemetry { get; } = new();

    public HandlerSupport Support { get; }

    public ParkedEventRedriver Redriver { get; }

    public EventParking Parking { get; }

    public MasterDataHarness()
    {
        Exceptions = new InMemoryExceptionStore(Clock);
        Support = new HandlerSupport(Exceptions, CorrelationLog, Clock, Telemetry);
        Profiles = new InMemoryProjectProfiles();
        Redriver = new ParkedEventRedriver(ParkingLot, Publisher, CorrelationLog, Clock);
        Parking = new EventParking(ParkingLot, Redriver, Support);
    }

    public InMemoryProjectProfiles Profiles { get; }

    public CustomerUpsertedHandler CustomerHandler(IErpConnector? erp = null, IPsaConnector? psa = null) =>
        new(erp ?? Erp, psa ?? Psa, CrossReferences, new ReferenceDataCache(erp ?? Erp, Clock), Parking, AppliedVersions, Support);

    public ProjectChangedHandler ProjectHandler(IErpConnector? erp = null, IPsaConnector? psa = null) =>
        new(erp ?? Erp, psa ?? Psa, CrossReferences, new ReferenceDataCache(erp ?? Erp, Clock), Parking, AppliedVersions, Profiles, Support);

    public Task<HandlerResult> HandleCustomerAsync(EventEnvelope envelope, bool isRedelivery = false) =>
        CustomerHandler().HandleAsync(envelope, isRedelivery, CancellationToken.None);

    public Task<HandlerResult> HandleProjectAsync(EventEnvelope envelope, bool isRedelivery = false) =>
        ProjectHandler().HandleAsync(envelope, isRedelivery, CancellationToken.None);

    /// <summary>Syncs the CRM customer through the customer handler, as customer master would before the project arrives.</summary>
    public async Task SyncCustomerAsync(Core.Model.Customer? customer = null)
    {
        var result = await HandleCustomerAsync(MasterDataTestData.CrmCustomerEnvelope(customer ?? MasterDataTestData.Customer()));
        Assert.IsType<HandlerResult.Done>(result);
    }
}
