using System.Text.Json;
using System.Text.Json.Serialization;
using PsaSync.Core.Model;

namespace PsaSync.Connectors.Sandbox.Psa;

// The sandbox PSA's own webhook format (its "vendor shape"). Only this folder knows it: the mapper reads it
// into canonical envelopes, and the writer lets demos and tests produce exactly what the PSA would send.

public sealed record PsaTimeEntryPayload(
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("revision")] int? Revision,
    [property: JsonPropertyName("projectId")] string? ProjectId,
    [property: JsonPropertyName("personId")] string? PersonId,
    [property: JsonPropertyName("date")] string? Date,
    [property: JsonPropertyName("hours")] decimal? Hours,
    [property: JsonPropertyName("billable")] bool? Billable,
    [property: JsonPropertyName("role")] string? Role);

public sealed record PsaTimeWebhook(
    [property: JsonPropertyName("eventId")] string? EventId,
    [property: JsonPropertyName("eventType")] string? EventType,
    [property: JsonPropertyName("occurredAt")] DateTimeOffset? OccurredAt,
    [property: JsonPropertyName("timeEntries")] IReadOnlyList<PsaTimeEntryPayload>? TimeEntries);

public sealed record PsaExpensePayload(
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("revision")] int? Revision,
    [property: JsonPropertyName("projectId")] string? ProjectId,
    [property: JsonPropertyName("personId")] string? PersonId,
    [property: JsonPropertyName("date")] string? Date,
    [property: JsonPropertyName("category")] string? Category,
    [property: JsonPropertyName("amount")] decimal? Amount,
    [property: JsonPropertyName("currency")] string? Currency,
    [property: JsonPropertyName("billable")] bool? Billable,
    [property: JsonPropertyName("markupPercent")] decimal? MarkupPercent,
    [property: JsonPropertyName("receiptReference")] string? ReceiptReference);

public sealed record PsaExpenseWebhook(
    [property: JsonPropertyName("eventType")] string? EventType,
    [property: JsonPropertyName("eventId")] string? EventId,
    [property: JsonPropertyName("occurredAt")] DateTimeOffset? OccurredAt,
    [property: JsonPropertyName("expenses")] IReadOnlyList<PsaExpensePayload?>? Expenses);

public sealed record PsaCompletedMilestonePayload(
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("projectId")] string? ProjectId,
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("amount")] decimal? Amount,
    [property: JsonPropertyName("currency")] string? Currency,
    [property: JsonPropertyName("completedOn")] string? CompletedOn);

public sealed record PsaMilestoneWebhook(
    [property: JsonPropertyName("eventType")] string? EventType,
    [property: JsonPropertyName("eventId")] string? EventId,
    [property: JsonPropertyName("occurredAt")] DateTimeOffset? OccurredAt,
    [property: JsonPropertyName("milestone")] PsaCompletedMilestonePayload? Milestone);

public sealed record PsaRateCardLinePayload(
    [property: JsonPropertyName("role")] string? Role,
    [property: JsonPropertyName("rate")] decimal? Rate,
    [property: JsonPropertyName("effectiveFrom")] string? EffectiveFrom);

public sealed record PsaMilestonePayload(
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("amount")] decimal? Amount,
    [property: JsonPropertyName("dueOn")] string? DueOn);

public sealed record PsaProjectPayload(
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("revision")] int? Revision,
    [property: JsonPropertyName("customerAccountId")] string? CustomerAccountId,
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("legalEntity")] string? LegalEntity,
    [property: JsonPropertyName("currency")] string? Currency,
    [property: JsonPropertyName("billingModel")] string? BillingModel,
    [property: JsonPropertyName("startDate")] string? StartDate,
    [property: JsonPropertyName("endDate")] string? EndDate,
    [property: JsonPropertyName("contractReference")] string? ContractReference,
    [property: JsonPropertyName("purchaseOrder")] string? PurchaseOrder,
    [property: JsonPropertyName("taxCode")] string? TaxCode,
    [property: JsonPropertyName("practice")] string? Practice,
    [property: JsonPropertyName("rateCard")] IReadOnlyList<PsaRateCardLinePayload?>? RateCard,
    [property: JsonPropertyName("milestones")] IReadOnlyList<PsaMilestonePayload?>? Milestones,
    [property: JsonPropertyName("contractCeiling")] decimal? ContractCeiling);

public sealed record PsaProjectWebhook(
    [property: JsonPropertyName("eventType")] string? EventType,
    [property: JsonPropertyName("eventId")] string? EventId,
    [property: JsonPropertyName("occurredAt")] DateTimeOffset? OccurredAt,
    [property: JsonPropertyName("project")] PsaProjectPayload? Project);

public static class SandboxPsaWebhookWriter
{
    public const string TimeApprovedEventType = "time_entry.approved";
    public const string TimeApprovalRevokedEventType = "time_entry.approval_revoked";
    public const string ExpenseApprovedEventType = "expense.approved";
    public const string MilestoneCompletedEventType = "milestone.completed";

    public const string ProjectActivatedEventType = "project.activated";
    public const string ProjectUpdatedEventType = "project.updated";
    public const string ProjectOnHoldEventType = "project.on_hold";
    public const string ProjectClosedEventType = "project.closed";

    /// <summary>The project event types and the status each leaves the project in.</summary>
    public static IReadOnlyDictionary<string, ProjectStatus> ProjectEventTypes { get; } = new Dictionary<string, ProjectStatus>
    {
        [ProjectActivatedEventType] = ProjectStatus.Active,
        [ProjectUpdatedEventType] = ProjectStatus.Active,
        [ProjectOnHoldEventType] = ProjectStatus.OnHold,
        [ProjectClosedEventType] = ProjectStatus.Closed,
    };

    /// <summary>The PSA's names of the billing models.</summary>
    public static IReadOnlyDictionary<string, BillingModel> BillingModels { get; } = new Dictionary<string, BillingModel>
    {
        ["time_and_materials"] = BillingModel.TimeAndMaterials,
        ["fixed_fee"] = BillingModel.FixedFeeMilestones,
        ["retainer"] = BillingModel.Retainer,
    };

    /// <summary>The body the PSA posts when one or more time entries (a whole timesheet) are approved.</summary>
    public static string TimeApproved(IEnumerable<TimeEntry> entries, DateTimeOffset occurredAt) =>
        JsonSerializer.Serialize(new PsaTimeWebhook(
            Guid.NewGuid().ToString("N"),
            TimeApprovedEventType,
            occurredAt,
            [.. entries.Select(e => new PsaTimeEntryPayload(
                e.EntryId, e.Version, e.ProjectId, e.ResourceId, WebhookShape.FormatDate(e.WorkDate), e.Hours, e.Billable, e.Role))]));

    /// <summary>The body the PSA posts when approvals are taken back: each entry with the revision whose approval was revoked.</summary>
    public static string TimeApprovalRevoked(IEnumerable<TimeEntry> entries, DateTimeOffset occurredAt) =>
        JsonSerializer.Serialize(new PsaTimeWebhook(
            Guid.NewGuid().ToString("N"),
            TimeApprovalRevokedEventType,
            occurredAt,
            [.. entries.Select(e => new PsaTimeEntryPayload(
                e.EntryId, e.Version, e.ProjectId, e.ResourceId, WebhookShape.FormatDate(e.WorkDate), Hours: null, Billable: null, Role: null))]));

    /// <summary>The body the PSA posts when one or more expenses (a whole expense report) are approved.</summary>
    public static string ExpensesApproved(IEnumerable<Expense> expenses, DateTimeOffset occurredAt) =>
        JsonSerializer.Serialize(new PsaExpenseWebhook(
            ExpenseApprovedEventType,
            Guid.NewGuid().ToString("N"),
            occurredAt,
            [.. expenses.Select(e => new PsaExpensePayload(
                e.ExpenseId, e.Version, e.ProjectId, e.ResourceId, WebhookShape.FormatDate(e.IncurredOn), e.Category, e.Amount, e.Currency,
                e.Billable, e.MarkupPercent, e.ReceiptReference))]));

    /// <summary>The body the PSA posts when a milestone is marked completed.</summary>
    public static string MilestoneCompleted(Milestone milestone, DateTimeOffset occurredAt) =>
        JsonSerializer.Serialize(new PsaMilestoneWebhook(
            MilestoneCompletedEventType,
            Guid.NewGuid().ToString("N"),
            occurredAt,
            new PsaCompletedMilestonePayload(
                milestone.MilestoneId, milestone.ProjectId, milestone.Name, milestone.Amount, milestone.Currency, WebhookShape.FormatDate(milestone.CompletedOn))));

    /// <summary>
    /// The body the PSA posts when a project is activated, put on hold or closed; the event type follows
    /// <see cref="Project.Status"/> (<c>project.activated</c> for an active project).
    /// </summary>
    public static string ProjectChanged(Project project, DateTimeOffset occurredAt) =>
        JsonSerializer.Serialize(new PsaProjectWebhook(
            project.Status switch
            {
                ProjectStatus.Active => ProjectActivatedEventType,
                ProjectStatus.OnHold => ProjectOnHoldEventType,
                ProjectStatus.Closed => ProjectClosedEventType,
                _ => throw new ArgumentOutOfRangeException(nameof(project), project.Status, "Unknown project status."),
            },
            Guid.NewGuid().ToString("N"),
            occurredAt,
            new PsaProjectPayload(
                project.ProjectId,
                project.Version,
                project.CustomerKey,
                project.Name,
                project.LegalEntity,
                project.Currency,
                BillingModels.Single(m => m.Value == project.BillingModel).Key,
                WebhookShape.FormatDate(project.StartDate),
                project.EndDate is { } end ? WebhookShape.FormatDate(end) : null,
                project.ContractReference,
                project.PurchaseOrder,
                project.TaxCode,
                project.Practice,
                [.. project.RateCard.Select(r => new PsaRateCardLinePayload(r.Role, r.HourlyRate, WebhookShape.FormatDate(r.EffectiveFrom)))],
                [.. project.Milestones.Select(m => new PsaMilestonePayload(m.MilestoneId, m.Name, m.Amount, WebhookShape.FormatDate(m.DueOn)))],
                project.ContractCeiling)));
}
