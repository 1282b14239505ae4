using Microsoft.Extensions.Logging;
using PsaSync.Core.Audit;
using PsaSync.Core.Scheduling;

namespace PsaSync.Hosting;

/// <summary>Runs a scheduled job by name, for timer triggers, the local timer host and on-demand calls alike.</summary>
public sealed class JobRunner(IEnumerable<IScheduledJob> jobs, ILogger<JobRunner> logger)
{
    private readonly Dictionary<string, IScheduledJob> _jobs = jobs.ToDictionary(j => j.Name, StringComparer.OrdinalIgnoreCase);

    public IReadOnlyCollection<string> Names => _jobs.Keys;

    public bool Exists(string name) => _jobs.ContainsKey(name);

    public async Task<string> RunAsync(string name, CancellationToken cancellationToken)
    {
        var job = _jobs.TryGetValue(name, out var found) ? found : throw new ArgumentException($"There is no job named '{name}'. Jobs: {string.Join(", ", _jobs.Keys)}.", nameof(name));
        // ERP changes a job makes (reconciliation heals) are audited under one id per run.
        using var audit = AuditContext.Begin($"job-{job.Name}-{Guid.NewGuid():N}", $"job/{job.Name}");
        var summary = await job.RunAsync(cancellationToken);
        logger.LogInformation("Job {Job} finished: {Summary}", name, summary);
        return summary;
    }
}
