using PsaSync.Core.Messaging;
using PsaSync.Core.Parking;

namespace PsaSync.Core.Tests.Support;

/// <summary>Event parking over an in-memory parking lot, whose re-drives go to a recording publisher.</summary>
internal sealed class TestParking
{
    public TestParking(HandlerSupport support, TimeProvider clock)
    {
        Redriver = new ParkedEventRedriver(Lot, Publisher, CorrelationLog, clock);
        Parking = new EventParking(Lot, Redriver, support);
    }

    public InMemoryParkingLot Lot { get; } = new();

    public RecordingPublisher Publisher { get; } = new();

    public InMemoryCorrelationLog CorrelationLog { get; } = new();

    public ParkedEventRedriver Redriver { get; }

    public EventParking Parking { get; }
}
