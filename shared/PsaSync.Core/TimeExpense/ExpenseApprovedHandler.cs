using System.Globalization;
using PsaSync.Core.Billing;
using PsaSync.Core.Events;
using PsaSync.Core.Exceptions;
using PsaSync.Core.Messaging;
using PsaSync.Core.Model;
using PsaSync.Core.Parking;
using PsaSync.Core.Tracing;

namespace PsaSync.Core.TimeExpense;

/// <summary>
/// Approved expense → unbilled ledger (billable amount with the markup applied). Non-billable expenses are accepted and
/// traced but not ledgered. An expense for a project PsaSync has not set up yet is parked until it has. Safe to run any
/// number of times for the same expense version: the ledger adds a key once.
/// </summary>
public sealed class ExpenseApprovedHandler(IProjectProfiles projects, IUnbilledLedger ledger, EventParking parking, HandlerSupport support) : IEventHandler
{
    public const string Domain = QueueNames.TimeExpense;

    /// <summary>Amounts at or above this are treated as a typing error rather than a real expense.</summary>
    public const decimal AmountCap = 100_000m;

    public string EventType => ExpenseApproved.EventType;

    public async Task<HandlerResult> HandleAsync(EventEnvelope envelope, bool isRedelivery, CancellationToken cancellationToken)
    {
        var expense = envelope.DataAs<ExpenseApproved>().Expense;
        var record = new RecordRef(SystemNames.Psa, EntityKinds.Expense, expense.ExpenseId);

        var problems = new List<BusinessProblem>();
        if (expense.Amount <= 0 || expense.Amount >= AmountCap)
        {
            problems.Add(new BusinessProblem(ReasonCodes.ExpenseAmountInvalid,
                string.Create(CultureInfo.InvariantCulture, $"Expense {expense.ExpenseId} of {expense.IncurredOn:yyyy-MM-dd} has the amount {expense.Amount}; an approved expense must be more than 0 and less than {AmountCap:0}.")));
        }
        if (!IsCurrencyCode(expense.Currency))
        {
            problems.Add(new BusinessProblem(ReasonCodes.ExpenseCurrencyMismatch,
                $"Expense {expense.ExpenseId} has the currency '{expense.Currency}', which is not a three-letter currency code such as EUR."));
        }
        if (expense.MarkupPercent is < 0 or > 100)
        {
            problems.Add(new BusinessProblem(ReasonCodes.ExpenseMarkupInvalid,
                string.Create(CultureInfo.InvariantCulture, $"Expense {expense.ExpenseId} has a markup of {expense.MarkupPercent} %; the markup must be between 0 and 100 %.")));
        }
        if (problems.Count > 0)
        {
            return await support.RejectAsync(Domain, envelope, record, problems, cancellationToken);
        }

        return await support.GuardAsync(Domain, envelope, record, async () =>
        {
            var project = await projects.GetAsync(expense.ProjectId, cancellationToken);
            if (project is null)
            {
                return await parking.ParkAsync(Domain, envelope, record, ParentWait.Project(expense.ProjectId),
                    $"Expense {expense.ExpenseId} is for project {expense.ProjectId}, which PsaSync has not set up in the ERP yet. It continues by itself when the project syncs.",
                    async () => await projects.GetAsync(expense.ProjectId, cancellationToken) is not null, cancellationToken);
            }
            if (!string.Equals(project.Currency, expense.Currency, StringComparison.Ordinal))
            {
                return await support.RejectAsync(Domain, envelope, record, ReasonCodes.ExpenseCurrencyMismatch,
                    $"Expense {expense.ExpenseId} is in {expense.Currency}, but project {project.ProjectId} bills in {project.Currency}.", cancellationToken);
            }

            if (!expense.Billable)
            {
                await support.TraceAsync(Domain, envelope, record, TraceSteps.Posted,
                    string.Create(CultureInfo.InvariantCulture, $"Expense {expense.ExpenseId} ({expense.Amount:0.00} {expense.Currency}) is not billable; nothing added to the unbilled ledger."), cancellationToken);
                return new HandlerResult.Done($"expense-not-billable:{expense.ExpenseId}");
            }

            var entry = LedgerEntry.ForExpense(expense, envelope.CorrelationId);
            if (await ledger.AddAsync(entry, cancellationToken))
            {
                await support.TraceAsync(Domain, envelope, record, TraceSteps.Ledgered,
                    string.Create(CultureInfo.InvariantCulture, $"Expense of {entry.Amount:0.00} {entry.Currency} ({expense.Amount:0.00} + {expense.MarkupPercent:0.##} % markup) added to the unbilled ledger of {expense.ProjectId} for {entry.Period}."),
                    cancellationToken);
            }
            return new HandlerResult.Done($"ledger:{entry.EntryKey}");
        }, cancellationToken);
    }

    private static bool IsCurrencyCode(string? currency) =>
        currency is { Length: 3 } && currency.All(c => c is >= 'A' and <= 'Z');
}
