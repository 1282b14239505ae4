using System.Text.Json;
using PsaSync.Connectors.Sandbox.Erp;
using PsaSync.Core.Events;
using PsaSync.Core.Ingress;
using PsaSync.Core.Ports;
using PsaSync.Core.Tests.Support;

namespace PsaSync.Core.Tests.Sandbox;

public sealed class SandboxErpInvoiceWebhookMapperTests
{
    private static readonly WebhookContext Context = new(TestData.Now.AddMinutes(1), "req-1");

    private static readonly ErpInvoiceChange CreditMemo = new("CM-00001", 1, "", ErpDocumentKind.CreditMemo, "billing-PRJ-1-2026-03", "CM-00001",
        ErpInvoiceStatus.Posted, new DateOnly(2026, 3, 31), new DateOnly(2026, 3, 31), -1000m, -190m, -1190m, 0m, 0m, 0m, "EUR", "INV-D-00001");

    private static WebhookMapping Map(string body)
    {
        using var document = JsonDocument.Parse(body);
        return new SandboxErpInvoiceWebhookMapper().Map(document.RootElement, Context);
    }

    [Fact]
    public void An_invoice_change_maps_to_one_envelope_for_the_invoice_status_queue_keyed_by_document_and_version()
    {
        var envelope = Assert.Single(Assert.IsType<WebhookMapping.Accepted>(Map(SandboxErpWebhookWriter.InvoiceChanged(CreditMemo, TestData.Now))).Envelopes);

        Assert.Equal(InvoiceChanged.EventType, envelope.Type);
        Assert.Equal("erp:invoice:CM-00001:v1", envelope.IdempotencyKey);
        Assert.Equal(CreditMemo, envelope.DataAs<InvoiceChanged>().Change);
        Assert.Equal("invoice-status", new SandboxErpInvoiceWebhookMapper().Queue);
    }

    [Fact]
    public void An_unknown_status_is_refused_with_the_field_named()
    {
        var body = SandboxErpWebhookWriter.InvoiceChanged(CreditMemo, TestData.Now).Replace("\"status\":\"posted\"", "\"status\":\"booked\"", StringComparison.Ordinal);

        Assert.Contains("status", Assert.IsType<WebhookMapping.Invalid>(Map(body)).Detail);
    }
}
