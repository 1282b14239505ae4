using System.Text.Json;
using PsaSync.Connectors.Sandbox.Psa;
using PsaSync.Core.Events;
using PsaSync.Core.Ingress;
using PsaSync.Core.Tests.Support;

namespace PsaSync.Core.Tests.Sandbox;

public class SandboxPsaTimeWebhookMapperTests
{
    private static readonly WebhookContext Context = new(TestData.Now.AddMinutes(1), "req-1");

    private readonly SandboxPsaTimeWebhookMapper _mapper = new();

    private WebhookMapping Map(string body)
    {
        using var document = JsonDocument.Parse(body);
        return _mapper.Map(document.RootElement, Context);
    }

    private IReadOnlyList<EventEnvelope> MapAccepted(string body) =>
        Assert.IsType<WebhookMapping.Accepted>(Map(body)).Envelopes;

    private WebhookMapping.Invalid MapInvalid(string body) =>
        Assert.IsType<WebhookMapping.Invalid>(Map(body));

    [Fact]
    public void It_serves_the_psa_time_route_for_the_time_expense_queue()
    {
        Assert.Equal("psa/time", _mapper.Route);
        Assert.Equal("time-expense", _mapper.Queue);
    }

    [Fact]
    public void A_timesheet_with_three_entries_maps_to_three_time_approved_envelopes()
    {
        var entries = new[]
        {
            TestData.TimeEntry(entryId: "TE-1", version: 1, hours: 8m),
            TestData.TimeEntry(entryId: "TE-2", version: 3, hours: 0.5m, role: null),
            TestData.TimeEntry(entryId: "TE-3", version: 2, hours: 4m, billable: false),
        };

        var envelopes = MapAccepted(WebhookBodies.TimeApproved(entries));

        Assert.Equal(3, envelopes.Count);
        Assert.Equal(["psa:time-entry:TE-1:v1", "psa:time-entry:TE-2:v3", "psa:time-entry:TE-3:v2"], envelopes.Select(e => e.IdempotencyKey));
        Assert.Equal(["psa/time-entry/TE-1", "psa/time-entry/TE-2", "psa/time-entry/TE-3"], envelopes.Select(e => e.Subject));
        Assert.All(envelopes, e =>
        {
            Assert.Equal(TimeApproved.EventType, e.Type);
            Assert.Equal("psa", e.Source);
            Assert.Equal(TestData.Now, e.Time);
            Assert.Equal(CorrelationIds.ForIdempotencyKey(e.IdempotencyKey), e.CorrelationId);
        });
        Assert.Equal(entries, envelopes.Select(e => e.DataAs<TimeApproved>().Entry));
    }

    [Fact]
    public void The_webhooks_event_id_becomes_the_causation_id()
    {
        var body = WebhookBodies.TimeApproved();
        var eventId = JsonDocument.Parse(body).RootElement.GetProperty("eventId").GetString();

        var envelope = Assert.Single(MapAccepted(body));

        Assert.Equal(eventId, envelope.CausationId);
    }

    [Fact]
    public void Without_occurredAt_and_eventId_the_call_supplies_time_and_causation()
    {
        var body = WebhookBodies.Altered(b =>
        {
            b.Remove("occurredAt");
            b.Remove("eventId");
        });

        var envelope = Assert.Single(MapAccepted(body));

        Assert.Equal(Context.ReceivedAt, envelope.Time);
        Assert.Equal("req-1", envelope.CausationId);
    }

    [Fact]
    public void The_same_entry_version_sent_twice_gets_the_same_correlation_id()
    {
        var entry = TestData.TimeEntry(entryId: "TE-5", version: 2);

        var first = Assert.Single(MapAccepted(WebhookBodies.TimeApproved(entry)));
        var second = Assert.Single(MapAccepted(WebhookBodies.TimeApproved(entry)));

        Assert.Equal(first.CorrelationId, second.CorrelationId);
        Assert.Equal(first.IdempotencyKey, second.IdempotencyKey);
        Assert.Equal(first.Id, second.Id);
    }

    [Fact]
    public void A_new_version_of_the_entry_gets_a_new_correlation_id()
    {
        var v1 = Assert.Single(MapAccepted(WebhookBodies.TimeApproved(TestData.TimeEntry(entryId: "TE-5", version: 1))));
        var v2 = Assert.Single(MapAccepted(WebhookBodies.TimeApproved(TestData.TimeEntry(entryId: "TE-5", version: 2))));

        Assert.NotEqual(v1.CorrelationId, v2.CorrelationId);
    }

    [Fact]
    public void A_missing_id_is_a_schema_error_naming_the_field_and_the_entry()
    {
        var body = WebhookBodies.Altered(b => WebhookBodies.FirstEntry(b).Remove("id"));

        var invalid = MapInvalid(body);

        Assert.Equal("WEBHOOK_SCHEMA_INVALID", invalid.ReasonCode);
        Assert.Contains("'id'", invalid.Detail, StringComparison.Ordinal);
        Assert.Contains("timeEntries[0]", invalid.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("09/03/2026")]
    [InlineData("2026-02-30")]
    [InlineData("2026-3-9")]
    [InlineData("")]
    public void A_bad_date_is_a_schema_error_naming_the_field(string date)
    {
        var body = WebhookBodies.Altered(b => WebhookBodies.FirstEntry(b)["date"] = date);

        var invalid = MapInvalid(body);

        Assert.Equal("WEBHOOK_SCHEMA_INVALID", invalid.ReasonCode);
        Assert.Contains("'date'", invalid.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("revision", "'revision'")]
    [InlineData("projectId", "'projectId'")]
    [InlineData("personId", "'personId'")]
    [InlineData("hours", "'hours'")]
    [InlineData("billable", "'billable'")]
    public void Other_missing_required_fields_are_schema_errors_naming_the_field(string field, string expectedInDetail)
    {
        var body = WebhookBodies.Altered(b => WebhookBodies.FirstEntry(b).Remove(field));

        var invalid = MapInvalid(body);

        Assert.Equal("WEBHOOK_SCHEMA_INVALID", invalid.ReasonCode);
        Assert.Contains(expectedInDetail, invalid.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void The_error_names_the_position_of_the_bad_entry()
    {
        var body = WebhookBodies.Altered(
            b => b["timeEntries"]![1]!.AsObject().Remove("id"),
            TestData.TimeEntry(entryId: "TE-1"), TestData.TimeEntry(entryId: "TE-2"));

        Assert.Contains("timeEntries[1]", MapInvalid(body).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_wrong_event_type_is_WEBHOOK_EVENT_UNKNOWN()
    {
        var body = WebhookBodies.Altered(b => b["eventType"] = "time_entry.deleted");

        var invalid = MapInvalid(body);

        Assert.Equal("WEBHOOK_EVENT_UNKNOWN", invalid.ReasonCode);
        Assert.Contains("time_entry.deleted", invalid.Detail, StringComparison.Ordinal);
        Assert.Contains(SandboxPsaWebhookWriter.TimeApprovedEventType, invalid.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_timesheet_is_a_schema_error()
    {
        var body = WebhookBodies.Altered(b => b["timeEntries"] = new System.Text.Json.Nodes.JsonArray());

        var invalid = MapInvalid(body);

        Assert.Equal("WEBHOOK_SCHEMA_INVALID", invalid.ReasonCode);
        Assert.Contains("timeEntries", invalid.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_field_of_the_wrong_JSON_type_is_a_schema_error()
    {
        var body = WebhookBodies.Altered(b => WebhookBodies.FirstEntry(b)["hours"] = "seven");

        Assert.Equal("WEBHOOK_SCHEMA_INVALID", MapInvalid(body).ReasonCode);
    }

    [Fact]
    public void A_revocation_maps_to_its_own_key_on_the_timeline_of_the_revoked_version()
    {
        var entry = TestData.TimeEntry(entryId: "TE-9", version: 2);
        var approval = Assert.Single(MapAccepted(SandboxPsaWebhookWriter.TimeApproved([entry], TestData.Now)));

        var revocation = Assert.Single(MapAccepted(SandboxPsaWebhookWriter.TimeApprovalRevoked([entry], TestData.Now)));

        Assert.Equal(TimeApprovalRevoked.EventType, revocation.Type);
        Assert.Equal("psa:time-entry:TE-9:v2:revoked", revocation.IdempotencyKey);
        Assert.Equal(approval.CorrelationId, revocation.CorrelationId);
        Assert.NotEqual(approval.Id, revocation.Id);
        Assert.Equal(new TimeApprovalRevoked("TE-9", 2, entry.ProjectId, entry.WorkDate), revocation.DataAs<TimeApprovalRevoked>());
    }

    [Fact]
    public void A_revocation_without_a_revision_is_refused_with_the_field_named()
    {
        var body = SandboxPsaWebhookWriter.TimeApprovalRevoked([TestData.TimeEntry()], TestData.Now).Replace("\"revision\":1", "\"revision\":null");

        Assert.StartsWith("timeEntries[0]: 'revision'", MapInvalid(body).Detail);
    }
}
