using System.Text.Json;
using System.Text.Json.Nodes;
using PsaSync.Connectors.Sandbox.Crm;
using PsaSync.Core.Events;
using PsaSync.Core.Model;
using PsaSync.Core.Tests.Support;
using static PsaSync.Core.Tests.Sandbox.SandboxMasterData;

namespace PsaSync.Core.Tests.Sandbox;

public sealed class SandboxCrmAccountWebhookMapperTests
{
    private readonly SandboxCrmAccountWebhookMapper _mapper = new();

    private static string ClosedWon(Customer? customer = null, int revision = 3) =>
        SandboxCrmWebhookWriter.ClosedWon(customer ?? Customer(), revision, TestData.Now);

    private static string AlteredAccount(Action<JsonObject> change) => Altered(ClosedWon(), b => change(b["account"]!.AsObject()));

    [Fact]
    public void It_serves_the_crm_accounts_route_for_the_customer_master_queue()
    {
        Assert.Equal("crm/accounts", _mapper.Route);
        Assert.Equal("customer-master", _mapper.Queue);
    }

    [Fact]
    public void The_writer_produces_the_CRMs_body()
    {
        var body = JsonNode.Parse(ClosedWon())!;

        Assert.Equal("opportunity.closed_won", (string?)body["event"]);
        Assert.Equal("ACC-1", (string?)body["account"]!["id"]);
        Assert.Equal(3, (int?)body["account"]!["revision"]);
        Assert.Equal("DE123456789", (string?)body["account"]!["taxId"]);
        Assert.True((bool?)body["account"]!["requiresPurchaseOrder"]);
    }

    [Fact]
    public void A_closed_won_account_maps_to_one_CustomerUpserted_from_the_crm()
    {
        var customer = Customer();
        var body = ClosedWon(customer, revision: 3);

        var envelope = MapSingle(_mapper, body);

        Assert.Equal(CustomerUpserted.EventType, envelope.Type);
        Assert.Equal(new CustomerUpserted(customer, "crm"), envelope.DataAs<CustomerUpserted>());
        Assert.Equal("crm:customer:ACC-1:v3", envelope.IdempotencyKey);
        Assert.Equal("crm/customer/ACC-1", envelope.Subject);
        Assert.Equal("crm", envelope.Source);
        Assert.Equal(CorrelationIds.ForIdempotencyKey("crm:customer:ACC-1:v3"), envelope.CorrelationId);
        Assert.Equal(TestData.Now, envelope.Time);
        Assert.Equal(JsonDocument.Parse(body).RootElement.GetProperty("eventId").GetString(), envelope.CausationId);
    }

    [Fact]
    public void An_account_without_tax_id_and_without_PO_requirement_round_trips()
    {
        var customer = Customer("ACC-2", "Northwind Traders Inc", "US", "USD", taxId: null, legalEntity: "PSUS", requiresPurchaseOrder: false);

        Assert.Equal(customer, MapSingle(_mapper, ClosedWon(customer)).DataAs<CustomerUpserted>().Customer);
    }

    [Fact]
    public void Business_rules_are_not_the_mappers_job_a_blank_legal_name_or_odd_currency_is_accepted()
    {
        var customer = Customer(legalName: "", currency: "EURO", paymentTerms: "NET7", legalEntity: "PSXX");

        Assert.Equal(customer, MapSingle(_mapper, ClosedWon(customer)).DataAs<CustomerUpserted>().Customer);
    }

    [Fact]
    public void Without_occurredAt_and_eventId_the_call_supplies_time_and_causation()
    {
        var envelope = MapSingle(_mapper, Altered(ClosedWon(), b =>
        {
            b.Remove("occurredAt");
            b.Remove("eventId");
        }));

        Assert.Equal(Context.ReceivedAt, envelope.Time);
        Assert.Equal("req-1", envelope.CausationId);
    }

    [Fact]
    public void A_new_revision_gets_a_new_key_and_the_same_revision_the_same_one()
    {
        var v3 = MapSingle(_mapper, ClosedWon(revision: 3));
        var v3Again = MapSingle(_mapper, ClosedWon(revision: 3));
        var v4 = MapSingle(_mapper, ClosedWon(revision: 4));

        Assert.Equal(v3.CorrelationId, v3Again.CorrelationId);
        Assert.NotEqual(v3.CorrelationId, v4.CorrelationId);
        Assert.Equal("crm:customer:ACC-1:v4", v4.IdempotencyKey);
    }

    [Theory]
    [InlineData("id", "'id'")]
    [InlineData("revision", "'revision'")]
    [InlineData("legalName", "'legalName'")]
    [InlineData("billingCountry", "'billingCountry'")]
    [InlineData("currency", "'currency'")]
    [InlineData("paymentTerms", "'paymentTerms'")]
    [InlineData("legalEntity", "'legalEntity'")]
    [InlineData("requiresPurchaseOrder", "'requiresPurchaseOrder'")]
    public void A_missing_required_field_is_a_schema_error_naming_it_in_the_account(string field, string expected)
    {
        var invalid = MapInvalid(_mapper, AlteredAccount(a => a.Remove(field)));

        Assert.Equal("WEBHOOK_SCHEMA_INVALID", invalid.ReasonCode);
        Assert.Contains(expected, invalid.Detail, StringComparison.Ordinal);
        Assert.Contains("account", invalid.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("   ")]
    [InlineData(null)]
    public void A_blank_or_null_account_id_is_a_schema_error(string? id)
    {
        var invalid = MapInvalid(_mapper, AlteredAccount(a => a["id"] = id));

        Assert.Equal("WEBHOOK_SCHEMA_INVALID", invalid.ReasonCode);
        Assert.Contains("account: 'id'", invalid.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_revision_of_zero_is_a_schema_error()
    {
        var invalid = MapInvalid(_mapper, AlteredAccount(a => a["revision"] = 0));

        Assert.Equal("WEBHOOK_SCHEMA_INVALID", invalid.ReasonCode);
        Assert.Contains("'revision' must be a positive integer", invalid.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("revision", "\"3\"")]
    [InlineData("requiresPurchaseOrder", "\"yes\"")]
    [InlineData("legalName", "42")]
    public void A_field_of_the_wrong_JSON_type_is_a_schema_error_naming_its_path(string field, string json)
    {
        var invalid = MapInvalid(_mapper, AlteredAccount(a => a[field] = JsonNode.Parse(json)));

        Assert.Equal("WEBHOOK_SCHEMA_INVALID", invalid.ReasonCode);
        Assert.Contains($"$.account.{field}", invalid.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_null_or_missing_account_is_a_schema_error()
    {
        Assert.Contains("'account'", MapInvalid(_mapper, Altered(ClosedWon(), b => b["account"] = null)).Detail, StringComparison.Ordinal);
        Assert.Equal("WEBHOOK_SCHEMA_INVALID", MapInvalid(_mapper, Altered(ClosedWon(), b => b.Remove("account"))).ReasonCode);
    }

    [Theory]
    [InlineData("opportunity.closed_lost")]
    [InlineData("account.updated")]
    public void Another_event_is_WEBHOOK_EVENT_UNKNOWN(string eventName)
    {
        var invalid = MapInvalid(_mapper, Altered(ClosedWon(), b => b["event"] = eventName));

        Assert.Equal("WEBHOOK_EVENT_UNKNOWN", invalid.ReasonCode);
        Assert.Contains(eventName, invalid.Detail, StringComparison.Ordinal);
        Assert.Contains("opportunity.closed_won", invalid.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_body_that_is_not_an_object_is_a_schema_error()
    {
        Assert.Equal("WEBHOOK_SCHEMA_INVALID", MapInvalid(_mapper, "[1, 2]").ReasonCode);
        Assert.Equal("WEBHOOK_SCHEMA_INVALID", MapInvalid(_mapper, "null").ReasonCode);
    }
}
