using PsaSync.Core.Events;
using PsaSync.Core.Model;

namespace PsaSync.Benchmarks;

/// <summary>
/// The month-end workload: every consultant's approved time of October 2026 arriving at once. Each consultant works
/// on two of the projects in one role, two entries a day for 25 days, so 1,000 consultants make 50,000 entries
/// (and 2,000 cost lines of project × period × resource × role).
/// </summary>
public static class MonthEndBurst
{
    public const int Projects = 40;
    public const int EntriesPerConsultant = 50;
    private static readonly string[] Roles = ["Consultant", "Senior Consultant", "Architect", "Engineer"];

    public static string ProjectId(int project) => $"PRJ-B{project:D3}";

    public static string ErpProjectCode(int project) => $"EP-B{project:D3}";

    /// <summary>
    /// The project's setup as the project setup domain would have stored it: time and materials for the whole year, a
    /// rate for every role, so the time handler's per-entry checks (dates, rate card) run and pass.
    /// </summary>
    public static Project Setup(int project) => new(
        ProjectId(project), 1, $"ACC-B{project:D3}", $"Month-end project {project}", ProjectStatus.Active, "PSDE", "EUR",
        BillingModel.TimeAndMaterials, new DateOnly(2026, 1, 1), new DateOnly(2026, 12, 31), "MSA-B", null, "DE-VAT-19",
        "Engineering", [.. Roles.Select((role, i) => new RoleRate(role, 120m + 20m * i, new DateOnly(2026, 1, 1)))], [], null);

    /// <summary>The first <paramref name="count"/> entries of the burst, consultant by consultant.</summary>
    public static IEnumerable<TimeEntry> Entries(int count)
    {
        for (var n = 0; n < count; n++)
        {
            var consultant = n / EntriesPerConsultant;
            var day = 1 + n % EntriesPerConsultant / 2;
            var project = n % 2 == 0 ? consultant % Projects : (consultant + 7) % Projects;
            yield return new TimeEntry(
                $"TE-B{n:D6}", 1, ProjectId(project), $"RES-{consultant:D4}", new DateOnly(2026, 10, day),
                4m, Billable: project % 10 != 9, Roles[consultant % Roles.Length]);
        }
    }

    /// <summary>The envelope the PSA time webhook would queue for the entry.</summary>
    public static EventEnvelope Envelope(TimeEntry entry, DateTimeOffset approvedAt)
    {
        var key = $"psa:time-entry:{entry.EntryId}:v{entry.Version}";
        return EventEnvelope.Create(new TimeApproved(entry), SystemNames.Psa, $"psa/time-entry/{entry.EntryId}", key,
            CorrelationIds.ForIdempotencyKey(key), approvedAt);
    }
}
