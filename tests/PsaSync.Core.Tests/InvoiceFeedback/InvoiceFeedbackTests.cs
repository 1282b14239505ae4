using NSubstitute;
using PsaSync.Connectors.Sandbox;
using PsaSync.Connectors.Sandbox.Erp;
using PsaSync.Connectors.Sandbox.Psa;
using PsaSync.Core.Billing;
using PsaSync.Core.Events;
using PsaSync.Core.Exceptions;
using PsaSync.Core.Messaging;
using PsaSync.Core.Model;
using PsaSync.Core.Tracing;
using PsaSync.Core.InvoiceFeedback;
using PsaSync.Core.Ports;
using PsaSync.Core.Tests.Sandbox;
using PsaSync.Core.Tests.Support;

namespace PsaSync.Core.Tests.InvoiceFeedback;

public sealed class InvoiceFeedbackTests
{
    private const string ProjectId = "PRJ-1";
    private const string Period = "2026-03";
    private static readonly BillingRequest Request = new(ProjectId, Period);

    private readonly FakeTimeProvider _clock = new(TestData.Now);
    private readonly SandboxErp _erp = new(new SandboxFaultOptions());
    private readonly SandboxPsa _psa = new(new SandboxFaultOptions());
    private readonly InMemoryLedger _ledger = new();
    private readonly InMemoryInvoiceRegister _register = new();
    private readonly InMemoryWatermarkStore _watermarks = new();
    private readonly InMemoryCorrelationLog _trace = new();
    private readonly InMemoryExceptionStore _exceptions;

    public InvoiceFeedbackTests() => _exceptions = new InMemoryExceptionStore(_clock);

    private InvoiceFeedbackJob Job(IPsaConnector? psa = null, int pageSize = 100) =>
        new(_erp, _watermarks, new InvoiceChangeApplier(_register, _ledger, psa ?? _psa, _exceptions, _trace, _clock)) { PageSize = pageSize };

    /// <summary>Two time entries billed on one posted invoice of 1,000.00 net (1,190.00 gross with 19% VAT), as the billing workflow leaves them.</summary>
    private async Task<ErpInvoice> BilledInvoiceAsync(string projectId = ProjectId)
    {
        var request = new BillingRequest(projectId, Period);
        if (_erp.Customers.Count == 0)
        {
            await _erp.CreateCustomerAsync(SandboxMasterData.CustomerDraft(), CancellationToken.None);
        }
        _erp.SeedProject(new ErpProject($"EP-{projectId}", projectId, Active: true));
        foreach (var id in new[] { "TE-1", "TE-2" })
        {
            await _ledger.AddAsync(LedgerEntry.ForTime(TestData.TimeEntry(entryId: $"{projectId}-{id}", projectId: projectId), $"corr-{projectId}-{id}"), CancellationToken.None);
        }
        await _ledger.ReserveAsync(projectId, Period, request.BatchId, CancellationToken.None);
        var draft = await _erp.CreateDraftInvoiceAsync(new ErpInvoiceDraft(request.BatchId, "CUST-00001", $"EP-{projectId}", Period,
            BillingDates.For(Period, _clock.GetUtcNow().UtcDateTime, InvoiceDating.RunDay).InvoiceDate, "Services", "EUR", null, "DE-VAT-19", "corr"), CancellationToken.None);
        await _erp.SetInvoiceLinesAsync(draft.InvoiceId, [new ErpInvoiceLine("Consultant", 8m, 125m, 1000m)], CancellationToken.None);
        var posted = await _erp.PostInvoiceAsync(draft.InvoiceId, CancellationToken.None);
        await _ledger.MarkBilledAsync(projectId, Period, request.BatchId, posted.InvoiceId, CancellationToken.None);
        return posted;
    }

    [Fact]
    public async Task A_partial_then_a_full_payment_reach_the_PSA_in_order_with_their_balances()
    {
        var invoice = await BilledInvoiceAsync();
        await Job().RunAsync(CancellationToken.None);
        _erp.SettleInvoice(invoice.InvoiceId, 400m);
        await Job().RunAsync(CancellationToken.None);
        _erp.SettleInvoice(invoice.InvoiceId, 790m);
        var summary = await Job().RunAsync(CancellationToken.None);

        Assert.Equal(
            [(PsaInvoiceState.Issued, 0m, 1190m), (PsaInvoiceState.PartiallyPaid, 400m, 790m), (PsaInvoiceState.Paid, 1190m, 0m)],
            _psa.InvoiceHistory.Select(i => (i.State, i.Paid, i.Balance)));
        var shown = _psa.Invoices[invoice.InvoiceId];
        Assert.Equal((invoice.Number, ProjectId, Period, 1000m, 190m), (shown.Number, shown.ProjectId, shown.Period, shown.Net, shown.Tax));
        Assert.Equal(["PRJ-1-TE-1", "PRJ-1-TE-2"], shown.BilledRecordIds.Order());
        Assert.StartsWith("1 invoice change(s) applied", summary);
        // Each billed entry's own timeline ends with its invoice being paid.
        Assert.Contains("paid in full", _trace.Entries.Last(e => e.CorrelationId == "corr-PRJ-1-TE-1").Detail);
    }

    [Fact]
    public async Task Payments_made_between_two_polls_all_reach_the_PSA_in_order()
    {
        var invoice = await BilledInvoiceAsync();
        _erp.SettleInvoice(invoice.InvoiceId, 100m);
        _erp.SettleInvoice(invoice.InvoiceId, 1090m);

        await Job(pageSize: 2).RunAsync(CancellationToken.None);

        Assert.Equal([1L, 2L, 3L], _psa.InvoiceHistory.Select(i => i.Version));
        Assert.Equal(PsaInvoiceState.Paid, _psa.Invoices[invoice.InvoiceId].State);
    }

    [Fact]
    public async Task A_credit_memo_takes_the_records_off_the_invoice_in_the_PSA()
    {
        var invoice = await BilledInvoiceAsync();
        await Job().RunAsync(CancellationToken.None);
        Assert.Equal(invoice.InvoiceId, _psa.InvoiceOf("PRJ-1-TE-1")!.InvoiceId);

        var credited = await _erp.CreditInvoiceAsync(invoice.InvoiceId, "wrong rate", CancellationToken.None);
        await Job().RunAsync(CancellationToken.None);

        Assert.Null(_psa.InvoiceOf("PRJ-1-TE-1"));
        Assert.Equal(PsaInvoiceState.Credited, _psa.Invoices[invoice.InvoiceId].State);
        var memo = _psa.Invoices[credited.CreditMemoId!];
        Assert.Equal((PsaInvoiceState.CreditMemo, invoice.InvoiceId, -1190m), (memo.State, memo.CreditedInvoiceId, memo.Gross));
    }

    [Fact]
    public async Task A_poll_cut_short_mid_page_neither_loses_nor_repeats_a_change()
    {
        var first = await BilledInvoiceAsync("PRJ-1");
        var second = await BilledInvoiceAsync("PRJ-2");
        _erp.SettleInvoice(first.InvoiceId, 100m);
        _erp.SettleInvoice(second.InvoiceId, 1190m);
        // The PSA fails on the third change of the page: the first two are applied, the rest are not.
        var calls = 0;
        var flaky = Substitute.For<IPsaConnector>();
        flaky.ApplyInvoiceStatusAsync(Arg.Any<PsaInvoiceStatus>(), Arg.Any<CancellationToken>()).Returns(call =>
            ++calls == 3 ? throw new PsaUnavailableException("503") : _psa.ApplyInvoiceStatusAsync(call.Arg<PsaInvoiceStatus>(), CancellationToken.None));

        await Assert.ThrowsAsync<PsaUnavailableException>(() => Job(flaky).RunAsync(CancellationToken.None));
        Assert.Equal(2, _psa.InvoiceHistory.Count);
        await Job(flaky).RunAsync(CancellationToken.None);
        await Job(flaky).RunAsync(CancellationToken.None);

        Assert.Equal(
            [(first.InvoiceId, 1L), (second.InvoiceId, 1L), (first.InvoiceId, 2L), (second.InvoiceId, 2L)],
            _psa.InvoiceHistory.Select(i => (i.InvoiceId, i.Version)));
        Assert.Equal("0000000004", (await _watermarks.GetAsync(InvoiceFeedbackJob.WatermarkName, CancellationToken.None))!.Value);
    }

    [Fact]
    public async Task A_draft_cancelled_by_a_compensated_billing_run_never_reaches_the_PSA_but_an_issued_invoice_does()
    {
        // A billing run that compensates cancels its draft. An ERP whose feed lists every document that is not a draft
        // (Tryton) then shows a cancelled invoice of the batch without a number; the poll and a webhook both bring it.
        var issued = await BilledInvoiceAsync();
        var posted = (await _erp.GetInvoiceChangesAsync(null, 10, CancellationToken.None)).Changes.Single();
        var compensated = new BillingRequest(ProjectId, "2026-02");
        var cancelledDraft = posted with
        {
            InvoiceId = "INV-DRAFT-9", Version = 1, Watermark = "0000000002", BillingBatchId = compensated.BatchId, Number = null,
            Status = ErpInvoiceStatus.Cancelled, AmountPaid = 0m, Balance = 0m,
        };
        var erp = Substitute.For<IErpConnector>();
        erp.GetInvoiceChangesAsync(null, Arg.Any<int>(), Arg.Any<CancellationToken>()).Returns(new ErpInvoiceChangePage([cancelledDraft, posted with { Watermark = "0000000003" }], false));
        var job = new InvoiceFeedbackJob(erp, _watermarks, new InvoiceChangeApplier(_register, _ledger, _psa, _exceptions, _trace, _clock));

        var summary = await job.RunAsync(CancellationToken.None);

        var shown = Assert.Single(_psa.InvoiceHistory);
        Assert.Equal((issued.InvoiceId, PsaInvoiceState.Issued), (shown.InvoiceId, shown.State));
        Assert.False(_register.Invoices.ContainsKey(cancelledDraft.InvoiceId));
        Assert.Contains("1 cancelled draft(s) never issued", summary);
        Assert.Empty(_exceptions.Open);
        Assert.Equal(InvoiceChangeOutcome.NeverIssued,
            await new InvoiceChangeApplier(_register, _ledger, _psa, _exceptions, _trace, _clock).ApplyAsync(cancelledDraft, CancellationToken.None));

        // An issued invoice that is cancelled later (it has its number) is still news for the PSA.
        Assert.Equal(InvoiceChangeOutcome.Applied, await new InvoiceChangeApplier(_register, _ledger, _psa, _exceptions, _trace, _clock)
            .ApplyAsync(posted with { Version = 2, Status = ErpInvoiceStatus.Cancelled }, CancellationToken.None));
        Assert.Equal(PsaInvoiceState.Cancelled, _psa.InvoiceHistory[^1].State);
    }

    [Fact]
    public async Task A_change_seen_again_or_older_than_the_one_applied_is_a_duplicate()
    {
        var invoice = await BilledInvoiceAsync();
        _erp.SettleInvoice(invoice.InvoiceId, 100m);
        var changes = (await _erp.GetInvoiceChangesAsync(null, 10, CancellationToken.None)).Changes;
        var applier = new InvoiceChangeApplier(_register, _ledger, _psa, _exceptions, _trace, _clock);

        Assert.Equal(InvoiceChangeOutcome.Applied, await applier.ApplyAsync(changes[1], CancellationToken.None));
        Assert.Equal(InvoiceChangeOutcome.Duplicate, await applier.ApplyAsync(changes[0], CancellationToken.None));
        Assert.Equal(InvoiceChangeOutcome.Duplicate, await applier.ApplyAsync(changes[1], CancellationToken.None));
        Assert.Equal(InvoiceChangeOutcome.Draft, await applier.ApplyAsync(changes[0] with { InvoiceId = "INV-X", Status = ErpInvoiceStatus.Draft }, CancellationToken.None));
        Assert.Equal([2L], _psa.InvoiceHistory.Select(i => i.Version));
    }

    [Fact]
    public async Task An_ERP_invoice_PsaSync_did_not_make_is_raised_once_for_finance_and_not_shown_in_the_PSA()
    {
        var invoice = await BilledInvoiceAsync();
        var change = (await _erp.GetInvoiceChangesAsync(null, 10, CancellationToken.None)).Changes[0] with { InvoiceId = "INV-HAND-1", BillingBatchId = "hand-made", Number = "INV-2026-99999" };
        var applier = new InvoiceChangeApplier(_register, _ledger, _psa, _exceptions, _trace, _clock);

        Assert.Equal(InvoiceChangeOutcome.Unknown, await applier.ApplyAsync(change, CancellationToken.None));
        Assert.Equal(InvoiceChangeOutcome.Duplicate, await applier.ApplyAsync(change, CancellationToken.None));

        var item = Assert.Single(_exceptions.Open);
        Assert.Equal(ReasonCodes.ErpInvoiceUnknown.Code, item.ReasonCode);
        Assert.Contains("INV-2026-99999", item.Message);
        Assert.Empty(_psa.InvoiceHistory);
        Assert.Null(_register.Invoices["INV-HAND-1"].ProjectId);
        Assert.NotNull(invoice);
    }

    [Theory]
    [InlineData("billing-PRJ-1-2026-03", "PRJ-1", "2026-03")]
    [InlineData("billing-ACME-EU-7-2025-12", "ACME-EU-7", "2025-12")]
    [InlineData("billing-PRJ-1-2026-03-a2", "PRJ-1", "2026-03")]
    [InlineData("billing-PRJ-a2-2026-03-a12", "PRJ-a2", "2026-03")]
    [InlineData("billing-P-2026-13", null, null)]
    [InlineData("billing--2026-03", null, null)]
    [InlineData("invoice-PRJ-1-2026-03", null, null)]
    [InlineData(null, null, null)]
    public void A_billing_batch_id_gives_back_its_project_and_period(string? batchId, string? projectId, string? period)
    {
        var request = BillingRequest.FromBatchId(batchId);
        Assert.Equal((projectId, period), (request?.ProjectId, request?.Period));
        Assert.Equal(batchId?.EndsWith("-a2", StringComparison.Ordinal) == true ? 2 : batchId?.EndsWith("-a12", StringComparison.Ordinal) == true ? 12 : 1, request?.Attempt ?? 1);
        if (request is not null)
        {
            Assert.Equal(batchId, request.BatchId);
        }
        Assert.Equal("billing-PRJ-1-2026-03", Request.BatchId);
    }
}

/// <summary>Issue 17, item 6: every accepted ERP invoice change ends its own timeline with a terminal step.</summary>
public sealed class InvoiceChangedHandlerTerminalStepTests
{
    private readonly FakeTimeProvider _clock = new(TestData.Now);
    private readonly InMemoryCorrelationLog _trace = new();
    private readonly InMemoryExceptionStore _exceptions;
    private readonly InvoiceChangedHandler _handler;

    public InvoiceChangedHandlerTerminalStepTests()
    {
        _exceptions = new InMemoryExceptionStore(_clock);
        var applier = new InvoiceChangeApplier(new InMemoryInvoiceRegister(), new InMemoryLedger(), new SandboxPsa(new SandboxFaultOptions()), _exceptions, _trace, _clock);
        _handler = new InvoiceChangedHandler(applier, new HandlerSupport(_exceptions, _trace, _clock, new RecordingTelemetry()));
    }

    private static EventEnvelope Envelope(ErpInvoiceChange change) =>
        EventEnvelope.Create(new InvoiceChanged(change), "erp", $"erp/invoice/{change.InvoiceId}", $"erp:invoice:{change.InvoiceId}:v{change.Version}",
            $"corr-{change.InvoiceId}-{change.Version}", TestData.Now);

    private static ErpInvoiceChange Change(string invoiceId, string? batch, ErpInvoiceStatus status = ErpInvoiceStatus.Posted) =>
        new(invoiceId, 1, "w1", ErpDocumentKind.Invoice, batch, "INV-2026-00001", status, TestData.WorkDate, TestData.WorkDate.AddDays(30),
            100m, 19m, 119m, 0m, 0m, 119m, "EUR", null);

    [Fact]
    public async Task A_change_to_an_invoice_PsaSync_never_issued_is_rejected_with_one_item_for_finance()
    {
        var result = await _handler.HandleAsync(Envelope(Change("INV-HAND-1", "hand-made")), false, CancellationToken.None);

        var rejected = Assert.IsType<HandlerResult.Rejected>(result);
        Assert.Equal(ReasonCodes.ErpInvoiceUnknown.Code, rejected.ReasonCode);
        var item = Assert.Single(_exceptions.Open);
        Assert.Equal(new RecordRef("erp", "invoice", "INV-HAND-1"), item.SourceRecord);
    }

    [Fact]
    public async Task A_draft_ends_its_timeline_as_ignored_and_a_repeat_as_duplicate_absorbed()
    {
        await _handler.HandleAsync(Envelope(Change("INV-D-1", "hand-made", ErpInvoiceStatus.Draft)), false, CancellationToken.None);
        await _handler.HandleAsync(Envelope(Change("INV-HAND-2", "hand-made")), false, CancellationToken.None);
        await _handler.HandleAsync(Envelope(Change("INV-HAND-2", "hand-made")), true, CancellationToken.None);

        Assert.Contains(_trace.Entries, e => e.CorrelationId == "corr-INV-D-1-1" && e.Step == TraceSteps.Ignored);
        Assert.Contains(_trace.Entries, e => e.CorrelationId == "corr-INV-HAND-2-1" && e.Step == TraceSteps.DuplicateAbsorbed);
    }
}
