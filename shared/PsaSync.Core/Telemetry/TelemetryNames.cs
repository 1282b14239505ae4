namespace PsaSync.Core.Telemetry;

/// <summary>
/// The one catalogue of business telemetry names. The Application Insights implementation sends them as custom
/// events and metrics, the local runtime's aggregator counts them, and the workbook and alert queries
/// (infra/) select them by these exact strings; tests/PsaSync.Infra.Tests checks both directions.
/// </summary>
public static class TelemetryNames
{
    /// <summary>Custom events: one per business occurrence, with the correlation id as operation id.</summary>
    public static class Events
    {
        /// <summary>A domain processor started work on an event (not a duplicate).</summary>
        public const string Received = "PsaSync.Received";

        /// <summary>A delivery whose idempotency key was already done; completed without effect.</summary>
        public const string DuplicateAbsorbed = "PsaSync.DuplicateAbsorbed";

        /// <summary>An event was applied to the target system (ERP posting, customer or project synced).</summary>
        public const string Posted = "PsaSync.Posted";

        /// <summary>An event was refused for a business reason; property ReasonCode.</summary>
        public const string Rejected = "PsaSync.Rejected";

        /// <summary>A message was dead-lettered; property ReasonCode.</summary>
        public const string DeadLettered = "PsaSync.DeadLettered";

        /// <summary>The ERP answered 429 to a handler; the message is retried after RetryAfterSeconds.</summary>
        public const string ErpThrottled = "PsaSync.ErpThrottled";

        /// <summary>Approved billable work entered the unbilled ledger; measurements Hours and Value.</summary>
        public const string UnbilledAdded = "PsaSync.UnbilledAdded";

        /// <summary>Ledger entries were invoiced and left the unbilled backlog; measurements Hours and Value.</summary>
        public const string UnbilledBilled = "PsaSync.UnbilledBilled";

        /// <summary>A reconciliation run finished; measurements Compared, Drifts, Healed, LeftForAPerson.</summary>
        public const string ReconciliationCompleted = "PsaSync.ReconciliationCompleted";
    }

    /// <summary>Custom metrics.</summary>
    public static class Metrics
    {
        /// <summary>
        /// Seconds from the event's time at its source (for approved time: the approval) until PsaSync applied it.
        /// For event type psasync.time.approved this is the approved-time-to-ERP latency.
        /// </summary>
        public const string SyncLatencySeconds = "PsaSync.SyncLatencySeconds";

        /// <summary>Open exception items per reason code, owner and domain, measured by the exception-backlog job.</summary>
        public const string OpenExceptions = "PsaSync.OpenExceptions";

        /// <summary>Age in hours of the oldest open exception item per reason code, owner and domain (same job).</summary>
        public const string OldestOpenExceptionAgeHours = "PsaSync.OldestOpenExceptionAgeHours";
    }

    /// <summary>Property (dimension) names. Values are ids and codes only, never names, tax ids or secrets.</summary>
    public static class Properties
    {
        public const string CorrelationId = "CorrelationId";
        public const string Domain = "Domain";
        public const string EventType = "EventType";
        public const string ReasonCode = "ReasonCode";
        public const string Owner = "Owner";
        public const string ProjectId = "ProjectId";
        public const string Period = "Period";
        public const string Kind = "Kind";
        public const string Currency = "Currency";
        public const string Job = "Job";
    }

    /// <summary>Measurement names carried by events.</summary>
    public static class Measurements
    {
        public const string RetryAfterSeconds = "RetryAfterSeconds";
        public const string Hours = "Hours";
        public const string Value = "Value";
        public const string Compared = "Compared";
        public const string Drifts = "Drifts";
        public const string Healed = "Healed";
        public const string LeftForAPerson = "LeftForAPerson";
    }
}
