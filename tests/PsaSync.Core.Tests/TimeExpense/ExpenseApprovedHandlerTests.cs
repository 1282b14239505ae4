using NSubstitute;
using PsaSync.Core.Billing;
using PsaSync.Core.Exceptions;
using PsaSync.Core.Messaging;
using PsaSync.Core.Model;
using PsaSync.Core.Tests.Support;
using PsaSync.Core.TimeExpense;
using PsaSync.Core.Tracing;
using static PsaSync.Core.Tests.TimeExpense.ExpenseAndMilestoneTestData;

namespace PsaSync.Core.Tests.TimeExpense;

public class ExpenseApprovedHandlerTests
{
    private readonly IExceptionStore _exceptions = Substitute.For<IExceptionStore>();
    private readonly ICorrelationLog _correlationLog = Substitute.For<ICorrelationLog>();
    private readonly InMemoryLedger _ledger = new();
    private readonly InMemoryProjectProfiles _projects = new();
    private readonly ExpenseApprovedHandler _handler;

    public ExpenseApprovedHandlerTests()
    {
        var clock = new FakeTimeProvider(TestData.Now);
        var support = new HandlerSupport(_exceptions, _correlationLog, clock, new RecordingTelemetry());
        _handler = new ExpenseApprovedHandler(_projects, _ledger, new TestParking(support, clock).Parking, support);
        _projects.Projects[TestData.PsaProjectId] = Project();
    }

    private Task<HandlerResult> HandleAsync(Expense expense, bool isRedelivery = false) =>
        _handler.HandleAsync(Envelope(expense), isRedelivery, CancellationToken.None);

    [Fact]
    public void It_handles_expense_approved_events()
    {
        Assert.Equal("psasync.expense.approved", _handler.EventType);
    }

    [Fact]
    public async Task A_billable_expense_is_ledgered_with_its_markup()
    {
        var expense = Expense(expenseId: "EX-9", version: 2, amount: 123.45m, markupPercent: 10m, receiptReference: "R-1");
        var envelope = Envelope(expense);

        var result = await _handler.HandleAsync(envelope, isRedelivery: false, CancellationToken.None);

        Assert.Equal(new HandlerResult.Done("ledger:expense:EX-9:v2"), result);
        var entry = Assert.Single(_ledger.Entries);
        Assert.Equal(LedgerEntryKind.Expense, entry.Kind);
        Assert.Equal(135.80m, entry.Amount); // 123.45 × 1.1 = 135.795 → away from zero
        Assert.Equal(1m, entry.Quantity);
        Assert.Equal("EUR", entry.Currency);
        Assert.Equal("2026-03", entry.Period);
        Assert.Equal("expense:EX-9:v2", entry.EntryKey);
        Assert.Equal("Travel 2026-03-09 (receipt R-1)", entry.Description);
        Assert.Equal(envelope.CorrelationId, entry.CorrelationId);
        await _exceptions.DidNotReceiveWithAnyArgs().RaiseAsync(default!, default);
        await _correlationLog.Received(1).AppendAsync(Arg.Is<TraceEntry>(t => t.Step == TraceSteps.Ledgered), Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task A_repeat_adds_nothing_and_is_still_done()
    {
        await HandleAsync(Expense());

        var again = await HandleAsync(Expense(), isRedelivery: true);

        Assert.IsType<HandlerResult.Done>(again);
        Assert.Single(_ledger.Entries);
        await _correlationLog.Received(1).AppendAsync(Arg.Is<TraceEntry>(t => t.Step == TraceSteps.Ledgered), Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task A_non_billable_expense_is_accepted_traced_and_not_ledgered()
    {
        var result = await HandleAsync(Expense(billable: false));

        Assert.IsType<HandlerResult.Done>(result);
        Assert.Empty(_ledger.Entries);
        await _correlationLog.Received(1).AppendAsync(Arg.Is<TraceEntry>(t => t.Detail.Contains("not billable")), Arg.Any<CancellationToken>());
        await _exceptions.DidNotReceiveWithAnyArgs().RaiseAsync(default!, default);
    }

    [Theory]
    [InlineData("0", "EXPENSE_AMOUNT_INVALID")]
    [InlineData("-5", "EXPENSE_AMOUNT_INVALID")]
    [InlineData("100000", "EXPENSE_AMOUNT_INVALID")]
    public async Task An_amount_out_of_range_is_one_exception_item(string amount, string code)
    {
        var result = await HandleAsync(Expense(expenseId: "EX-5", amount: decimal.Parse(amount, System.Globalization.CultureInfo.InvariantCulture)));

        Assert.Equal(new HandlerResult.Rejected(code), result);
        var raised = _exceptions.SingleRaised();
        Assert.Equal(ReasonCodes.ExpenseAmountInvalid, raised.Reason);
        Assert.Equal(new RecordRef("psa", "expense", "EX-5"), raised.SourceRecord);
        Assert.Contains("EX-5", raised.Message, StringComparison.Ordinal);
        Assert.Empty(_ledger.Entries);
    }

    [Theory]
    [InlineData("eur")]
    [InlineData("EURO")]
    [InlineData("")]
    [InlineData("USD")]
    public async Task A_malformed_or_foreign_currency_is_one_EXPENSE_CURRENCY_MISMATCH(string currency)
    {
        var result = await HandleAsync(Expense(currency: currency));

        Assert.Equal(new HandlerResult.Rejected("EXPENSE_CURRENCY_MISMATCH"), result);
        Assert.Equal(ReasonCodes.ExpenseCurrencyMismatch, _exceptions.SingleRaised().Reason);
        Assert.Empty(_ledger.Entries);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("100.5")]
    public async Task A_markup_outside_0_to_100_percent_is_one_EXPENSE_MARKUP_INVALID(string markup)
    {
        var result = await HandleAsync(Expense(markupPercent: decimal.Parse(markup, System.Globalization.CultureInfo.InvariantCulture)));

        Assert.Equal(new HandlerResult.Rejected("EXPENSE_MARKUP_INVALID"), result);
        Assert.Equal(ReasonCodes.ExpenseMarkupInvalid, _exceptions.SingleRaised().Reason);
        Assert.Empty(_ledger.Entries);
    }

    [Theory]
    [InlineData("0", "99999.99")]
    [InlineData("100", "0.01")]
    public async Task Values_at_the_edges_are_ledgered(string markup, string amount)
    {
        var result = await HandleAsync(Expense(
            markupPercent: decimal.Parse(markup, System.Globalization.CultureInfo.InvariantCulture),
            amount: decimal.Parse(amount, System.Globalization.CultureInfo.InvariantCulture)));

        Assert.IsType<HandlerResult.Done>(result);
        Assert.Single(_ledger.Entries);
    }
}
