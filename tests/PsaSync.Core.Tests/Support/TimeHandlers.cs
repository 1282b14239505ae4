using PsaSync.Core.MasterData;
using PsaSync.Core.Billing;
using PsaSync.Core.CrossReference;
using PsaSync.Core.Messaging;
using PsaSync.Core.Parking;
using PsaSync.Core.Ports;
using PsaSync.Core.TimeExpense;

namespace PsaSync.Core.Tests.Support;

/// <summary>The approved-time handler wired as the service registration wires it, over the stores a test gives it.</summary>
internal static class TimeHandlers
{
    public static TimeApprovedHandler Approved(
        IErpConnector erp, IPsaConnector psa, ICrossReferenceMap crossReferences, IUnbilledLedger ledger, IPendingCostPostings pending,
        IProjectProfiles profiles, HandlerSupport support, CostPostingOptions options, TimeProvider clock, EventParking? parking = null) =>
        new(erp, new ErpProjectDirectory(erp, options, clock), crossReferences, pending, new PostedTimeRecorder(psa, ledger, support, options), options,
            ledger, new RememberedProjectProfiles(profiles, TimeSpan.Zero, clock), new TimeReversals(erp, ledger, pending, support),
            parking ?? new TestParking(support, clock).Parking, support);
}
