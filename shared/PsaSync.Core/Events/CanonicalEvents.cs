using PsaSync.Core.Model;

namespace PsaSync.Core.Events;

/// <summary>A canonical event: a stable type name and the newest schema version this build writes and reads.</summary>
public interface ICanonicalEvent
{
    static abstract string EventType { get; }
    static abstract int SchemaVersion { get; }
}

/// <summary>A customer was won in the CRM or changed in the ERP (<see cref="OriginSystem"/> says which).</summary>
public sealed record CustomerUpserted(Customer Customer, string OriginSystem) : ICanonicalEvent
{
    public static string EventType => "psasync.customer.upserted";
    public static int SchemaVersion => 1;
}

/// <summary>A PSA project was activated, updated, put on hold or closed; <see cref="Project.Status"/> says which state it is in now.</summary>
public sealed record ProjectChanged(Project Project) : ICanonicalEvent
{
    public static string EventType => "psasync.project.changed";
    public static int SchemaVersion => 1;
}

public sealed record TimeApproved(TimeEntry Entry) : ICanonicalEvent
{
    public static string EventType => "psasync.time.approved";
    public static int SchemaVersion => 1;
}

/// <summary>The approval of a time entry version was taken back in the PSA: whatever it set in motion is reversed.</summary>
public sealed record TimeApprovalRevoked(string EntryId, int Version, string ProjectId, DateOnly WorkDate) : ICanonicalEvent
{
    public static string EventType => "psasync.time.approval-revoked";
    public static int SchemaVersion => 1;
}

public sealed record ExpenseApproved(Expense Expense) : ICanonicalEvent
{
    public static string EventType => "psasync.expense.approved";
    public static int SchemaVersion => 1;
}

public sealed record MilestoneCompleted(Milestone Milestone) : ICanonicalEvent
{
    public static string EventType => "psasync.milestone.completed";
    public static int SchemaVersion => 1;
}

/// <summary>An ERP invoice or credit memo as it stands after a change the ERP announced by webhook.</summary>
public sealed record InvoiceChanged(Ports.ErpInvoiceChange Change) : ICanonicalEvent
{
    public static string EventType => "psasync.invoice.changed";
    public static int SchemaVersion => 1;
}

public sealed record InvoiceIssued(Invoice Invoice) : ICanonicalEvent
{
    public static string EventType => "psasync.invoice.issued";
    public static int SchemaVersion => 1;
}

public sealed record PaymentReceived(Payment Payment) : ICanonicalEvent
{
    public static string EventType => "psasync.payment.received";
    public static int SchemaVersion => 1;
}
