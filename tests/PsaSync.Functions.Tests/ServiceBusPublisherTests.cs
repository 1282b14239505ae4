using PsaSync.Core.Events;
using PsaSync.Functions.Shared;
using PsaSync.Functions.Tests.Support;

namespace PsaSync.Functions.Tests;

public class ServiceBusPublisherTests
{
    [Fact]
    public void A_message_carries_the_envelope_id_as_MessageId_the_correlation_id_and_the_event_type_as_Subject()
    {
        var envelope = TestData.TimeApprovedEnvelope(TestData.TimeEntry(entryId: "TE-31", version: 2));

        var message = ServiceBusPublisher.ToMessage(envelope);

        Assert.Equal(envelope.Id, message.MessageId);
        Assert.Equal(envelope.CorrelationId, message.CorrelationId);
        Assert.Equal("psasync.time.approved", message.Subject);
        Assert.Equal("application/json", message.ContentType);
    }

    [Fact]
    public void Duplicate_webhooks_for_one_record_version_get_the_same_MessageId_so_Service_Bus_can_drop_them()
    {
        var entry = TestData.TimeEntry(entryId: "TE-32", version: 1);

        var first = ServiceBusPublisher.ToMessage(TestData.TimeApprovedEnvelope(entry));
        var duplicate = ServiceBusPublisher.ToMessage(TestData.TimeApprovedEnvelope(entry));
        var nextVersion = ServiceBusPublisher.ToMessage(TestData.TimeApprovedEnvelope(entry with { Version = 2 }));

        Assert.Equal(first.MessageId, duplicate.MessageId);
        Assert.NotEqual(first.MessageId, nextVersion.MessageId);
    }

    [Fact]
    public void The_message_body_is_the_envelope_as_JSON()
    {
        var envelope = TestData.TimeApprovedEnvelope();

        var message = ServiceBusPublisher.ToMessage(envelope);

        var copy = EventEnvelope.FromJson(message.Body.ToString());
        Assert.Equal(envelope.Id, copy.Id);
        Assert.Equal(envelope.IdempotencyKey, copy.IdempotencyKey);
        Assert.Equal(envelope.DataAs<TimeApproved>(), copy.DataAs<TimeApproved>());
    }

    [Fact]
    public void A_MessageId_fits_Service_Bus_whatever_the_length_of_the_idempotency_key()
    {
        var envelope = TestData.TimeApprovedEnvelope(TestData.TimeEntry(entryId: new string('x', 140)));

        var message = ServiceBusPublisher.ToMessage(envelope);

        Assert.InRange(message.MessageId.Length, 1, 128);
    }
}
