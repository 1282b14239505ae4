using System.Text.Json;
using System.Text.Json.Nodes;
using PsaSync.Connectors.Sandbox.Erp;
using PsaSync.Core.Events;
using PsaSync.Core.Model;
using PsaSync.Core.Ports;
using PsaSync.Core.Tests.Support;
using static PsaSync.Core.Tests.Sandbox.SandboxMasterData;

namespace PsaSync.Core.Tests.Sandbox;

public sealed class SandboxErpCustomerWebhookMapperTests
{
    private static readonly ErpCustomer Linked = new("CUST-00001", "ACC-1", "Contoso GmbH", "DE", "EUR", "DE123456789", "NET30", "PSDE", true);

    private static readonly ErpCustomer ErpOnly = new("CUST-00002", "", "Fabrikam Ltd", "GB", "GBP", null, "NET45", "PSGB", false);

    private readonly SandboxErpCustomerWebhookMapper _mapper = new();

    private static string CustomerChanged(ErpCustomer? customer = null, int version = 5) =>
        SandboxErpWebhookWriter.CustomerChanged(customer ?? Linked, version, TestData.Now);

    [Fact]
    public void It_serves_the_erp_customers_route_for_the_customer_master_queue()
    {
        Assert.Equal("erp/customers", _mapper.Route);
        Assert.Equal("customer-master", _mapper.Queue);
    }

    [Fact]
    public void A_changed_customer_from_a_CRM_account_is_keyed_by_its_external_id()
    {
        var body = CustomerChanged(Linked, version: 5);

        var envelope = MapSingle(_mapper, body);

        Assert.Equal(CustomerUpserted.EventType, envelope.Type);
        Assert.Equal(new CustomerUpserted(new Customer("ACC-1", "Contoso GmbH", "DE", "EUR", "DE123456789", "NET30", "PSDE", true), "erp"),
            envelope.DataAs<CustomerUpserted>());
        Assert.Equal("erp:customer:CUST-00001:v5", envelope.IdempotencyKey);
        Assert.Equal("erp/customer/CUST-00001", envelope.Subject);
        Assert.Equal("erp", envelope.Source);
        Assert.Equal(CorrelationIds.ForIdempotencyKey("erp:customer:CUST-00001:v5"), envelope.CorrelationId);
        Assert.Equal(TestData.Now, envelope.Time);
        Assert.Equal(JsonDocument.Parse(body).RootElement.GetProperty("id").GetString(), envelope.CausationId);
    }

    [Fact]
    public void A_customer_created_in_the_ERP_is_sent_without_external_id_and_keyed_by_its_number()
    {
        var body = CustomerChanged(ErpOnly, version: 1);

        var envelope = MapSingle(_mapper, body);

        Assert.Equal(JsonValueKind.Null, JsonDocument.Parse(body).RootElement.GetProperty("customer").GetProperty("externalId").ValueKind);
        Assert.Equal(new Customer("CUST-00002", "Fabrikam Ltd", "GB", "GBP", null, "NET45", "PSGB", false), envelope.DataAs<CustomerUpserted>().Customer);
        Assert.Equal("erp:customer:CUST-00002:v1", envelope.IdempotencyKey);
        Assert.Equal("erp/customer/CUST-00002", envelope.Subject);
    }

    [Fact]
    public void The_key_follows_the_ERP_version()
    {
        Assert.NotEqual(MapSingle(_mapper, CustomerChanged(version: 5)).CorrelationId, MapSingle(_mapper, CustomerChanged(version: 6)).CorrelationId);
    }

    [Theory]
    [InlineData("number", "'number'")]
    [InlineData("version", "'version'")]
    [InlineData("legalName", "'legalName'")]
    [InlineData("requiresPurchaseOrder", "'requiresPurchaseOrder'")]
    public void A_missing_required_field_is_a_schema_error_naming_it_in_the_customer(string field, string expected)
    {
        var invalid = MapInvalid(_mapper, Altered(CustomerChanged(), b => b["customer"]!.AsObject().Remove(field)));

        Assert.Equal("WEBHOOK_SCHEMA_INVALID", invalid.ReasonCode);
        Assert.Contains($"customer: {expected}", invalid.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_version_that_is_not_a_number_is_a_schema_error()
    {
        var invalid = MapInvalid(_mapper, Altered(CustomerChanged(), b => b["customer"]!["version"] = "five"));

        Assert.Equal("WEBHOOK_SCHEMA_INVALID", invalid.ReasonCode);
        Assert.Contains("$.customer.version", invalid.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_customer_is_a_schema_error()
    {
        Assert.Contains("'customer'", MapInvalid(_mapper, Altered(CustomerChanged(), b => b.Remove("customer"))).Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("customer.deleted")]
    [InlineData(null)]
    public void Another_type_is_WEBHOOK_EVENT_UNKNOWN(string? type)
    {
        var invalid = MapInvalid(_mapper, Altered(CustomerChanged(), b => b["type"] = type));

        Assert.Equal("WEBHOOK_EVENT_UNKNOWN", invalid.ReasonCode);
        Assert.Contains("customer.changed", invalid.Detail, StringComparison.Ordinal);
    }
}
