using PsaSync.Core.Events;
using PsaSync.Functions.Shared;
using PsaSync.Functions.Tests.Support;

namespace PsaSync.Functions.Tests;

public class ServiceBusPublisherTests
{
    [Fact]
    public void A_message_carries_the_idempotency_key_as_MessageId_the_correlation_id_and_the_event_type_as_Subject()
    {
        var envelope = TestData.TimeApprovedEnvelope(TestData.TimeEntry(entryId: "TE-31", version: 2));

        var message = ServiceBusPublisher.ToMessage(envelope);

        Assert.Equal("psa:time-entry:TE-31:v2", message.MessageId);
        Assert.Equal(envelope.CorrelationId, message.CorrelationId);
        Assert.Equal("psasync.time.approved", message.Subject);
        Assert.Equal("application/json", message.ContentType);
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
    public void An_idempotency_key_longer_than_Service_Bus_allows_falls_back_to_the_envelope_id()
    {
        var envelope = TestData.TimeApprovedEnvelope(TestData.TimeEntry(entryId: new string('x', 140)));

        var message = ServiceBusPublisher.ToMessage(envelope);

        Assert.Equal(envelope.Id, message.MessageId);
    }

    [Fact]
    public void An_idempotency_key_of_exactly_128_characters_is_kept()
    {
        var entryId = new string('x', 128 - "psa:time-entry::v1".Length);
        var envelope = TestData.TimeApprovedEnvelope(TestData.TimeEntry(entryId: entryId));

        var message = ServiceBusPublisher.ToMessage(envelope);

        Assert.Equal(128, message.MessageId.Length);
        Assert.Equal(envelope.IdempotencyKey, message.MessageId);
    }
}
