using PsaSync.Core.Scheduling;

namespace PsaSync.LocalRuntime;

/// <summary>How the local runtime runs; every value has a default that works on a fresh clone.</summary>
public sealed class LocalRuntimeOptions
{
    /// <summary>Loopback only by default: the local runtime has no function keys to protect its routes.</summary>
    public string BindAddress { get; set; } = "127.0.0.1";

    /// <summary>7071 like the Functions host; 0 picks a free port.</summary>
    public int Port { get; set; } = 7071;

    public int WorkersPerQueue { get; set; } = 4;

    public int ReceiveBatchSize { get; set; } = 16;

    public TimeSpan IdlePollInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How long a received message stays hidden; after a crash, unsettled messages reappear after this.</summary>
    public TimeSpan LockDuration { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How often each scheduled job runs (the function apps use NCRONTAB schedules instead).</summary>
    public Dictionary<string, TimeSpan> Timers { get; set; } = new(StringComparer.OrdinalIgnoreCase)
    {
        [JobNames.CustomerReconciliation] = TimeSpan.FromMinutes(10),
        [JobNames.ProjectReconciliation] = TimeSpan.FromMinutes(10),
        [JobNames.ParkingSweep] = TimeSpan.FromMinutes(5),
        [JobNames.InvoiceFeedback] = TimeSpan.FromMinutes(1),
        [JobNames.BillingReconciliation] = TimeSpan.FromHours(1),
        [JobNames.PsaExceptionNotes] = TimeSpan.FromMinutes(1),
        [Core.Billing.BillingJobNames.PeriodClose] = TimeSpan.FromDays(1),
        [Core.Telemetry.ExceptionBacklogJob.JobName] = TimeSpan.FromMinutes(5),
        [JobNames.CostPostings] = TimeSpan.FromSeconds(10),
    };
}
