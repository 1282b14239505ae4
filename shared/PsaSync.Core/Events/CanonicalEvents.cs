using PsaSync.Core.Model;

namespace PsaSync.Core.Events;

/// <summary>A canonical event: a stable type name and the newest schema version this build writes and reads.</summary>
public interface ICanonicalEvent
{
    static abstract string EventType { get; }
    static abstract int SchemaVersion { get; }
}

public sealed record CustomerUpserted(Customer Customer, string OriginSystem) : ICanonicalEvent
{
    public static string EventType => "psasync.customer.upserted";
    public static int SchemaVersion => 1;
}

public sealed record ProjectActivated(Project Project) : ICanonicalEvent
{
    public static string EventType => "psasync.project.activated";
    public static int SchemaVersion => 1;
}

public sealed record TimeApproved(TimeEntry Entry) : ICanonicalEvent
{
    public static string EventType => "psasync.time.approved";
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
