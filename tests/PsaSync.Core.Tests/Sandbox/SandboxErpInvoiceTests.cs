using PsaSync.Connectors.Sandbox;
using PsaSync.Connectors.Sandbox.Erp;
using PsaSync.Core.Ports;

namespace PsaSync.Core.Tests.Sandbox;

public sealed class SandboxErpInvoiceTests : IDisposable
{
    private const string CustomerNumber = "CUST-00001";
    private const string ProjectCode = "EP-00042";
    private const string Period = "2026-03";

    private static readonly ErpInvoiceLine[] NoLines = [];

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "psasync-tests-" + Guid.NewGuid().ToString("N"));

    public SandboxErpInvoiceTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string JournalPath => Path.Combine(_directory, "sandbox-erp.jsonl");

    /// <summary>An ERP with customer <see cref="CustomerNumber"/> and project <see cref="ProjectCode"/>.</summary>
    private static async Task<SandboxErp> CreateErpAsync(SandboxFaultOptions? faults = null, string? journalPath = null)
    {
        var erp = new SandboxErp(faults ?? new SandboxFaultOptions(), journalPath);
        try
        {
            await erp.CreateCustomerAsync(SandboxMasterData.CustomerDraft(), CancellationToken.None);
        }
        catch (ErpException ex) when (ex.Kind == ErpFailureKind.Ambiguous)
        {
            // Committed all the same: the fault options of the test may time out every write.
        }
        erp.SeedProject(new ErpProject(ProjectCode, "PRJ-1", Active: true));
        Assert.Equal(CustomerNumber, Assert.Single(erp.Customers).CustomerNumber);
        return erp;
    }

    private static ErpInvoiceDraft Draft(string batchId = "BB-1", string period = Period, string taxCode = "DE-VAT-19",
        string customerNumber = CustomerNumber, string projectCode = ProjectCode, string currency = "EUR") =>
        new(batchId, customerNumber, projectCode, period, PeriodEnd(period), $"Services {period}", currency, "PO-77", taxCode, "corr-" + batchId);

    /// <summary>These tests date invoices at the end of their service period, so a closed period refuses them.</summary>
    private static DateOnly PeriodEnd(string period) =>
        DateOnly.TryParseExact(period, "yyyy-MM", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var month)
            ? month.AddMonths(1).AddDays(-1)
            : new DateOnly(2026, 3, 31);

    private static ErpInvoiceLine Line(decimal amount, string description = "Consultant 2026-03") =>
        new(description, 1m, amount, amount);

    /// <summary>A draft with lines, posted.</summary>
    private static async Task<ErpInvoice> PostedAsync(SandboxErp erp, string batchId, decimal amount = 1000m, string period = Period, string taxCode = "DE-VAT-19")
    {
        var draft = await erp.CreateDraftInvoiceAsync(Draft(batchId, period, taxCode), CancellationToken.None);
        await erp.SetInvoiceLinesAsync(draft.InvoiceId, [Line(amount)], CancellationToken.None);
        return await erp.PostInvoiceAsync(draft.InvoiceId, CancellationToken.None);
    }

    private static async Task<string> OutcomeOfAsync(Func<Task> call)
    {
        try
        {
            await call();
            return "ok";
        }
        catch (ErpException ex)
        {
            return ex.Kind.ToString();
        }
    }

    /// <summary>Records with lists compare their lists by reference; this compares them element by element.</summary>
    private static void AssertSameInvoice(ErpInvoice expected, ErpInvoice actual)
    {
        Assert.Equal(expected.Lines, actual.Lines);
        Assert.Equal(expected with { Lines = NoLines }, actual with { Lines = NoLines });
    }

    [Fact]
    public async Task A_draft_invoice_is_created_once_per_billing_batch()
    {
        var erp = await CreateErpAsync();

        var first = await erp.CreateDraftInvoiceAsync(Draft("BB-1"), CancellationToken.None);
        var repeat = await erp.CreateDraftInvoiceAsync(Draft("BB-1", currency: "GBP", taxCode: "GB-VAT-20"), CancellationToken.None);
        var other = await erp.CreateDraftInvoiceAsync(Draft("BB-2"), CancellationToken.None);

        Assert.Equal("INV-D-00001", first.InvoiceId);
        Assert.Equal(ErpInvoiceStatus.Draft, first.Status);
        Assert.Null(first.Number);
        Assert.Empty(first.Lines);
        Assert.Equal("EUR", first.Currency);
        AssertSameInvoice(first, repeat);
        Assert.Equal("INV-D-00002", other.InvoiceId);
        Assert.Equal(["INV-D-00001", "INV-D-00002"], erp.Invoices.Select(i => i.InvoiceId));
        Assert.Equal("DE-VAT-19", erp.InvoiceDrafts["INV-D-00001"].TaxCode);
        AssertSameInvoice(first, (await erp.FindInvoiceByBatchAsync("BB-1", CancellationToken.None))!);
        Assert.Null(await erp.FindInvoiceByBatchAsync("BB-3", CancellationToken.None));
    }

    [Fact]
    public async Task A_draft_that_committed_and_timed_out_is_found_by_its_batch_and_a_repeat_returns_it()
    {
        var erp = await CreateErpAsync(new SandboxFaultOptions { CommitThenTimeoutRate = 1 });

        var ex = await Assert.ThrowsAsync<ErpException>(() => erp.CreateDraftInvoiceAsync(Draft("BB-1"), CancellationToken.None));

        Assert.Equal(ErpFailureKind.Ambiguous, ex.Kind);
        var found = await erp.FindInvoiceByBatchAsync("BB-1", CancellationToken.None);
        Assert.NotNull(found);
        var repeat = await erp.CreateDraftInvoiceAsync(Draft("BB-1"), CancellationToken.None);
        Assert.Equal(found.InvoiceId, repeat.InvoiceId);
        Assert.Single(erp.Invoices);
    }

    [Theory]
    [InlineData("CUST-09999", ProjectCode, "DE-VAT-19", Period, "CUST-09999")]
    [InlineData(CustomerNumber, "EP-09999", "DE-VAT-19", Period, "EP-09999")]
    [InlineData(CustomerNumber, ProjectCode, "FR-VAT-20", Period, "FR-VAT-20")]
    [InlineData(CustomerNumber, ProjectCode, "DE-VAT-19", "March 2026", "March 2026")]
    public async Task A_draft_for_an_unknown_customer_project_tax_code_or_period_is_rejected(
        string customerNumber, string projectCode, string taxCode, string period, string named)
    {
        var erp = await CreateErpAsync();

        var ex = await Assert.ThrowsAsync<ErpException>(() =>
            erp.CreateDraftInvoiceAsync(Draft(customerNumber: customerNumber, projectCode: projectCode, taxCode: taxCode, period: period), CancellationToken.None));

        Assert.Equal(ErpFailureKind.Rejected, ex.Kind);
        Assert.Contains(named, ex.Message);
        Assert.Empty(erp.Invoices);
    }

    [Fact]
    public async Task Setting_lines_replaces_the_earlier_lines_and_recomputes_the_net()
    {
        var erp = await CreateErpAsync();
        var draft = await erp.CreateDraftInvoiceAsync(Draft(), CancellationToken.None);

        var first = await erp.SetInvoiceLinesAsync(draft.InvoiceId, [Line(1500m, "Consultant"), Line(250.25m, "Travel")], CancellationToken.None);
        var second = await erp.SetInvoiceLinesAsync(draft.InvoiceId, [Line(600.125m, "Architect")], CancellationToken.None);

        Assert.Equal(1750.25m, first.Net);
        Assert.Equal(2, first.Lines.Count);
        Assert.Equal([Line(600.125m, "Architect")], second.Lines);
        Assert.Equal(600.13m, second.Net); // two decimals, halves away from zero
        Assert.Equal(ErpInvoiceStatus.Draft, second.Status);
        AssertSameInvoice(second, Assert.Single(erp.Invoices));
    }

    [Fact]
    public async Task Lines_of_an_unknown_or_posted_invoice_are_rejected()
    {
        var erp = await CreateErpAsync();
        var posted = await PostedAsync(erp, "BB-1", 1000m);

        var onPosted = await Assert.ThrowsAsync<ErpException>(() => erp.SetInvoiceLinesAsync(posted.InvoiceId, [Line(5m)], CancellationToken.None));
        var onUnknown = await Assert.ThrowsAsync<ErpException>(() => erp.SetInvoiceLinesAsync("INV-D-09999", [Line(5m)], CancellationToken.None));

        Assert.Equal(ErpFailureKind.Rejected, onPosted.Kind);
        Assert.Equal(ErpFailureKind.Rejected, onUnknown.Kind);
        Assert.Equal(1000m, Assert.Single(erp.Invoices).Net);
    }

    [Theory]
    [InlineData("DE-VAT-19", 190.10, 1190.65)]
    [InlineData("GB-VAT-20", 200.11, 1200.66)]
    [InlineData("US-EXEMPT", 0, 1000.55)]
    public async Task Posting_gives_the_invoice_its_number_and_the_tax_of_its_tax_code(string taxCode, decimal tax, decimal gross)
    {
        var erp = await CreateErpAsync();

        var posted = await PostedAsync(erp, "BB-1", 1000.55m, taxCode: taxCode);

        Assert.Equal(ErpInvoiceStatus.Posted, posted.Status);
        Assert.Equal("INV-2026-00001", posted.Number);
        Assert.Equal(1000.55m, posted.Net);
        Assert.Equal(tax, posted.Tax);
        Assert.Equal(gross, posted.Gross);
        Assert.Equal("INV-D-00001", posted.InvoiceId);
        AssertSameInvoice(posted, Assert.Single(erp.Invoices));
    }

    [Fact]
    public async Task Invoice_numbers_count_up_per_year_of_the_period()
    {
        var erp = await CreateErpAsync();

        var march = await PostedAsync(erp, "BB-1", period: "2026-03");
        var december = await PostedAsync(erp, "BB-2", period: "2026-12");
        var january = await PostedAsync(erp, "BB-3", period: "2027-01");

        Assert.Equal(["INV-2026-00001", "INV-2026-00002", "INV-2027-00001"], new[] { march.Number!, december.Number!, january.Number! });
    }

    [Fact]
    public async Task Posting_a_posted_invoice_returns_it_with_the_same_number()
    {
        var erp = await CreateErpAsync();
        var posted = await PostedAsync(erp, "BB-1", 1000m);

        var again = await erp.PostInvoiceAsync(posted.InvoiceId, CancellationToken.None);
        var next = await PostedAsync(erp, "BB-2", 50m);

        AssertSameInvoice(posted, again);
        Assert.Equal("INV-2026-00002", next.Number);
    }

    [Fact]
    public async Task An_invoice_without_lines_or_an_unknown_invoice_cannot_be_posted()
    {
        var erp = await CreateErpAsync();
        var draft = await erp.CreateDraftInvoiceAsync(Draft(), CancellationToken.None);
        await erp.SetInvoiceLinesAsync(draft.InvoiceId, [], CancellationToken.None);

        var withoutLines = await Assert.ThrowsAsync<ErpException>(() => erp.PostInvoiceAsync(draft.InvoiceId, CancellationToken.None));
        var unknown = await Assert.ThrowsAsync<ErpException>(() => erp.PostInvoiceAsync("INV-D-09999", CancellationToken.None));

        Assert.Equal(ErpFailureKind.Rejected, withoutLines.Kind);
        Assert.Equal(ErpFailureKind.Rejected, unknown.Kind);
        var invoice = Assert.Single(erp.Invoices);
        Assert.Equal(ErpInvoiceStatus.Draft, invoice.Status);
        Assert.Null(invoice.Number);
    }

    [Fact]
    public async Task Cancelling_a_draft_cancels_it_and_cancelling_again_or_an_unknown_invoice_is_harmless()
    {
        var erp = await CreateErpAsync();
        var draft = await erp.CreateDraftInvoiceAsync(Draft(), CancellationToken.None);
        await erp.SetInvoiceLinesAsync(draft.InvoiceId, [Line(100m)], CancellationToken.None);

        await erp.CancelDraftInvoiceAsync(draft.InvoiceId, CancellationToken.None);
        await erp.CancelDraftInvoiceAsync(draft.InvoiceId, CancellationToken.None);
        await erp.CancelDraftInvoiceAsync("INV-D-09999", CancellationToken.None);

        var cancelled = Assert.Single(erp.Invoices);
        Assert.Equal(ErpInvoiceStatus.Cancelled, cancelled.Status);
        Assert.Equal(ErpInvoiceStatus.Cancelled, (await erp.FindInvoiceByBatchAsync("BB-1", CancellationToken.None))!.Status);
        Assert.Equal(ErpFailureKind.Rejected, (await Assert.ThrowsAsync<ErpException>(() => erp.PostInvoiceAsync(draft.InvoiceId, CancellationToken.None))).Kind);
        Assert.Equal(ErpFailureKind.Rejected, (await Assert.ThrowsAsync<ErpException>(() => erp.SetInvoiceLinesAsync(draft.InvoiceId, [Line(1m)], CancellationToken.None))).Kind);
        Assert.Equal(ErpInvoiceStatus.Cancelled, Assert.Single(erp.Invoices).Status);
    }

    [Fact]
    public async Task A_posted_invoice_cannot_be_cancelled_it_must_be_credited()
    {
        var erp = await CreateErpAsync();
        var posted = await PostedAsync(erp, "BB-1");

        var ex = await Assert.ThrowsAsync<ErpException>(() => erp.CancelDraftInvoiceAsync(posted.InvoiceId, CancellationToken.None));

        Assert.Equal(ErpFailureKind.Rejected, ex.Kind);
        Assert.Contains("credit it instead", ex.Message);
        Assert.Equal(ErpInvoiceStatus.Posted, Assert.Single(erp.Invoices).Status);
    }

    [Fact]
    public async Task Crediting_a_posted_invoice_twice_returns_the_same_credit_memo()
    {
        var erp = await CreateErpAsync();
        var posted = await PostedAsync(erp, "BB-1", 1000m);

        var credited = await erp.CreditInvoiceAsync(posted.InvoiceId, "Billing run failed after posting", CancellationToken.None);
        var again = await erp.CreditInvoiceAsync(posted.InvoiceId, "A second reason", CancellationToken.None);
        var other = await erp.CreditInvoiceAsync((await PostedAsync(erp, "BB-2")).InvoiceId, "Other", CancellationToken.None);

        Assert.Equal(ErpInvoiceStatus.Credited, credited.Status);
        Assert.Equal("CM-00001", credited.CreditMemoId);
        Assert.Equal(posted.Number, credited.Number);
        Assert.Equal(posted.Gross, credited.Gross);
        AssertSameInvoice(credited, again);
        Assert.Equal("CM-00002", other.CreditMemoId);
        Assert.Equal("Billing run failed after posting", erp.CreditReasons[posted.InvoiceId]);
        Assert.Equal(ErpInvoiceStatus.Credited, erp.Invoices.Single(i => i.InvoiceId == posted.InvoiceId).Status);
    }

    [Fact]
    public async Task Only_a_posted_invoice_can_be_credited()
    {
        var erp = await CreateErpAsync();
        var draft = await erp.CreateDraftInvoiceAsync(Draft("BB-1"), CancellationToken.None);
        var cancelled = await erp.CreateDraftInvoiceAsync(Draft("BB-2"), CancellationToken.None);
        await erp.CancelDraftInvoiceAsync(cancelled.InvoiceId, CancellationToken.None);

        foreach (var invoiceId in new[] { draft.InvoiceId, cancelled.InvoiceId, "INV-D-09999" })
        {
            var ex = await Assert.ThrowsAsync<ErpException>(() => erp.CreditInvoiceAsync(invoiceId, "why", CancellationToken.None));
            Assert.Equal(ErpFailureKind.Rejected, ex.Kind);
        }
        Assert.All(erp.Invoices, i => Assert.Null(i.CreditMemoId));
        Assert.Empty(erp.CreditReasons);
    }

    [Fact]
    public async Task A_closed_period_refuses_new_drafts_and_posting()
    {
        var erp = await CreateErpAsync();
        var draft = await erp.CreateDraftInvoiceAsync(Draft("BB-1", "2026-03"), CancellationToken.None);
        await erp.SetInvoiceLinesAsync(draft.InvoiceId, [Line(100m)], CancellationToken.None);
        erp.ClosePeriod("2026-03");

        var onPost = await Assert.ThrowsAsync<ErpException>(() => erp.PostInvoiceAsync(draft.InvoiceId, CancellationToken.None));
        var onDraft = await Assert.ThrowsAsync<ErpException>(() => erp.CreateDraftInvoiceAsync(Draft("BB-2", "2026-03"), CancellationToken.None));
        var open = await erp.CreateDraftInvoiceAsync(Draft("BB-3", "2026-04"), CancellationToken.None);

        Assert.Equal(ErpFailureKind.PeriodClosed, onPost.Kind);
        Assert.Equal(ErpFailureKind.PeriodClosed, onDraft.Kind);
        Assert.Equal(2, erp.FaultsInjected[SandboxFault.PeriodClosed]);
        Assert.Null(await erp.FindInvoiceByBatchAsync("BB-2", CancellationToken.None));
        var unposted = erp.Invoices.Single(i => i.InvoiceId == draft.InvoiceId);
        Assert.Equal(ErpInvoiceStatus.Draft, unposted.Status);
        Assert.Null(unposted.Number);
        Assert.Equal(ErpInvoiceStatus.Draft, open.Status);
    }

    [Fact]
    public async Task A_posted_invoice_of_a_closed_period_can_still_be_credited_and_posting_it_again_returns_it()
    {
        var erp = await CreateErpAsync();
        var posted = await PostedAsync(erp, "BB-1");
        erp.ClosePeriod(Period);

        var again = await erp.PostInvoiceAsync(posted.InvoiceId, CancellationToken.None);
        var credited = await erp.CreditInvoiceAsync(posted.InvoiceId, "reversal", CancellationToken.None);

        Assert.Equal(posted.Number, again.Number);
        Assert.Equal(ErpInvoiceStatus.Credited, credited.Status);
    }

    [Fact]
    public async Task A_fiscal_period_is_open_until_it_is_closed_for_every_legal_entity()
    {
        var erp = await CreateErpAsync();
        erp.ClosePeriod("2026-03");

        Assert.False(await erp.IsFiscalPeriodOpenAsync("PSDE", "2026-03", CancellationToken.None));
        Assert.False(await erp.IsFiscalPeriodOpenAsync("PSUS", "2026-03", CancellationToken.None));
        Assert.True(await erp.IsFiscalPeriodOpenAsync("PSDE", "2026-04", CancellationToken.None));
        var ex = await Assert.ThrowsAsync<ErpException>(() => erp.IsFiscalPeriodOpenAsync("PSFR", "2026-04", CancellationToken.None));
        Assert.Equal(ErpFailureKind.Rejected, ex.Kind);
    }

    [Fact]
    public async Task FailNext_fails_exactly_the_next_calls_of_that_operation_and_no_other()
    {
        var erp = await CreateErpAsync();
        var draft = await erp.CreateDraftInvoiceAsync(Draft(), CancellationToken.None);
        erp.FailNext(SandboxErp.Operations.PostInvoice, times: 2);

        var outcomes = new List<string>
        {
            await OutcomeOfAsync(() => erp.SetInvoiceLinesAsync(draft.InvoiceId, [Line(100m)], CancellationToken.None)),
            await OutcomeOfAsync(() => erp.PostInvoiceAsync(draft.InvoiceId, CancellationToken.None)),
            await OutcomeOfAsync(() => erp.CreateDraftInvoiceAsync(Draft("BB-2"), CancellationToken.None)),
            await OutcomeOfAsync(() => erp.PostInvoiceAsync(draft.InvoiceId, CancellationToken.None)),
        };
        Assert.Equal(ErpInvoiceStatus.Draft, erp.Invoices.Single(i => i.InvoiceId == draft.InvoiceId).Status);
        outcomes.Add(await OutcomeOfAsync(() => erp.PostInvoiceAsync(draft.InvoiceId, CancellationToken.None)));
        outcomes.Add(await OutcomeOfAsync(() => erp.PostInvoiceAsync(draft.InvoiceId, CancellationToken.None)));

        Assert.Equal(["ok", "Unavailable", "ok", "Unavailable", "ok", "ok"], outcomes);
        Assert.Equal(2, erp.FaultsInjected[SandboxFault.Targeted]);
        Assert.Equal(4, erp.Requests[SandboxErp.Operations.PostInvoice]);
        Assert.Equal("INV-2026-00001", erp.Invoices.Single(i => i.InvoiceId == draft.InvoiceId).Number);
    }

    [Fact]
    public async Task FailNext_throws_the_kind_asked_for_in_the_order_asked_and_commits_nothing()
    {
        var erp = await CreateErpAsync(new SandboxFaultOptions { RetryAfter = TimeSpan.FromSeconds(7) });
        erp.FailNext(SandboxErp.Operations.CreateDraftInvoice, ErpFailureKind.Ambiguous);
        erp.FailNext(SandboxErp.Operations.CreateDraftInvoice, ErpFailureKind.Throttled);

        var ambiguous = await Assert.ThrowsAsync<ErpException>(() => erp.CreateDraftInvoiceAsync(Draft(), CancellationToken.None));
        var throttled = await Assert.ThrowsAsync<ErpException>(() => erp.CreateDraftInvoiceAsync(Draft(), CancellationToken.None));

        Assert.Equal(ErpFailureKind.Ambiguous, ambiguous.Kind);
        Assert.Equal(ErpFailureKind.Throttled, throttled.Kind);
        Assert.Equal(TimeSpan.FromSeconds(7), throttled.RetryAfter);
        Assert.Empty(erp.Invoices);
        Assert.Null(await erp.FindInvoiceByBatchAsync("BB-1", CancellationToken.None));
        Assert.Equal("INV-D-00001", (await erp.CreateDraftInvoiceAsync(Draft(), CancellationToken.None)).InvoiceId);
    }

    [Theory]
    [InlineData(SandboxErp.Operations.CancelDraftInvoice)]
    [InlineData(SandboxErp.Operations.CreditInvoice)]
    [InlineData(SandboxErp.Operations.SetInvoiceLines)]
    public async Task FailNext_makes_a_compensation_fail_once_and_its_retry_succeed(string operation)
    {
        var erp = await CreateErpAsync();
        var posted = await PostedAsync(erp, "BB-1");
        var draft = await erp.CreateDraftInvoiceAsync(Draft("BB-2"), CancellationToken.None);
        erp.FailNext(operation, ErpFailureKind.Rejected);

        Task Call() => operation switch
        {
            SandboxErp.Operations.CancelDraftInvoice => erp.CancelDraftInvoiceAsync(draft.InvoiceId, CancellationToken.None),
            SandboxErp.Operations.CreditInvoice => erp.CreditInvoiceAsync(posted.InvoiceId, "undo", CancellationToken.None),
            _ => erp.SetInvoiceLinesAsync(draft.InvoiceId, [Line(1m)], CancellationToken.None),
        };

        Assert.Equal(["Rejected", "ok"], new[] { await OutcomeOfAsync(Call), await OutcomeOfAsync(Call) });
        Assert.Equal(1, erp.FaultsInjected[SandboxFault.Targeted]);
    }

    [Fact]
    public async Task FailNext_refuses_an_unknown_operation_or_no_calls()
    {
        var erp = await CreateErpAsync();

        Assert.Throws<ArgumentException>(() => erp.FailNext("post-invoices"));
        Assert.Throws<ArgumentOutOfRangeException>(() => erp.FailNext(SandboxErp.Operations.PostInvoice, times: 0));
        Assert.Contains(SandboxErp.Operations.PostTime, SandboxErp.Operations.All);
    }

    [Fact]
    public async Task A_restarted_sandbox_replays_its_invoices_from_the_journal()
    {
        var before = await CreateErpAsync(journalPath: JournalPath);
        var credited = await before.CreditInvoiceAsync((await PostedAsync(before, "BB-1", 1000m)).InvoiceId, "reversal", CancellationToken.None);
        var posted = await PostedAsync(before, "BB-2", 200m, taxCode: "GB-VAT-20");
        var cancelled = await before.CreateDraftInvoiceAsync(Draft("BB-3"), CancellationToken.None);
        await before.CancelDraftInvoiceAsync(cancelled.InvoiceId, CancellationToken.None);
        var draft = await before.CreateDraftInvoiceAsync(Draft("BB-4"), CancellationToken.None);
        await before.SetInvoiceLinesAsync(draft.InvoiceId, [Line(10.5m), Line(20m)], CancellationToken.None);
        var invoicesBefore = before.Invoices;

        var after = new SandboxErp(new SandboxFaultOptions(), JournalPath);

        Assert.Equal(4, after.Invoices.Count);
        foreach (var (expected, actual) in invoicesBefore.Zip(after.Invoices))
        {
            AssertSameInvoice(expected, actual);
        }
        Assert.Equal(
            [ErpInvoiceStatus.Credited, ErpInvoiceStatus.Posted, ErpInvoiceStatus.Cancelled, ErpInvoiceStatus.Draft],
            after.Invoices.Select(i => i.Status));
        Assert.Equal(before.InvoiceDrafts, after.InvoiceDrafts);
        Assert.Equal("reversal", after.CreditReasons[credited.InvoiceId]);
        Assert.Equal(draft.InvoiceId, (await after.FindInvoiceByBatchAsync("BB-4", CancellationToken.None))!.InvoiceId);
        // Ids, numbers and credit memos carry on where the earlier process left off.
        Assert.Equal("INV-D-00005", (await after.CreateDraftInvoiceAsync(Draft("BB-5"), CancellationToken.None)).InvoiceId);
        Assert.Equal("INV-2026-00003", (await after.PostInvoiceAsync(draft.InvoiceId, CancellationToken.None)).Number);
        Assert.Equal("CM-00002", (await after.CreditInvoiceAsync(posted.InvoiceId, "again", CancellationToken.None)).CreditMemoId);
    }

    [Fact]
    public async Task The_change_feed_shows_posting_payments_and_credit_in_order_and_pages_from_a_watermark()
    {
        var erp = await CreateErpAsync(journalPath: JournalPath);
        var invoice = await PostedAsync(erp, "BB-1", 1000m);
        erp.SettleInvoice(invoice.InvoiceId, paid: 500m);
        erp.SettleInvoice(invoice.InvoiceId, paid: 690m);
        var other = await PostedAsync(erp, "BB-2", 100m);
        await erp.CreditInvoiceAsync(other.InvoiceId, "wrong rate", CancellationToken.None);

        var first = await erp.GetInvoiceChangesAsync(null, 2, CancellationToken.None);
        Assert.True(first.HasMore);
        Assert.Equal([(1L, 0m, 1190m), (2L, 500m, 690m)], first.Changes.Select(c => (c.Version, c.AmountPaid, c.Balance)));
        var rest = await erp.GetInvoiceChangesAsync(first.Changes[^1].Watermark, 10, CancellationToken.None);
        Assert.False(rest.HasMore);
        Assert.Equal(
            [(invoice.InvoiceId, ErpInvoiceStatus.Posted, 0m), (other.InvoiceId, ErpInvoiceStatus.Posted, 119m), (other.InvoiceId, ErpInvoiceStatus.Credited, 0m), ("CM-00001", ErpInvoiceStatus.Posted, 0m)],
            rest.Changes.Select(c => (c.InvoiceId, c.Status, c.Balance)));
        var memo = rest.Changes[^1];
        Assert.Equal((ErpDocumentKind.CreditMemo, other.InvoiceId, -119m), (memo.Kind, memo.CreditedInvoiceId, memo.Gross));
        Assert.Empty((await erp.GetInvoiceChangesAsync(rest.Changes[^1].Watermark, 10, CancellationToken.None)).Changes);

        // The feed is rebuilt from the journal after a restart, with the same watermarks.
        var restarted = new SandboxErp(new SandboxFaultOptions(), JournalPath);
        var replayed = await restarted.GetInvoiceChangesAsync(null, 10, CancellationToken.None);
        Assert.Equal(first.Changes.Concat(rest.Changes).Select(c => c.Watermark), replayed.Changes.Select(c => c.Watermark));
    }

    [Fact]
    public async Task Only_a_posted_invoice_takes_payments_and_never_more_than_its_balance()
    {
        var erp = await CreateErpAsync();
        var draft = await erp.CreateDraftInvoiceAsync(Draft("BB-1"), CancellationToken.None);
        Assert.Throws<InvalidOperationException>(() => erp.SettleInvoice(draft.InvoiceId, 10m));
        var posted = await PostedAsync(erp, "BB-2", 100m);
        Assert.Throws<InvalidOperationException>(() => erp.SettleInvoice(posted.InvoiceId, 100m, writtenOff: 20m));
        erp.SettleInvoice(posted.InvoiceId, 100m, writtenOff: 19m);
        var last = (await erp.GetInvoiceChangesAsync(null, 10, CancellationToken.None)).Changes[^1];
        Assert.Equal((100m, 19m, 0m), (last.AmountPaid, last.WrittenOff, last.Balance));
    }
}
