using System.Globalization;
using PsaSync.Core.Exceptions;
using PsaSync.Core.Scheduling;

namespace PsaSync.Core.Telemetry;

/// <summary>
/// Counts the open exception items per reason code, owner and domain, with the age of the oldest, and reports them
/// as gauges: how big the worklist is and how long its oldest item has waited. A scheduled job, because a count of
/// what is open is a state, not an event.
/// </summary>
public sealed class ExceptionBacklogJob(IExceptionStore exceptions, IBusinessTelemetry telemetry, TimeProvider clock) : IScheduledJob
{
    public const string JobName = "exception-backlog";

    public string Name => JobName;

    public async Task<string> RunAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var open = await exceptions.ListAsync(new ExceptionQuery(Status: ExceptionStatus.Open), cancellationToken);
        var groups = open
            .GroupBy(i => (i.ReasonCode, Owner: i.Owner.ToString(), i.Domain))
            .Select(g => new ExceptionBacklogGroup(g.Key.ReasonCode, g.Key.Owner, g.Key.Domain, g.Count(), (now - g.Min(i => i.FirstSeen)).TotalHours))
            .ToList();
        foreach (var group in groups)
        {
            telemetry.ExceptionBacklog(group);
        }
        var oldest = groups.Count == 0 ? 0 : groups.Max(g => g.OldestAgeHours);
        return string.Create(CultureInfo.InvariantCulture, $"{open.Count} open exception item(s) in {groups.Count} group(s); the oldest waited {oldest:0.#} h.");
    }
}
