using System.Text.Json;
using PsaSync.Core.Events;
using PsaSync.Core.Ingress;
using PsaSync.Core.Messaging;
using PsaSync.Core.Model;

namespace PsaSync.Connectors.Sandbox.Psa;

/// <summary>Reads the PSA's "expenses approved" webhook into one <see cref="ExpenseApproved"/> envelope per expense.</summary>
public sealed class SandboxPsaExpenseWebhookMapper : IWebhookMapper
{
    public string Route => "psa/expenses";

    public string Queue => QueueNames.TimeExpense;

    public WebhookMapping Map(JsonElement payload, WebhookContext context) =>
        WebhookShape.Read<PsaExpenseWebhook>(payload, "expense webhook", webhook =>
        {
            if (webhook.EventType != SandboxPsaWebhookWriter.ExpenseApprovedEventType)
            {
                return WebhookShape.UnknownEventType(webhook.EventType, SandboxPsaWebhookWriter.ExpenseApprovedEventType);
            }
            if (webhook.Expenses is not { Count: > 0 })
            {
                return WebhookMapping.SchemaError("'expenses' must list at least one expense.");
            }

            var expenses = WebhookFields.Root.Items(webhook.Expenses, "expenses", Read, required: true);
            return new WebhookMapping.Accepted([.. expenses.Select(expense =>
            WebhookShape.Envelope(new ExpenseApproved(expense), new RecordRef(SystemNames.Psa, EntityKinds.Expense, expense.ExpenseId), expense.Version,
                webhook.OccurredAt, webhook.EventId, context))]);
        });

    private static Expense Read(PsaExpensePayload p, WebhookFields f) => new(
        f.Id(p.Id, "id"),
        f.PositiveInt(p.Revision, "revision"),
        f.Id(p.ProjectId, "projectId"),
        f.Id(p.PersonId, "personId"),
        f.Date(p.Date, "date"),
        f.Text(p.Category, "category"),
        f.Required(p.Amount, "amount"),
        f.Text(p.Currency, "currency"),
        f.Required(p.Billable, "billable"),
        p.MarkupPercent ?? 0m,
        p.ReceiptReference);
}
