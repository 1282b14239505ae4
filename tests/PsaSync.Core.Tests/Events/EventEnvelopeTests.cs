using System.Text.Json.Nodes;
using PsaSync.Core.Events;
using PsaSync.Core.Model;
using PsaSync.Core.Tests.Support;

namespace PsaSync.Core.Tests.Events;

public class EventEnvelopeTests
{
    [Fact]
    public void Create_then_ToJson_and_FromJson_keeps_every_field_and_the_payload()
    {
        // Arrange
        var entry = TestData.TimeEntry(entryId: "TE-42", version: 3, hours: 6.25m, role: null);
        var time = new DateTimeOffset(2026, 3, 9, 17, 45, 12, TimeSpan.FromHours(2));
        var original = EventEnvelope.Create(new TimeApproved(entry), "psa", "psa/time-entry/TE-42", "psa:time-entry:TE-42:v3", "corr-42", time, "cause-7");

        // Act
        var copy = EventEnvelope.FromJson(original.ToJson());

        // Assert
        Assert.Equal(original.Id, copy.Id);
        Assert.Equal("psasync.time.approved", copy.Type);
        Assert.Equal("psa", copy.Source);
        Assert.Equal("psa/time-entry/TE-42", copy.Subject);
        Assert.Equal(time, copy.Time);
        Assert.Equal(time.Offset, copy.Time.Offset);
        Assert.Equal("corr-42", copy.CorrelationId);
        Assert.Equal("cause-7", copy.CausationId);
        Assert.Equal(TimeApproved.SchemaVersion, copy.SchemaVersion);
        Assert.Equal("psa:time-entry:TE-42:v3", copy.IdempotencyKey);
        Assert.Equal(new TimeApproved(entry), copy.DataAs<TimeApproved>());
    }

    [Fact]
    public void A_missing_causation_id_stays_missing_through_a_round_trip()
    {
        var original = TestData.TimeApprovedEnvelope(causationId: null);

        var copy = EventEnvelope.FromJson(original.ToJson());

        Assert.Null(copy.CausationId);
    }

    [Fact]
    public void Create_gives_one_id_per_record_version_and_Republish_a_new_one()
    {
        var first = TestData.TimeApprovedEnvelope();
        var duplicate = TestData.TimeApprovedEnvelope();
        var republished = first.Republish();

        Assert.Equal(first.Id, duplicate.Id);
        Assert.NotEqual(first.Id, republished.Id);
        Assert.Equal(first.IdempotencyKey, republished.IdempotencyKey);
        Assert.Equal(first.CorrelationId, republished.CorrelationId);
    }

    [Fact]
    public void Is_tells_the_event_type()
    {
        var envelope = TestData.TimeApprovedEnvelope();

        Assert.True(envelope.Is<TimeApproved>());
        Assert.False(envelope.Is<ExpenseApproved>());
    }

    [Fact]
    public void DataAs_refuses_a_different_event_type()
    {
        var envelope = TestData.TimeApprovedEnvelope();

        var ex = Assert.Throws<EnvelopeFormatException>(() => envelope.DataAs<ExpenseApproved>());
        Assert.Contains("psasync.time.approved", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DataAs_refuses_a_newer_schema_version()
    {
        var envelope = TestData.TimeApprovedEnvelope() with { SchemaVersion = TimeApproved.SchemaVersion + 1 };

        var ex = Assert.Throws<EnvelopeFormatException>(() => envelope.DataAs<TimeApproved>());
        Assert.Contains("schema version 2", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DataAs_reads_an_older_schema_version()
    {
        var entry = TestData.TimeEntry();
        var envelope = TestData.TimeApprovedEnvelope(entry) with { SchemaVersion = 0 };

        Assert.Equal(entry, envelope.DataAs<TimeApproved>().Entry);
    }

    [Theory]
    [InlineData("this is not json")]
    [InlineData("")]
    [InlineData("[1, 2, 3]")]
    [InlineData("null")]
    [InlineData("{}")]
    [InlineData("{\"type\": 42}")]
    public void FromJson_of_garbage_throws_EnvelopeFormatException(string body)
    {
        Assert.Throws<EnvelopeFormatException>(() => EventEnvelope.FromJson(body));
    }

    [Theory]
    [InlineData("idempotencyKey")]
    [InlineData("correlationId")]
    [InlineData("type")]
    public void FromJson_without_a_required_field_throws_EnvelopeFormatException(string field)
    {
        var json = JsonNode.Parse(TestData.TimeApprovedEnvelope().ToJson())!.AsObject();
        Assert.True(json.Remove(field), $"the serialized envelope should have a '{field}' property");

        Assert.Throws<EnvelopeFormatException>(() => EventEnvelope.FromJson(json.ToJsonString()));
    }

    [Fact]
    public void FromJson_with_a_blank_idempotency_key_throws_EnvelopeFormatException()
    {
        var json = JsonNode.Parse(TestData.TimeApprovedEnvelope().ToJson())!.AsObject();
        json["idempotencyKey"] = "   ";

        Assert.Throws<EnvelopeFormatException>(() => EventEnvelope.FromJson(json.ToJsonString()));
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    public void Create_refuses_a_blank_idempotency_key(string key)
    {
        Assert.ThrowsAny<ArgumentException>(() =>
            EventEnvelope.Create(new TimeApproved(TestData.TimeEntry()), SystemNames.Psa, "psa/time-entry/TE-1", key, "corr-1", TestData.Now));
    }
}
