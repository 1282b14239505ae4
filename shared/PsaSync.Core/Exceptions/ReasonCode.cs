namespace PsaSync.Core.Exceptions;

/// <summary>Who is expected to act on an exception item.</summary>
public enum ExceptionOwner
{
    FinanceOps,
    Pmo,
    IntegrationSupport,
    Platform,
}

/// <summary>
/// A stable reason code with its owner and the fix, in the words of the person who has to act.
/// The code never changes once shipped: dashboards, alerts and replays filter on it.
/// </summary>
public sealed record ReasonCode(string Code, ExceptionOwner Owner, string Title, string HowToFix);

/// <summary>The catalogue of reason codes. Add new ones here; never reuse or rename a code.</summary>
public static class ReasonCodes
{
    public static readonly ReasonCode HoursOutOfRange = new(
        "TIME_HOURS_OUT_OF_RANGE", ExceptionOwner.Pmo,
        "Approved hours are not between 0 and 24",
        "Correct the hours on the time entry in the PSA and approve it again.");

    public static readonly ReasonCode ProjectNotInErp = new(
        "PROJECT_NOT_IN_ERP", ExceptionOwner.Pmo,
        "The project is not set up in the ERP",
        "Activate the project in the PSA so that project setup creates it in the ERP, then replay this item.");

    public static readonly ReasonCode FiscalPeriodClosed = new(
        "ERP_PERIOD_CLOSED", ExceptionOwner.FinanceOps,
        "The ERP fiscal period for this date is closed",
        "Reopen the period in the ERP or move the entry to an open period, then replay this item.");

    public static readonly ReasonCode ErpRejected = new(
        "ERP_REJECTED", ExceptionOwner.IntegrationSupport,
        "The ERP rejected the posting",
        "Read the ERP's message on this item, correct the data or the ERP setup, then replay it.");

    public static readonly ReasonCode DeliveryExhausted = new(
        "DELIVERY_EXHAUSTED", ExceptionOwner.IntegrationSupport,
        "Processing kept failing and the message was dead-lettered",
        "Check the ERP and PSA are reachable (see the last error on this item), then replay the dead-lettered message.");

    public static readonly ReasonCode UnreadableMessage = new(
        "MESSAGE_UNREADABLE", ExceptionOwner.Platform,
        "A queued message could not be read as an event envelope",
        "The message was dead-lettered as it is; check which producer wrote it and which version it runs.");

    public static readonly ReasonCode UnsupportedEvent = new(
        "EVENT_UNSUPPORTED", ExceptionOwner.Platform,
        "No handler in this domain understands the event type or schema version",
        "Deploy the version of PsaSync that handles this event, then replay the dead-lettered message.");

    public static IReadOnlyList<ReasonCode> All { get; } =
    [
        HoursOutOfRange, ProjectNotInErp, FiscalPeriodClosed, ErpRejected, DeliveryExhausted, UnreadableMessage, UnsupportedEvent,
    ];

    public static ReasonCode? Find(string code) => All.FirstOrDefault(r => r.Code == code);
}
