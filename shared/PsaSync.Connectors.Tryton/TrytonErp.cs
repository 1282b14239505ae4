using System.Globalization;
using PsaSync.Core.Ports;

namespace PsaSync.Connectors.Tryton;

/// <summary>
/// The ERP port on Tryton 6.0 (modules party, company, account_invoice, project_invoice, timesheet). Mapping:
/// customers are <c>party.party</c> (customer number = party code) carrying the PsaSync external id as a party
/// identifier; projects are <c>project.work</c> of type project with a timesheet work, marked by their comment;
/// resources are <c>company.employee</c>, created on demand; approved time is <c>timesheet.line</c>s whose
/// description is the external id; invoices are customer <c>account.invoice</c>s whose reference is the billing
/// batch id. Every create is preceded by a lookup of that marker, so a repeat returns what exists.
/// Tryton has one company per database here: it is the one legal entity named in <see cref="TrytonOptions"/>.
/// </summary>
public sealed partial class TrytonErp(TrytonJsonRpcClient client, TrytonOptions options) : IErpConnector
{
    /// <summary>Prefix of every marker PsaSync writes on Tryton records, so a person can tell them apart.</summary>
    internal const string Marker = "psasync:";

    private readonly SemaphoreSlim _setupGate = new(1, 1);
    private CompanySetup? _setup;

    public async Task<ErpReferenceData> GetReferenceDataAsync(CancellationToken cancellationToken)
    {
        var setup = await SetupAsync(cancellationToken);
        var terms = await client.SearchReadAsync<NameRow>("account.invoice.payment_term", Array.Empty<object>(), ["name"], cancellationToken, order: OrderById);
        return new ErpReferenceData(
            [new ErpLegalEntity(options.LegalEntity, options.LegalEntityCountry, [setup.CurrencyCode])],
            [.. terms.Select(t => t.Name ?? "").Where(n => n.Length > 0)],
            [.. options.TaxCodes.Select(code => new ErpTaxCode(code, options.LegalEntityCountry))],
            new Dictionary<string, ErpDimensions>(options.DimensionsByPractice, StringComparer.OrdinalIgnoreCase).AsReadOnly())
        {
            PaymentTermDues = await PaymentTermDuesAsync(terms, cancellationToken),
        };
    }

    /// <summary>
    /// When each payment term's earliest instalment falls due, for terms made only of plain offsets (months, weeks, days).
    /// Tryton warns when an invoice's payment date is already past, and PsaSync never confirms a warning, so billing
    /// checks the due date before it drafts; a term with a fixed day, month or weekday is left out (not checked).
    /// </summary>
    /// <summary>Any fixed day will do to tell which of a term's instalments falls due first (months and days do not compare alone).</summary>
    private static readonly DateOnly EarliestDueComparisonDay = new(2001, 1, 31);

    private async Task<IReadOnlyDictionary<string, ErpPaymentTermDue>> PaymentTermDuesAsync(IReadOnlyList<NameRow> terms, CancellationToken cancellationToken)
    {
        var lines = await client.SearchReadAsync<PaymentTermLineRow>("account.invoice.payment_term.line",
            new object[] { new object[] { "payment", "in", terms.Select(t => t.Id).ToArray() } }, ["payment"], cancellationToken);
        var deltas = (await client.SearchReadAsync<PaymentTermDeltaRow>("account.invoice.payment_term.line.delta",
            new object[] { new object[] { "line", "in", lines.Select(l => l.Id).ToArray() } }, PaymentTermDeltaRow.Fields.Split(','), cancellationToken))
            .ToLookup(d => d.Line);
        var dues = new Dictionary<string, ErpPaymentTermDue>(StringComparer.Ordinal);
        foreach (var term in terms.Where(t => !string.IsNullOrEmpty(t.Name)))
        {
            var termLines = lines.Where(l => l.Payment == term.Id).Select(l => deltas[l.Id].ToList()).ToList();
            if (termLines.Count == 0 || termLines.Any(steps => steps.Any(d => !d.IsPlainOffset)))
            {
                continue;
            }
            dues[term.Name!] = termLines
                .Select(steps => new ErpPaymentTermDue(steps.Sum(d => d.Months), steps.Sum(d => d.Days + 7 * d.Weeks)))
                .MinBy(due => due.DueDateFor(EarliestDueComparisonDay))!;
        }
        return dues.AsReadOnly();
    }

    /// <summary>Open when Tryton's standard period for the month exists and is open (not closed or locked).</summary>
    public async Task<bool> IsFiscalPeriodOpenAsync(string legalEntity, string period, CancellationToken cancellationToken)
    {
        RequireLegalEntity(legalEntity, $"fiscal period {period}");
        var day = FirstDayOf(period) ?? throw new ErpException(ErpFailureKind.Rejected, $"'{period}' is not a yyyy-MM period.");
        return (await PeriodOnAsync(day, cancellationToken))?.State == "open";
    }

    private async Task<PeriodRow?> PeriodOnAsync(DateOnly day, CancellationToken cancellationToken)
    {
        var setup = await SetupAsync(cancellationToken);
        var periods = await client.SearchReadAsync<PeriodRow>("account.period",
            new object[] { new object[] { "company", "=", setup.CompanyId }, new object[] { "type", "=", "standard" }, new object[] { "start_date", "<=", day }, new object[] { "end_date", ">=", day } },
            ["name", "state"], cancellationToken, limit: 1);
        return periods.FirstOrDefault();
    }

    /// <summary>A readable PeriodClosed failure when <paramref name="day"/> falls in a Tryton period that is not open.</summary>
    private async Task ThrowIfPeriodClosedAsync(DateOnly day, string what, CancellationToken cancellationToken)
    {
        var period = await PeriodOnAsync(day, cancellationToken);
        if (period is null)
        {
            throw new ErpException(ErpFailureKind.PeriodClosed, string.Create(CultureInfo.InvariantCulture, $"{what} is dated {day:yyyy-MM-dd}, and Tryton has no fiscal period for that date: an accountant must create it."));
        }
        if (period.State != "open")
        {
            throw new ErpException(ErpFailureKind.PeriodClosed, string.Create(CultureInfo.InvariantCulture, $"{what} is dated {day:yyyy-MM-dd}, in Tryton fiscal period {period.Name}, which is {period.State}d for posting."));
        }
    }

    private void RequireLegalEntity(string legalEntity, string what)
    {
        if (!string.Equals(legalEntity, options.LegalEntity, StringComparison.Ordinal))
        {
            throw new ErpException(ErpFailureKind.Rejected,
                $"The Tryton company is legal entity '{options.LegalEntity}'; {what} is for '{legalEntity}', which this Tryton database does not have.");
        }
    }

    /// <summary>The company and the records scripts/tryton.sh init set up, read once.</summary>
    private async Task<CompanySetup> SetupAsync(CancellationToken cancellationToken)
    {
        if (_setup is { } ready)
        {
            return ready;
        }
        await _setupGate.WaitAsync(cancellationToken);
        try
        {
            if (_setup is not null)
            {
                return _setup;
            }
            var context = await client.GetContextAsync(cancellationToken);
            if (!context.TryGetValue("company", out var companyValue) || companyValue.ValueKind != System.Text.Json.JsonValueKind.Number)
            {
                throw new ErpException(ErpFailureKind.Rejected, $"The Tryton user '{options.User}' has no current company: give it one in Tryton (Users > Companies).");
            }
            var companyId = companyValue.GetInt32();
            var currency = (await client.ReadAsync<CompanyRow>("company.company", [companyId], ["currency.code"], cancellationToken)).Single().Currency;
            var product = (await client.SearchReadAsync<ProductRow>("product.product", new object[] { new object[] { "code", "=", options.ServiceProductCode } },
                    ["default_uom", "account_category"], cancellationToken, limit: 1)).FirstOrDefault()
                ?? throw new ErpException(ErpFailureKind.Rejected, $"Tryton has no product with code '{options.ServiceProductCode}' (scripts/tryton.sh init creates it).");
            var revenue = (await client.ReadAsync<CategoryRow>("product.category", [product.AccountCategory ?? 0], ["account_revenue"], cancellationToken)).Single().AccountRevenue
                ?? throw new ErpException(ErpFailureKind.Rejected, $"The category of product '{options.ServiceProductCode}' has no revenue account.");
            var receivable = await FirstIdAsync("account.account", [["type.receivable", "=", true], ["company", "=", companyId]], "a receivable account", cancellationToken);
            var journal = await FirstIdAsync("account.journal", [["type", "=", "revenue"]], "a revenue journal", cancellationToken);
            var poCategory = (await client.SearchAsync("party.category", new object[] { new object[] { "name", "=", PurchaseOrderCategory } }, cancellationToken, limit: 1)).FirstOrDefault();
            _setup = new CompanySetup(companyId, currency?.Id ?? 0, currency?.Code ?? "", product.Id, product.DefaultUom, revenue, receivable, journal, poCategory == 0 ? null : poCategory);
            return _setup;
        }
        finally
        {
            _setupGate.Release();
        }
    }

    private async Task<int> FirstIdAsync(string model, object[][] domain, string what, CancellationToken cancellationToken) =>
        (await client.SearchAsync(model, domain, cancellationToken, limit: 1, order: OrderById)).FirstOrDefault() is var id and > 0
            ? id
            : throw new ErpException(ErpFailureKind.Rejected, $"Tryton has no {what} for the company (scripts/tryton.sh init sets one up).");

    /// <summary>The party category that says a customer needs purchase orders (Tryton 6.0 parties have no such field).</summary>
    internal const string PurchaseOrderCategory = "Purchase order required";

    private static readonly object[][] OrderById = [["id", "ASC"]];

    private static DateOnly? FirstDayOf(string period) =>
        DateOnly.TryParseExact(period + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day) ? day : null;

    private static int IdOf(string value, string what) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0
            ? id
            : throw new ErpException(ErpFailureKind.Rejected, $"{what} '{value}' is not a Tryton id.");

    private static string Text(int id) => id.ToString(CultureInfo.InvariantCulture);

    private sealed record CompanySetup(int CompanyId, int CurrencyId, string CurrencyCode, int ProductId, int UnitId, int RevenueAccountId,
        int ReceivableAccountId, int JournalId, int? PurchaseOrderCategoryId);

    private sealed record CompanyRow(int Id, [property: System.Text.Json.Serialization.JsonPropertyName("currency.")] CodeRow? Currency);

    private sealed record ProductRow(int Id, int DefaultUom, int? AccountCategory);

    private sealed record CategoryRow(int Id, int? AccountRevenue);
}
