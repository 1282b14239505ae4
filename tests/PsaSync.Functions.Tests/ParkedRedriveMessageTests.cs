using NSubstitute;
using PsaSync.Core.Events;
using PsaSync.Core.Messaging;
using PsaSync.Core.Model;
using PsaSync.Core.Parking;
using PsaSync.Core.Tracing;
using PsaSync.Functions.Shared;
using PsaSync.Functions.Tests.Support;

namespace PsaSync.Functions.Tests;

/// <summary>What a re-driven parked event looks like on Service Bus.</summary>
public class ParkedRedriveMessageTests
{
    /// <summary>
    /// ServiceBusPublisher sets MessageId to the idempotency key so that Service Bus duplicate detection drops re-sent
    /// webhooks (docs/architecture.md, step 3). ParkedEventRedriver re-publishes the parked envelope unchanged, so the
    /// re-drive carries the MessageId of the delivery that was parked. When the customer syncs within the queue's
    /// duplicate-detection window (a deal closed and its project activated minutes apart is the normal case), Service
    /// Bus silently discards the re-drive as a duplicate; the redriver has already removed the item from the parking
    /// lot, so the project is never set up, its PROJECT_WAITING_FOR_CUSTOMER item ("nothing to do yet") stays open, and
    /// the parking sweep never escalates it. The local Table queue does not deduplicate, so the demo does not show it.
    /// </summary>
    [Fact]
    public async Task A_re_driven_parked_event_is_not_a_Service_Bus_duplicate_of_its_first_delivery()
    {
        var project = new Project("PRJ-1", 1, "ACC-1", "Contoso data platform", ProjectStatus.Active, "PSDE", "EUR", BillingModel.TimeAndMaterials,
            new DateOnly(2026, 4, 1), null, "MSA-1", null, "DE-VAT-19", "Engineering", [new RoleRate("Consultant", 150m, new DateOnly(2026, 4, 1))], [], null);
        const string Key = "psa:project:PRJ-1:v1";
        var original = EventEnvelope.Create(new ProjectChanged(project), SystemNames.Psa, "psa/project/PRJ-1", Key, CorrelationIds.ForIdempotencyKey(Key), TestData.Now);
        var parked = new ParkedItem(ParentKeys.Customer("ACC-1"), QueueNames.ProjectSetup, QueueNames.ProjectSetup, new RecordRef("psa", "project", "PRJ-1"),
            "customer ACC-1", "PROJECT_CUSTOMER_NEVER_SYNCED", TestData.Now, original);
        var lot = Substitute.For<IParkingLot>();
        lot.ListWaitingForAsync("customer:ACC-1", Arg.Any<CancellationToken>()).Returns([parked]);
        var publisher = Substitute.For<IMessagePublisher>();
        IReadOnlyList<EventEnvelope>? redriven = null;
        publisher.PublishAsync(QueueNames.ProjectSetup, Arg.Do<IReadOnlyList<EventEnvelope>>(e => redriven = e), Arg.Any<CancellationToken>()).Returns(Task.CompletedTask);

        await new ParkedEventRedriver(lot, publisher, new InMemoryCorrelationLog(), TimeProvider.System).RedriveAsync("customer:ACC-1", CancellationToken.None);

        var message = ServiceBusPublisher.ToMessage(Assert.Single(redriven!));
        Assert.Equal(Key, EventEnvelope.FromJson(message.Body.ToString()).IdempotencyKey);
        Assert.NotEqual(ServiceBusPublisher.ToMessage(original).MessageId, message.MessageId);
    }
}
