using System.Globalization;
using PsaSync.Core.Events;

namespace PsaSync.Core.Ingress;

/// <summary>
/// Sanity checks on the canonical records a mapper produced, the same for every vendor: values no real system sends
/// (negative or absurd hours and amounts, dates decades away, a currency that is not ISO 4217) mean a broken or hostile
/// sender, so the call is refused (422) before anything is queued. Values that are merely wrong for the business (a
/// 26-hour day, a currency the legal entity cannot invoice in) pass: the handlers raise exception items that a person
/// fixes, which a refusal at the edge would hide from them.
/// </summary>
public static class IngressSanity
{
    /// <summary>The first problem of the envelope's record, or null. <paramref name="today"/> anchors the date window.</summary>
    public static Problem? Check(EventEnvelope envelope, DateOnly today, IngressLimits limits)
    {
        var check = new Checker(envelope.Subject, today, limits);
        switch (envelope.Type)
        {
            case var t when t == TimeApproved.EventType:
                var entry = envelope.DataAs<TimeApproved>().Entry;
                check.Hours(entry.Hours, "hours");
                check.Date(entry.WorkDate, "date");
                break;
            case var t when t == ExpenseApproved.EventType:
                var expense = envelope.DataAs<ExpenseApproved>().Expense;
                check.Amount(expense.Amount, "amount");
                check.Currency(expense.Currency, "currency");
                check.Date(expense.IncurredOn, "date");
                check.Range(expense.MarkupPercent, 0m, limits.MaxMarkupPercent, "markupPercent");
                break;
            case var t when t == MilestoneCompleted.EventType:
                var milestone = envelope.DataAs<MilestoneCompleted>().Milestone;
                check.Amount(milestone.Amount, "amount");
                check.Currency(milestone.Currency, "currency");
                check.Date(milestone.CompletedOn, "completedOn");
                break;
            case var t when t == ProjectChanged.EventType:
                var project = envelope.DataAs<ProjectChanged>().Project;
                check.Currency(project.Currency, "currency");
                check.Date(project.StartDate, "startDate");
                check.Date(project.EndDate, "endDate");
                check.Amount(project.ContractCeiling, "contractCeiling");
                foreach (var rate in project.RateCard)
                {
                    check.Amount(rate.HourlyRate, $"rateCard '{rate.Role}' rate");
                    check.Date(rate.EffectiveFrom, $"rateCard '{rate.Role}' effectiveFrom");
                }
                foreach (var planned in project.Milestones)
                {
                    check.Amount(planned.Amount, $"milestone '{planned.MilestoneId}' amount");
                    check.Date(planned.DueOn, $"milestone '{planned.MilestoneId}' dueOn");
                }
                break;
            case var t when t == InvoiceChanged.EventType:
                var change = envelope.DataAs<InvoiceChanged>().Change;
                // A credit memo carries its amounts negative; everything else about money is never below zero.
                var sign = change.Kind == Ports.ErpDocumentKind.CreditMemo ? -1m : 1m;
                check.Amount(sign * change.Net, "net");
                check.Amount(sign * change.Tax, "tax");
                check.Amount(sign * change.Gross, "gross");
                check.Amount(change.AmountPaid, "paid");
                check.Amount(change.WrittenOff, "writtenOff");
                check.Amount(change.Balance, "balance");
                check.Currency(change.Currency, "currency");
                check.Date(change.InvoiceDate, "invoiceDate");
                check.Date(change.DueDate, "dueDate");
                break;
            case var t when t == CustomerUpserted.EventType:
                check.Currency(envelope.DataAs<CustomerUpserted>().Customer.Currency, "currency");
                break;
        }
        return check.Problem;
    }

    /// <summary>Collects the first failed check; later checks are skipped once one failed.</summary>
    private sealed class Checker(string subject, DateOnly today, IngressLimits limits)
    {
        public Problem? Problem { get; private set; }

        public void Hours(decimal hours, string field) => Range(hours, 0m, limits.MaxHoursPerEntry, field);

        public void Amount(decimal? amount, string field)
        {
            if (amount is { } value)
            {
                Range(value, 0m, limits.MaxAmount, field);
            }
        }

        public void Range(decimal value, decimal min, decimal max, string field)
        {
            if (value < min || value > max)
            {
                Fail(IngressReasons.ValueOutOfRange, string.Create(CultureInfo.InvariantCulture, $"{subject}: {field} is {value}; the edge accepts {min} to {max}."));
            }
        }

        public void Date(DateOnly? date, string field)
        {
            var earliest = today.AddYears(-limits.MaxYearsInPast);
            var latest = today.AddYears(limits.MaxYearsInFuture);
            if (date is { } value && (value < earliest || value > latest))
            {
                Fail(IngressReasons.DateOutOfRange, string.Create(CultureInfo.InvariantCulture, $"{subject}: {field} is {value:yyyy-MM-dd}; the edge accepts {earliest:yyyy-MM-dd} to {latest:yyyy-MM-dd}."));
            }
        }

        public void Currency(string code, string field)
        {
            if (!Iso4217.IsKnown(code))
            {
                // The code is echoed only when it is short: a long value is garbage, and echoing it would let a caller
                // make the answer as large as its payload.
                var shown = code.Length <= 8 ? $"'{code}'" : $"a {code.Length}-character value";
                Fail(IngressReasons.CurrencyUnknown, $"{subject}: {field} is {shown}, not an ISO 4217 currency code (e.g. EUR, USD, GBP).");
            }
        }

        private void Fail(string reason, string detail) => Problem ??= Problem.Of(422, reason, "Payload refused", detail);
    }
}
