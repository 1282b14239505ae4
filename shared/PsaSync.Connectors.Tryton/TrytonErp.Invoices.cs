using System.Globalization;
using System.Text.Json;
using PsaSync.Core.Ports;

namespace PsaSync.Connectors.Tryton;

// Customer invoices (account.invoice): the draft's reference is the billing batch id; a credit note's is the batch id
// followed by CreditSuffix. Tryton's own states: draft, validated, posted, paid, cancelled.
public sealed partial class TrytonErp
{
    internal const string CreditSuffix = "/credit";

    private static readonly string[] InvoiceFields = InvoiceRow.Fields.Split(',');

    public async Task<ErpInvoice?> FindInvoiceByBatchAsync(string billingBatchId, CancellationToken cancellationToken)
    {
        var row = await InvoiceRowByReferenceAsync(billingBatchId, cancellationToken);
        return row is null ? null : await ToInvoiceAsync(row, cancellationToken);
    }

    /// <summary>
    /// A draft customer invoice on the date it is given (posting books it into that date's period), describing the
    /// service period it bills; its taxes are those of the service product in Tryton (the tax code is checked against
    /// the configured list only).
    /// </summary>
    public async Task<ErpInvoice> CreateDraftInvoiceAsync(ErpInvoiceDraft draft, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(draft.BillingBatchId))
        {
            throw new ErpException(ErpFailureKind.Rejected, "An invoice created through the API needs a billing batch id as its reference.");
        }
        if (await FindInvoiceByBatchAsync(draft.BillingBatchId, cancellationToken) is { } existing)
        {
            return existing;
        }
        var what = $"Invoice for batch {draft.BillingBatchId}";
        if (!options.TaxCodes.Contains(draft.TaxCode, StringComparer.Ordinal))
        {
            throw new ErpException(ErpFailureKind.Rejected, $"{what} cannot be created: tax code '{draft.TaxCode}' is not configured for Tryton. Known: {string.Join(", ", options.TaxCodes)}.");
        }
        await ThrowIfPeriodClosedAsync(draft.InvoiceDate, what, cancellationToken);
        var setup = await SetupAsync(cancellationToken);
        var party = (await client.SearchReadAsync<PartyRow>("party.party", new object[] { new object[] { "code", "=", draft.CustomerNumber } }, PartyFields, cancellationToken, limit: 1)).FirstOrDefault()
            ?? throw new ErpException(ErpFailureKind.Rejected, $"{what} cannot be created: customer {draft.CustomerNumber} does not exist in Tryton.");
        var project = (await ProjectRowsAsync([["id", "=", int.TryParse(draft.ErpProjectCode, CultureInfo.InvariantCulture, out var p) ? p : 0]], cancellationToken)).FirstOrDefault()
            ?? throw new ErpException(ErpFailureKind.Rejected, $"{what} cannot be created: project {draft.ErpProjectCode} does not exist in Tryton.");
        var address = (await client.SearchAsync("party.address", new object[] { new object[] { "party", "=", party.Id } }, cancellationToken, limit: 1, order: OrderById)).FirstOrDefault();
        if (address == 0)
        {
            throw new ErpException(ErpFailureKind.Rejected, $"{what} cannot be created: customer {draft.CustomerNumber} has no address in Tryton.");
        }
        var currency = (await client.SearchAsync("currency.currency", new object[] { new object[] { "code", "=", draft.Currency } }, cancellationToken, limit: 1)).FirstOrDefault();
        if (currency == 0)
        {
            throw new ErpException(ErpFailureKind.Rejected, $"{what} cannot be created: Tryton has no currency {draft.Currency}.");
        }
        // Tryton fills these from on_change in its client, which does not run for RPC creates: send them all.
        var id = (await client.CreateAsync("account.invoice", [new Dictionary<string, object?>
        {
            ["type"] = "out",
            ["company"] = setup.CompanyId,
            ["party"] = party.Id,
            ["invoice_address"] = address,
            ["currency"] = currency,
            ["journal"] = setup.JournalId,
            ["account"] = setup.ReceivableAccountId,
            ["payment_term"] = party.CustomerPaymentTerm,
            ["invoice_date"] = draft.InvoiceDate,
            ["reference"] = draft.BillingBatchId,
            ["description"] = draft.Description,
            ["comment"] = string.IsNullOrWhiteSpace(draft.PurchaseOrder) ? null : $"Purchase order {draft.PurchaseOrder}",
        }], cancellationToken)).Single();
        return await InvoiceByIdAsync(id, cancellationToken);
    }

    /// <summary>Replaces the draft's lines in one write (delete the old, create the new), booked to the service product.</summary>
    public async Task<ErpInvoice> SetInvoiceLinesAsync(string invoiceId, IReadOnlyList<ErpInvoiceLine> lines, CancellationToken cancellationToken)
    {
        var row = await InvoiceRowAsync(invoiceId, cancellationToken);
        if (row.State != "draft")
        {
            throw new ErpException(ErpFailureKind.Rejected, $"Invoice {invoiceId} is {row.State} in Tryton: only a draft's lines can be set.");
        }
        var setup = await SetupAsync(cancellationToken);
        var old = await client.SearchAsync("account.invoice.line", new object[] { new object[] { "invoice", "=", row.Id } }, cancellationToken);
        var created = lines.Select(l => (object)new Dictionary<string, object?>
        {
            ["type"] = "line",
            ["product"] = setup.ProductId,
            ["unit"] = setup.UnitId,
            ["account"] = setup.RevenueAccountId,
            ["description"] = l.Description,
            ["quantity"] = (double)l.Quantity,
            ["unit_price"] = l.UnitPrice,
        }).ToArray();
        await client.WriteAsync("account.invoice", [row.Id], new Dictionary<string, object?>
        {
            ["lines"] = new object[] { new object[] { "delete", old }, new object[] { "create", created } },
        }, cancellationToken);
        return await InvoiceByIdAsync(row.Id, cancellationToken);
    }

    /// <summary>Posts through Tryton's post button: it numbers the invoice and creates its accounting move.</summary>
    public async Task<ErpInvoice> PostInvoiceAsync(string invoiceId, CancellationToken cancellationToken)
    {
        var row = await InvoiceRowAsync(invoiceId, cancellationToken);
        switch (row.State)
        {
            case "posted" or "paid":
                return await ToInvoiceAsync(row, cancellationToken);
            case "cancelled":
                throw new ErpException(ErpFailureKind.Rejected, $"Invoice {invoiceId} was cancelled in Tryton and cannot be posted.");
        }
        var what = $"Invoice {invoiceId} (batch {row.Reference})";
        if (row.InvoiceDate is { } date)
        {
            // Tryton's own error for a closed period says to create one; this says what is wrong.
            await ThrowIfPeriodClosedAsync(date, what, cancellationToken);
        }
        if ((await client.SearchAsync("account.invoice.line", new object[] { new object[] { "invoice", "=", row.Id } }, cancellationToken, limit: 1)).Count == 0)
        {
            throw new ErpException(ErpFailureKind.Rejected, $"{what} has no lines and cannot be posted.");
        }
        await client.ButtonAsync("account.invoice", "post", [row.Id], cancellationToken);
        return await InvoiceByIdAsync(row.Id, cancellationToken);
    }

    /// <summary>Cancels a draft with Tryton's cancel button (the record stays, cancelled, with its reference).</summary>
    public async Task CancelDraftInvoiceAsync(string invoiceId, CancellationToken cancellationToken)
    {
        if (!int.TryParse(invoiceId, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
        {
            return;
        }
        var row = (await client.ReadAsync<InvoiceRow>("account.invoice", [id], InvoiceFields, cancellationToken)).FirstOrDefault();
        if (row is null || row.State == "cancelled")
        {
            return;
        }
        if (row.State is not ("draft" or "validated"))
        {
            throw new ErpException(ErpFailureKind.Rejected, $"Invoice {invoiceId} is {row.State} as {row.Number} in Tryton: a posted invoice cannot be cancelled; credit it instead.");
        }
        await client.ButtonAsync("account.invoice", "cancel", [id], cancellationToken);
    }

    /// <summary>
    /// Credits the invoice in full with Tryton's credit wizard (without refund, so the original keeps its own
    /// payment state), marks the credit note with the batch id and posts it. A second call returns the first credit.
    /// </summary>
    public async Task<ErpInvoice> CreditInvoiceAsync(string invoiceId, string reason, CancellationToken cancellationToken)
    {
        var row = await InvoiceRowAsync(invoiceId, cancellationToken);
        if (row.State is not ("posted" or "paid"))
        {
            throw new ErpException(ErpFailureKind.Rejected, $"Invoice {invoiceId} is {row.State} in Tryton: only a posted invoice can be credited.");
        }
        var credit = await InvoiceRowByReferenceAsync(row.Reference + CreditSuffix, cancellationToken);
        if (credit is null)
        {
            var creditId = await client.RunWizardAsync("account.invoice.credit", "account.invoice", [row.Id], async (execute, start) =>
            {
                await execute(start, new Dictionary<string, object?>());
                var done = await execute("credit", new Dictionary<string, object?>
                {
                    [start] = new Dictionary<string, object?> { ["with_refund"] = false, ["invoice_date"] = null },
                });
                return CreatedRecordOf(done);
            }, cancellationToken);
            await client.WriteAsync("account.invoice", [creditId], new Dictionary<string, object?>
            {
                ["reference"] = row.Reference + CreditSuffix,
                ["comment"] = reason,
            }, cancellationToken);
            credit = await InvoiceRowAsync(Text(creditId), cancellationToken);
        }
        if (credit.State is "draft" or "validated")
        {
            await client.ButtonAsync("account.invoice", "post", [credit.Id], cancellationToken);
        }
        return await InvoiceByIdAsync(row.Id, cancellationToken);
    }

    /// <summary>The record a wizard's final action opens: <c>{"actions": [[action, {"res_id": [id]}]]}</c>.</summary>
    internal static int CreatedRecordOf(JsonElement wizardResult)
    {
        if (wizardResult.ValueKind == JsonValueKind.Object && wizardResult.TryGetProperty("actions", out var actions))
        {
            foreach (var action in actions.EnumerateArray())
            {
                if (action.ValueKind == JsonValueKind.Array && action.GetArrayLength() > 1
                    && action[1].TryGetProperty("res_id", out var ids))
                {
                    return ids.ValueKind == JsonValueKind.Array ? ids[0].GetInt32() : ids.GetInt32();
                }
            }
        }
        throw new ErpException(ErpFailureKind.Rejected, $"Tryton's credit wizard did not say which credit note it created: {wizardResult.GetRawText()}");
    }

    /// <summary>
    /// Customer invoices and credit notes (not drafts) whose last change is after the watermark, oldest first. The
    /// watermark is the change time (write date, or create date before the first write) and the id, so two changes in
    /// the same microsecond are neither skipped nor repeated. Tryton keeps only the latest state of each invoice.
    /// </summary>
    public async Task<ErpInvoiceChangePage> GetInvoiceChangesAsync(string? afterWatermark, int maxCount, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxCount);
        var after = InvoiceWatermark.Parse(afterWatermark);
        var domain = new List<object> { new object[] { "type", "=", "out" }, new object[] { "state", "!=", "draft" } };
        if (after is { } since)
        {
            domain.Add(new object[] { "OR", new object[] { "write_date", ">=", since.ChangedAt }, new object[] { "create_date", ">=", since.ChangedAt } });
        }
        var rows = (await client.SearchReadAsync<InvoiceRow>("account.invoice", domain, InvoiceFields, cancellationToken, order: OrderById))
            .Select(r => (Row: r, Mark: new InvoiceWatermark(r.ChangedAt, r.Id)))
            .Where(r => after is null || r.Mark.CompareTo(after.Value) > 0)
            .OrderBy(r => r.Mark)
            .ToList();
        var page = rows.Take(maxCount).ToList();
        var changes = new List<ErpInvoiceChange>(page.Count);
        foreach (var (row, mark) in page)
        {
            changes.Add(await ToChangeAsync(row, mark, cancellationToken));
        }
        return new ErpInvoiceChangePage(changes, rows.Count > page.Count);
    }

    private async Task<ErpInvoiceChange> ToChangeAsync(InvoiceRow row, InvoiceWatermark mark, CancellationToken cancellationToken)
    {
        var isCredit = row.Reference?.EndsWith(CreditSuffix, StringComparison.Ordinal) == true || row.TotalAmount < 0m;
        var batch = row.Reference is { } r && r.EndsWith(CreditSuffix, StringComparison.Ordinal) ? r[..^CreditSuffix.Length] : row.Reference;
        string? creditedId = null;
        var status = ToStatus(row.State);
        if (isCredit && batch is not null)
        {
            creditedId = (await InvoiceRowByReferenceAsync(batch, cancellationToken)) is { } original ? Text(original.Id) : null;
        }
        else if (row.Reference is not null && status == ErpInvoiceStatus.Posted && await InvoiceRowByReferenceAsync(row.Reference + CreditSuffix, cancellationToken) is not null)
        {
            status = ErpInvoiceStatus.Credited;
        }
        var open = row.State is "posted" ? row.AmountToPay : 0m;
        var paid = row.State == "paid" ? row.TotalAmount : row.State == "posted" ? row.TotalAmount - row.AmountToPay : 0m;
        return new ErpInvoiceChange(Text(row.Id), mark.ChangedAt.Ticks, mark.ToString(), isCredit ? ErpDocumentKind.CreditMemo : ErpDocumentKind.Invoice,
            batch, row.Number, status, row.InvoiceDate, await DueDateAsync(row.Id, cancellationToken), row.UntaxedAmount, row.TaxAmount, row.TotalAmount,
            paid, 0m, open, row.Currency?.Code ?? "", creditedId);
    }

    /// <summary>The latest maturity date of the invoice's receivable lines (its due date; null for a draft).</summary>
    private async Task<DateOnly?> DueDateAsync(int invoiceId, CancellationToken cancellationToken)
    {
        var ids = (await client.ReadAsync<LinesToPayRow>("account.invoice", [invoiceId], ["lines_to_pay"], cancellationToken)).Single().LinesToPay;
        if (ids.Count == 0)
        {
            return null;
        }
        return (await client.ReadAsync<MoveLineRow>("account.move.line", ids, ["maturity_date"], cancellationToken)).Max(l => l.MaturityDate);
    }

    private static ErpInvoiceStatus ToStatus(string state) => state switch
    {
        "posted" or "paid" => ErpInvoiceStatus.Posted,
        "cancelled" => ErpInvoiceStatus.Cancelled,
        _ => ErpInvoiceStatus.Draft,
    };

    private async Task<InvoiceRow?> InvoiceRowByReferenceAsync(string reference, CancellationToken cancellationToken) =>
        (await client.SearchReadAsync<InvoiceRow>("account.invoice",
            new object[] { new object[] { "type", "=", "out" }, new object[] { "reference", "=", reference } }, InvoiceFields, cancellationToken, limit: 1, order: OrderById))
        .FirstOrDefault();

    private async Task<InvoiceRow> InvoiceRowAsync(string invoiceId, CancellationToken cancellationToken)
    {
        var id = IdOf(invoiceId, "Invoice id");
        return (await client.ReadAsync<InvoiceRow>("account.invoice", [id], InvoiceFields, cancellationToken)).FirstOrDefault()
            ?? throw new ErpException(ErpFailureKind.Rejected, $"Invoice {invoiceId} does not exist in Tryton.");
    }

    private async Task<ErpInvoice> InvoiceByIdAsync(int id, CancellationToken cancellationToken) =>
        await ToInvoiceAsync(await InvoiceRowAsync(Text(id), cancellationToken), cancellationToken);

    private async Task<ErpInvoice> ToInvoiceAsync(InvoiceRow row, CancellationToken cancellationToken)
    {
        var lines = await client.SearchReadAsync<InvoiceLineRow>("account.invoice.line", new object[] { new object[] { "invoice", "=", row.Id } },
            ["invoice", "description", "quantity", "unit_price", "amount"], cancellationToken, order: OrderById);
        var status = ToStatus(row.State);
        string? creditId = null;
        if (status == ErpInvoiceStatus.Posted && await InvoiceRowByReferenceAsync(row.Reference + CreditSuffix, cancellationToken) is { } credit)
        {
            status = ErpInvoiceStatus.Credited;
            creditId = Text(credit.Id);
        }
        return new ErpInvoice(Text(row.Id), row.Reference ?? "", status, row.Number,
            [.. lines.Select(l => new ErpInvoiceLine(l.Description ?? "", (decimal)l.Quantity, l.UnitPrice, l.Amount))],
            row.UntaxedAmount, row.TaxAmount, row.TotalAmount, row.Currency?.Code ?? "", creditId);
    }

    private sealed record LinesToPayRow(int Id, List<int> LinesToPay);
}

/// <summary>Where a reader of the invoice change feed is: the change time of the last invoice it applied, and its id.</summary>
internal readonly record struct InvoiceWatermark(DateTime ChangedAt, int InvoiceId) : IComparable<InvoiceWatermark>
{
    private const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'";

    public int CompareTo(InvoiceWatermark other)
    {
        var byTime = ChangedAt.CompareTo(other.ChangedAt);
        return byTime != 0 ? byTime : InvoiceId.CompareTo(other.InvoiceId);
    }

    public override string ToString() => $"{ChangedAt.ToString(TimeFormat, CultureInfo.InvariantCulture)}|{InvoiceId.ToString(CultureInfo.InvariantCulture)}";

    public static InvoiceWatermark? Parse(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }
        var parts = text.Split('|');
        if (parts.Length == 2
            && DateTime.TryParseExact(parts[0], TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var at)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var id))
        {
            return new InvoiceWatermark(DateTime.SpecifyKind(at, DateTimeKind.Utc), id);
        }
        throw new ErpException(ErpFailureKind.Rejected, $"'{text}' is not a Tryton invoice watermark (time|id).");
    }
}
