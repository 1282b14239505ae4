using PsaSync.Connectors.Tryton;
using PsaSync.Core.Billing;
using PsaSync.Core.Model;
using PsaSync.Core.Ports;

namespace PsaSync.Tryton.Tests;

/// <summary>
/// TrytonErp against a live Tryton 6.0: what the ERP port promises (lookups before creates, one request per batch,
/// invoice lifecycle, change feed, closed periods) as Tryton really does it. Each test uses ids of its own.
/// </summary>
[Collection(TrytonCollection.Name)]
public sealed class TrytonErpContractTests(TrytonServer tryton)
{
    private static readonly DateOnly WorkDay = LiveCalendar.DayOfPreviousMonth(5);
    private static readonly string Period = LiveCalendar.PreviousPeriod;

    private readonly string _run = Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task Reference_data_has_the_company_as_the_configured_legal_entity_and_Trytons_payment_terms()
    {
        var data = await tryton.NewErp().GetReferenceDataAsync(CancellationToken.None);

        var entity = Assert.Single(data.LegalEntities);
        Assert.Equal(("PSUS", "US"), (entity.Code, entity.Country));
        Assert.Equal(["USD"], entity.Currencies);
        Assert.Contains("NET30", data.PaymentTerms);
    }

    [Fact]
    public async Task A_customer_is_created_once_and_a_repeat_returns_the_same_party()
    {
        var erp = tryton.NewErp();
        var draft = Customer($"ACC-{_run}") with { RequiresPurchaseOrder = true };

        var created = await erp.CreateCustomerAsync(draft, CancellationToken.None);
        var again = await erp.CreateCustomerAsync(draft, CancellationToken.None);

        Assert.Equal(created, again);
        Assert.Equal(created, await erp.FindCustomerByExternalIdAsync(draft.ExternalId, CancellationToken.None));
        Assert.Equal(created, await erp.GetCustomerAsync(created.CustomerNumber, CancellationToken.None));
        Assert.Equal((draft.LegalName, "US", "USD", draft.TaxId, "NET30", true),
            (created.LegalName, created.BillingCountry, created.Currency, created.TaxId, created.PaymentTerms, created.RequiresPurchaseOrder));
        Assert.Single(await tryton.NewClient().SearchAsync("party.party", new object[] { new object[] { "identifiers.code", "=", TrytonErp.Marker + draft.ExternalId } }, CancellationToken.None));
        Assert.Contains(await erp.FindSimilarCustomersAsync(draft.TaxId!.ToLowerInvariant(), "nobody", "US", CancellationToken.None), c => c.CustomerNumber == created.CustomerNumber);
    }

    [Fact]
    public async Task A_customer_update_changes_the_party_in_one_write()
    {
        var erp = tryton.NewErp();
        var created = await erp.CreateCustomerAsync(Customer($"ACC-{_run}"), CancellationToken.None);

        var updated = await erp.UpdateCustomerAsync(created.CustomerNumber, Customer($"ACC-{_run}") with { LegalName = "Renamed Inc", PaymentTerms = "NET60", TaxId = null }, CancellationToken.None);

        Assert.Equal(("Renamed Inc", "NET60", null), (updated.LegalName, updated.PaymentTerms, updated.TaxId));
        Assert.Equal(created.ExternalId, updated.ExternalId);
    }

    [Fact]
    public async Task An_unknown_payment_term_is_rejected_with_a_readable_message()
    {
        var error = await Assert.ThrowsAsync<ErpException>(() => tryton.NewErp().CreateCustomerAsync(Customer($"ACC-{_run}") with { PaymentTerms = "NET99" }, CancellationToken.None));

        Assert.Equal(ErpFailureKind.Rejected, error.Kind);
        Assert.Contains("NET99", error.Message);
    }

    [Fact]
    public async Task A_project_is_created_once_with_its_timesheet_work_and_can_be_closed()
    {
        var erp = tryton.NewErp();
        var customer = await erp.CreateCustomerAsync(Customer($"ACC-{_run}"), CancellationToken.None);

        var project = await erp.CreateProjectAsync(Project($"PRJ-{_run}", customer), CancellationToken.None);
        var again = await erp.CreateProjectAsync(Project($"PRJ-{_run}", customer), CancellationToken.None);

        Assert.Equal(project.ErpProjectCode, again.ErpProjectCode);
        Assert.Equal((ProjectStatus.Active, customer.CustomerNumber), (project.Status, project.CustomerNumber));
        Assert.Contains(await erp.ListProjectsAsync(CancellationToken.None), p => p.PsaProjectId == $"PRJ-{_run}");
        var closed = await erp.SetProjectStatusAsync(project.ErpProjectCode, ProjectStatus.Closed, CancellationToken.None);
        Assert.False(closed.Active);
        Assert.False((await erp.FindProjectAsync($"PRJ-{_run}", CancellationToken.None))!.Active);
    }

    [Fact]
    public async Task Time_lines_single_and_batched_are_created_once_for_employees_made_on_demand()
    {
        var erp = tryton.NewErp();
        var project = await NewProjectAsync(erp);
        var single = TimeLine("TE-1", project, $"EMP-A-{_run}", 7.5m);
        var batch = new[] { TimeLine("TE-2", project, $"EMP-A-{_run}", 8m), TimeLine("TE-3", project, $"EMP-B-{_run}", 6m), TimeLine("TE-2", project, $"EMP-A-{_run}", 8m) };

        var posted = await erp.PostTimeAsync(single, CancellationToken.None);
        var results = await erp.PostTimeLinesAsync(batch, CancellationToken.None);
        var repeat = await erp.PostTimeLinesAsync([single, .. batch], CancellationToken.None);

        Assert.All(results, r => Assert.Null(r.Failure));
        Assert.Equal(results[0].Posting, results[2].Posting);
        Assert.Equal([posted, .. results.Select(r => r.Posting!)], repeat.Select(r => r.Posting!));
        Assert.Equal(posted, await erp.FindTimeByExternalIdAsync(single.ExternalId, CancellationToken.None));
        var client = tryton.NewClient();
        var lines = await client.SearchReadAsync<TimesheetRow>("timesheet.line",
            new object[] { new object[] { "description", "like", $"{TrytonErp.Marker}{_run}-%" } }, ["duration", "employee"], CancellationToken.None);
        Assert.Equal(3, lines.Count);
        Assert.Equal(21.5, lines.Sum(l => l.Duration.TotalHours));
        Assert.Equal(2, lines.Select(l => l.Employee).Distinct().Count());
        Assert.DoesNotContain(await erp.ListCustomersAsync(CancellationToken.None), c => c.LegalName.StartsWith($"EMP-", StringComparison.Ordinal));
    }

    /// <summary>
    /// Eight workers (each with its own connector and session, as separate instances would have) meet the same new
    /// customer, project and consultant at once: Tryton ends with one of each, and every worker got that one.
    /// </summary>
    [Fact]
    public async Task Concurrent_first_creates_of_a_customer_a_project_and_a_consultant_leave_one_record_each()
    {
        const int Workers = 8;
        var client = tryton.NewClient();
        var draft = Customer($"ACC-{_run}");
        var customers = await Task.WhenAll(Enumerable.Range(0, Workers).Select(_ => tryton.NewErp().CreateCustomerAsync(draft, CancellationToken.None)));
        Assert.Single(customers.Select(c => c.CustomerNumber).Distinct());
        Assert.Single(await client.SearchAsync("party.party", new object[] { new object[] { "identifiers.code", "=", TrytonErp.Marker + draft.ExternalId } }, CancellationToken.None));

        var projects = await Task.WhenAll(Enumerable.Range(0, Workers).Select(_ => tryton.NewErp().CreateProjectAsync(Project($"PRJ-{_run}", customers[0]), CancellationToken.None)));
        Assert.Single(projects.Select(p => p.ErpProjectCode).Distinct());
        Assert.Single(await client.SearchAsync("project.work",
            new object[] { new object[] { "type", "=", "project" }, new object[] { "comment", "=", TrytonErp.Marker + $"PRJ-{_run}" } }, CancellationToken.None));

        // A new consultant's first approved entries, posted one per record on eight workers at once.
        var resource = $"EMP-NEW-{_run}";
        var postings = await Task.WhenAll(Enumerable.Range(1, Workers).Select(i =>
            tryton.NewErp().PostTimeAsync(TimeLine($"TE-{i}", projects[0], resource, 1m), CancellationToken.None)));
        Assert.Equal(Workers, postings.Select(p => p.ErpDocumentId).Distinct().Count());
        var parties = await client.SearchAsync("party.party", new object[] { new object[] { "identifiers.code", "=", $"{TrytonErp.Marker}resource:{resource}" } }, CancellationToken.None);
        var party = Assert.Single(parties);
        var employee = Assert.Single(await client.SearchAsync("company.employee", new object[] { new object[] { "party", "=", party } }, CancellationToken.None));
        var lines = await client.SearchReadAsync<TimesheetRow>("timesheet.line",
            new object[] { new object[] { "description", "like", $"{TrytonErp.Marker}{_run}-TE-%" } }, ["duration", "employee"], CancellationToken.None);
        Assert.Equal(Workers, lines.Count);
        Assert.All(lines, l => Assert.Equal(employee, l.Employee));
    }

    /// <summary>
    /// A batched line holds several entries' hours; revoking one entry takes its hours off that line (Tryton refuses a
    /// line of negative hours) and leaves a zero-hour line that says so. A repeat changes nothing; more hours than the line
    /// holds are refused.
    /// </summary>
    [Fact]
    public async Task A_partial_reversal_lowers_the_aggregated_line_and_leaves_a_line_that_explains_it()
    {
        var erp = tryton.NewErp();
        var project = await NewProjectAsync(erp);
        var aggregate = TimeLine("TA-1", project, $"EMP-{_run}", 12m);
        await erp.PostTimeAsync(aggregate, CancellationToken.None);
        var reversal = new ErpTimeReversal($"{_run}-TE-7-V1-REV", aggregate.ExternalId, project.ErpProjectCode, aggregate.ResourceId, WorkDay, 4m, true, "Consultant", _run);

        var first = await erp.ReverseTimeLineAsync(reversal, CancellationToken.None);
        var again = await erp.ReverseTimeLineAsync(reversal, CancellationToken.None);
        var tooMuch = await Assert.ThrowsAsync<ErpException>(() => erp.ReverseTimeLineAsync(reversal with { ExternalId = $"{_run}-TE-8-V1-REV", Hours = 9m }, CancellationToken.None));

        Assert.Equal(first, again);
        Assert.Equal(ErpFailureKind.Rejected, tooMuch.Kind);
        var lines = await tryton.NewClient().SearchReadAsync<DescribedTimesheetRow>("timesheet.line",
            new object[] { new object[] { "description", "like", $"%{_run}-%" } }, ["duration", "description"], CancellationToken.None);
        Assert.Equal(
            [($"{TrytonErp.Marker}{aggregate.ExternalId}", 8.0), ($"{TrytonErp.Marker}{reversal.ExternalId}: 4 h taken back from {TrytonErp.Marker}{aggregate.ExternalId}", 0.0)],
            lines.OrderBy(l => l.Id).Select(l => (l.Description, l.Duration.TotalHours)));
    }

    private sealed record DescribedTimesheetRow(int Id, TimeSpan Duration, string Description);

    [Fact]
    public async Task A_reversal_zeroes_the_hours_once_and_an_unknown_line_has_no_reversal()
    {
        var erp = tryton.NewErp();
        var project = await NewProjectAsync(erp);
        var line = TimeLine("TE-1", project, $"EMP-{_run}", 5m);
        await erp.PostTimeAsync(line, CancellationToken.None);

        var reversal = await erp.ReverseTimeAsync(line.ExternalId, $"{line.ExternalId}-R", CancellationToken.None);
        var again = await erp.ReverseTimeAsync(line.ExternalId, $"{line.ExternalId}-R", CancellationToken.None);

        Assert.NotNull(reversal);
        Assert.Equal(reversal, again);
        Assert.Null(await erp.ReverseTimeAsync($"{_run}-nothing", $"{_run}-nothing-R", CancellationToken.None));
        var hours = await tryton.NewClient().SearchReadAsync<TimesheetRow>("timesheet.line",
            new object[] { new object[] { "description", "like", $"{TrytonErp.Marker}{_run}-%" } }, ["duration", "employee"], CancellationToken.None);
        Assert.Equal(2, hours.Count);
        Assert.All(hours, h => Assert.Equal(TimeSpan.Zero, h.Duration));
    }

    [Fact]
    public async Task A_line_for_a_missing_project_fails_alone_in_its_batch()
    {
        var erp = tryton.NewErp();
        var project = await NewProjectAsync(erp);

        var results = await erp.PostTimeLinesAsync([TimeLine("TE-1", project, $"EMP-{_run}", 1m), TimeLine("TE-2", project with { ErpProjectCode = "999999" }, $"EMP-{_run}", 1m)], CancellationToken.None);

        Assert.NotNull(results[0].Posting);
        Assert.Equal(ErpFailureKind.Rejected, results[1].Failure!.Kind);
        Assert.Contains("999999", results[1].Failure!.Message);
    }

    [Fact]
    public async Task An_invoice_goes_from_draft_through_lines_to_posted_with_Trytons_totals()
    {
        var erp = tryton.NewErp();
        var project = await NewProjectAsync(erp);
        var batch = $"BB-{_run}";

        var draft = await erp.CreateDraftInvoiceAsync(InvoiceDraft(batch, project), CancellationToken.None);
        Assert.Equal(draft.InvoiceId, (await erp.CreateDraftInvoiceAsync(InvoiceDraft(batch, project), CancellationToken.None)).InvoiceId);
        await erp.SetInvoiceLinesAsync(draft.InvoiceId, [new("Consultant – 8 h at 150.00", 8m, 150m, 1200m)], CancellationToken.None);
        var withLines = await erp.SetInvoiceLinesAsync(draft.InvoiceId, Lines, CancellationToken.None);
        var posted = await erp.PostInvoiceAsync(draft.InvoiceId, CancellationToken.None);

        Assert.Equal((ErpInvoiceStatus.Draft, null), (draft.Status, draft.Number));
        Assert.Equal(3, withLines.Lines.Count);
        Assert.Equal(ErpInvoiceStatus.Posted, posted.Status);
        Assert.StartsWith($"INV/{LiveCalendar.Today.Year}/", posted.Number);
        Assert.Equal(Lines.Sum(l => l.Amount), posted.Net);
        Assert.Equal(posted.Net + posted.Tax, posted.Gross);
        Assert.Equal(Lines, posted.Lines);
        Assert.Equal(Summary(posted), Summary(await erp.PostInvoiceAsync(draft.InvoiceId, CancellationToken.None)));
        Assert.Equal(Summary(posted), Summary((await erp.FindInvoiceByBatchAsync(batch, CancellationToken.None))!));
    }

    [Fact]
    public async Task A_cancelled_draft_stays_cancelled_and_cancelling_again_is_harmless()
    {
        var erp = tryton.NewErp();
        var project = await NewProjectAsync(erp);
        var draft = await erp.CreateDraftInvoiceAsync(InvoiceDraft($"BB-{_run}", project), CancellationToken.None);

        await erp.CancelDraftInvoiceAsync(draft.InvoiceId, CancellationToken.None);
        await erp.CancelDraftInvoiceAsync(draft.InvoiceId, CancellationToken.None);

        Assert.Equal(ErpInvoiceStatus.Cancelled, (await erp.FindInvoiceByBatchAsync($"BB-{_run}", CancellationToken.None))!.Status);
    }

    [Fact]
    public async Task Payments_made_in_Tryton_show_in_the_change_feed_as_partial_then_paid()
    {
        var erp = tryton.NewErp();
        var start = await TrytonFeed.EndAsync(erp);
        var invoice = await PostedInvoiceAsync(erp);
        var office = new TrytonBackOffice(tryton.NewClient());

        var afterPost = Latest(await ChangesSinceAsync(erp, start), invoice.InvoiceId);
        await office.PayAsync(invoice.InvoiceId, 400m, LiveCalendar.Today);
        var afterPartial = Latest(await ChangesSinceAsync(erp, afterPost.Watermark), invoice.InvoiceId);
        await office.PayAsync(invoice.InvoiceId, invoice.Gross - 400m, LiveCalendar.Today);
        var afterFull = Latest(await ChangesSinceAsync(erp, afterPartial.Watermark), invoice.InvoiceId);

        Assert.Equal((0m, invoice.Gross, ErpDocumentKind.Invoice, $"BB-{_run}"), (afterPost.AmountPaid, afterPost.Balance, afterPost.Kind, afterPost.BillingBatchId));
        Assert.NotNull(afterPost.DueDate);
        Assert.Equal((400m, invoice.Gross - 400m, ErpInvoiceStatus.Posted), (afterPartial.AmountPaid, afterPartial.Balance, afterPartial.Status));
        Assert.Equal((invoice.Gross, 0m), (afterFull.AmountPaid, afterFull.Balance));
        Assert.True(afterPost.Version < afterPartial.Version && afterPartial.Version < afterFull.Version);
    }

    [Fact]
    public async Task The_change_feed_pages_by_watermark_without_losing_or_repeating_a_change()
    {
        var erp = tryton.NewErp();
        var start = await TrytonFeed.EndAsync(erp);
        var posted = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            posted.Add((await PostedInvoiceAsync(erp, $"{i}")).InvoiceId);
        }

        var seen = new List<string>();
        var watermark = start;
        ErpInvoiceChangePage page;
        do
        {
            page = await erp.GetInvoiceChangesAsync(watermark, 1, CancellationToken.None);
            seen.AddRange(page.Changes.Select(c => c.InvoiceId));
            watermark = page.Changes.Count > 0 ? page.Changes[^1].Watermark : watermark;
        }
        while (page.HasMore);

        Assert.Equal(posted, seen.Where(posted.Contains));
        Assert.Equal(seen.Count, seen.Distinct().Count());
    }

    [Fact]
    public async Task A_credit_posts_a_credit_note_once_and_the_feed_shows_it_as_a_credit_memo()
    {
        var erp = tryton.NewErp();
        var start = await TrytonFeed.EndAsync(erp);
        var invoice = await PostedInvoiceAsync(erp);

        var credited = await erp.CreditInvoiceAsync(invoice.InvoiceId, "Wrong rate", CancellationToken.None);
        var again = await erp.CreditInvoiceAsync(invoice.InvoiceId, "Wrong rate", CancellationToken.None);

        Assert.Equal(ErpInvoiceStatus.Credited, credited.Status);
        Assert.Equal(credited.CreditMemoId, again.CreditMemoId);
        var memo = Latest(await ChangesSinceAsync(erp, start), credited.CreditMemoId!);
        Assert.Equal((ErpDocumentKind.CreditMemo, invoice.InvoiceId, $"BB-{_run}", -invoice.Gross),
            (memo.Kind, memo.CreditedInvoiceId, memo.BillingBatchId, memo.Gross));
        Assert.Equal(ErpInvoiceStatus.Credited, Latest(await ChangesSinceAsync(erp, start), invoice.InvoiceId).Status);
    }

    [Fact]
    public async Task An_invoice_carries_the_date_it_is_given_and_falls_due_by_the_customers_payment_term()
    {
        var erp = tryton.NewErp();
        var start = await TrytonFeed.EndAsync(erp);

        var invoice = await PostedInvoiceAsync(erp);
        var change = Latest(await ChangesSinceAsync(erp, start), invoice.InvoiceId);
        var reference = await erp.GetReferenceDataAsync(CancellationToken.None);

        Assert.Equal(LiveCalendar.Today, change.InvoiceDate);
        Assert.Equal(new ErpPaymentTermDue(0, 30), reference.PaymentTermDues["NET30"]);
        Assert.Equal(LiveCalendar.Today.AddDays(30), change.DueDate);
    }

    [Fact]
    public async Task A_closed_fiscal_period_refuses_the_invoice_with_a_readable_PeriodClosed()
    {
        var erp = tryton.NewErp();
        var project = await NewProjectAsync(erp);
        var closedDay = LiveCalendar.DayInLastFiscalYear;
        var closedPeriod = LedgerEntry.PeriodOf(closedDay);
        var draft = await erp.CreateDraftInvoiceAsync(InvoiceDraft($"BB-{_run}", project, closedDay), CancellationToken.None);
        await erp.SetInvoiceLinesAsync(draft.InvoiceId, Lines, CancellationToken.None);
        await new TrytonBackOffice(tryton.NewClient()).ClosePeriodAsync(closedDay);

        var posting = await Assert.ThrowsAsync<ErpException>(() => erp.PostInvoiceAsync(draft.InvoiceId, CancellationToken.None));
        var drafting = await Assert.ThrowsAsync<ErpException>(() => erp.CreateDraftInvoiceAsync(InvoiceDraft($"BB2-{_run}", project, closedDay), CancellationToken.None));

        Assert.False(await erp.IsFiscalPeriodOpenAsync("PSUS", closedPeriod, CancellationToken.None));
        Assert.True(await erp.IsFiscalPeriodOpenAsync("PSUS", Period, CancellationToken.None));
        Assert.Equal((ErpFailureKind.PeriodClosed, ErpFailureKind.PeriodClosed), (posting.Kind, drafting.Kind));
        Assert.Contains($"fiscal period {closedPeriod}, which is closed", posting.Message);
        Assert.Equal(ErpInvoiceStatus.Draft, (await erp.FindInvoiceByBatchAsync($"BB-{_run}", CancellationToken.None))!.Status);
    }

    private static (string, ErpInvoiceStatus, string?, decimal, int) Summary(ErpInvoice invoice) =>
        (invoice.InvoiceId, invoice.Status, invoice.Number, invoice.Gross, invoice.Lines.Count);

    private static readonly ErpInvoiceLine[] Lines =
    [
        new("Consultant – 8 h at 150.00", 8m, 150m, 1200m),
        new("Senior Consultant – 6 h at 190.00", 6m, 190m, 1140m),
        new("Travel (10% markup)", 1m, 528m, 528m),
    ];

    private ErpCustomerDraft Customer(string externalId) =>
        new(externalId, $"Contract Test {_run} LLC", "US", "USD", $"US-{_run}", "NET30", "PSUS", RequiresPurchaseOrder: false, _run);

    private ErpProjectDraft Project(string psaProjectId, ErpCustomer customer) =>
        new(psaProjectId, customer.CustomerNumber, $"Rollout {_run}", "PSUS", "USD", BillingModel.TimeAndMaterials, "MSA-1", null, "US-EXEMPT",
            new ErpDimensions("CC-100", "DEP-ADV", "REV-SERVICES"), null, new DateOnly(2026, 1, 1), null, _run);

    private ErpTimeLine TimeLine(string id, ErpProject project, string resource, decimal hours) =>
        new($"{_run}-{id}", project.ErpProjectCode, resource, WorkDay, hours, true, "Consultant", _run);

    /// <summary>A draft of the previous month's services, dated today (as billing dates it by default) unless told otherwise.</summary>
    private static ErpInvoiceDraft InvoiceDraft(string batch, ErpProject project, DateOnly? invoiceDate = null) =>
        new(batch, project.CustomerNumber!, project.ErpProjectCode, Period, invoiceDate ?? LiveCalendar.Today,
            $"Contract test: {BillingDates.ServicePeriodText(Period)}", "USD", null, "US-EXEMPT", batch);

    private async Task<ErpProject> NewProjectAsync(TrytonErp erp, string suffix = "")
    {
        var customer = await erp.CreateCustomerAsync(Customer($"ACC-{_run}{suffix}"), CancellationToken.None);
        return await erp.CreateProjectAsync(Project($"PRJ-{_run}{suffix}", customer), CancellationToken.None);
    }

    private async Task<ErpInvoice> PostedInvoiceAsync(TrytonErp erp, string suffix = "")
    {
        var project = await NewProjectAsync(erp, suffix);
        var draft = await erp.CreateDraftInvoiceAsync(InvoiceDraft($"BB-{_run}{suffix}", project), CancellationToken.None);
        await erp.SetInvoiceLinesAsync(draft.InvoiceId, Lines, CancellationToken.None);
        return await erp.PostInvoiceAsync(draft.InvoiceId, CancellationToken.None);
    }

    private static async Task<List<ErpInvoiceChange>> ChangesSinceAsync(TrytonErp erp, string? watermark)
    {
        var page = await erp.GetInvoiceChangesAsync(watermark, 1000, CancellationToken.None);
        Assert.False(page.HasMore);
        return [.. page.Changes];
    }

    private static ErpInvoiceChange Latest(List<ErpInvoiceChange> changes, string invoiceId) =>
        changes.Last(c => c.InvoiceId == invoiceId);

    private sealed record TimesheetRow(int Id, TimeSpan Duration, int Employee);
}
