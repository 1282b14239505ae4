using PsaSync.Core.Events;
using PsaSync.Core.Model;
using PsaSync.Core.Tests.Support;

namespace PsaSync.Core.Tests.TimeExpense;

/// <summary>Expenses, milestones and their envelopes, as the PSA webhook mappers produce them.</summary>
internal static class ExpenseAndMilestoneTestData
{
    public static readonly DateOnly IncurredOn = new(2026, 3, 9);

    public static Expense Expense(
        string expenseId = "EX-1001",
        int version = 1,
        string projectId = TestData.PsaProjectId,
        decimal amount = 200m,
        string currency = "EUR",
        bool billable = true,
        decimal markupPercent = 10m,
        string? receiptReference = "R-77",
        string category = "Travel") =>
        new(expenseId, version, projectId, "RES-7", IncurredOn, category, amount, currency, billable, markupPercent, receiptReference);

    public static Milestone Milestone(
        string milestoneId = "MS-1",
        string projectId = TestData.PsaProjectId,
        decimal amount = 20_000m,
        string currency = "EUR") =>
        new(milestoneId, projectId, "Discovery", amount, currency, new DateOnly(2026, 3, 20));

    /// <summary>A project PsaSync has set up, in EUR, with milestone MS-1 planned at 20,000.</summary>
    public static Project Project(string currency = "EUR") =>
        MasterDataTestData.Project(projectId: TestData.PsaProjectId, currency: currency,
            milestones: [new PlannedMilestone("MS-1", "Discovery", 20_000m, new DateOnly(2026, 3, 31))]);

    public static EventEnvelope Envelope(Expense expense)
    {
        var key = $"psa:expense:{expense.ExpenseId}:v{expense.Version}";
        return EventEnvelope.Create(new ExpenseApproved(expense), SystemNames.Psa, $"psa/expense/{expense.ExpenseId}", key,
            CorrelationIds.ForIdempotencyKey(key), TestData.Now);
    }

    public static EventEnvelope Envelope(Milestone milestone)
    {
        var key = $"psa:milestone:{milestone.MilestoneId}";
        return EventEnvelope.Create(new MilestoneCompleted(milestone), SystemNames.Psa, $"psa/milestone/{milestone.MilestoneId}", key,
            CorrelationIds.ForIdempotencyKey(key), TestData.Now);
    }
}
