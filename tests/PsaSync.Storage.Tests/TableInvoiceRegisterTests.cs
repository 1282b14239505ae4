using PsaSync.Core.InvoiceFeedback;
using PsaSync.Core.Ports;
using PsaSync.Storage;
using PsaSync.Testing;

namespace PsaSync.Storage.Tests;

public sealed class TableInvoiceRegisterTests(AzuriteFixture azurite) : AzuriteTestBase(azurite)
{
    private static RegisteredInvoice Invoice(string id, long version, PsaInvoiceState state, decimal paid, string? projectId = "PRJ-1") =>
        new(id, version, ErpDocumentKind.Invoice, projectId is null ? null : $"billing-{projectId}-2026-03", projectId, projectId is null ? null : "2026-03",
            "INV-2026-00001", state, 1000.10m, 1190.12m, paid, 1190.12m - paid, "EUR", new DateTimeOffset(2026, 4, 2, 8, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task The_latest_saved_version_of_each_invoice_is_read_back_exactly()
    {
        var register = new TableInvoiceRegister(Tables);
        Assert.Null(await register.GetAsync("INV-D-00001", Ct));

        await register.SaveAsync(Invoice("INV-D-00001", 1, PsaInvoiceState.Issued, 0m), Ct);
        await register.SaveAsync(Invoice("INV-D-00001", 2, PsaInvoiceState.PartiallyPaid, 400.01m), Ct);
        await register.SaveAsync(Invoice("INV/HAND#1", 1, PsaInvoiceState.Issued, 0m, projectId: null), Ct);

        Assert.Equal(Invoice("INV-D-00001", 2, PsaInvoiceState.PartiallyPaid, 400.01m), await register.GetAsync("INV-D-00001", Ct));
        var all = await new TableInvoiceRegister(NewTableProvider()).ListAsync(Ct);
        Assert.Equal(["INV-D-00001", "INV/HAND#1"], all.Select(i => i.InvoiceId).Order(StringComparer.Ordinal));
        Assert.Null(all.Single(i => i.InvoiceId == "INV/HAND#1").ProjectId);
    }
}
