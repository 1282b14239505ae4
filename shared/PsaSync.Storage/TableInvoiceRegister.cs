using System.Text.Json;
using Azure.Data.Tables;
using PsaSync.Core.Events;
using PsaSync.Core.InvoiceFeedback;

namespace PsaSync.Storage;

/// <summary>
/// The invoice register on Table Storage: one row per ERP document, kept whole as JSON. Invoices number in the
/// hundreds per month, so one partition serves the point reads of feedback and the full read of reconciliation.
/// </summary>
public sealed class TableInvoiceRegister(TableProvider tables) : IInvoiceRegister
{
    private const string Partition = "invoice";

    public async Task<RegisteredInvoice?> GetAsync(string invoiceId, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableSuffixes.Invoices, cancellationToken);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(Partition, TableKeys.Escape(invoiceId), cancellationToken: cancellationToken);
        return row.HasValue && row.Value is { } entity ? ToInvoice(entity) : null;
    }

    public async Task SaveAsync(RegisteredInvoice invoice, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableSuffixes.Invoices, cancellationToken);
        await table.UpsertEntityAsync(new TableEntity(Partition, TableKeys.Escape(invoice.InvoiceId))
        {
            ["Version"] = invoice.Version,
            ["Invoice"] = JsonSerializer.Serialize(invoice, PsaSyncJson.Options),
        }, TableUpdateMode.Replace, cancellationToken);
    }

    public async Task<IReadOnlyList<RegisteredInvoice>> ListAsync(CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableSuffixes.Invoices, cancellationToken);
        var invoices = new List<RegisteredInvoice>();
        await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {Partition}"), cancellationToken: cancellationToken))
        {
            invoices.Add(ToInvoice(row));
        }
        return invoices;
    }

    private static RegisteredInvoice ToInvoice(TableEntity row) =>
        JsonSerializer.Deserialize<RegisteredInvoice>(row.GetString("Invoice")!, PsaSyncJson.Options)!;
}
