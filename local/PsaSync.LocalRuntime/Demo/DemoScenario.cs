using PsaSync.Core.Model;

namespace PsaSync.LocalRuntime.Demo;

/// <summary>
/// A month of approved time for a small firm, reproducible from a seed: consultants book days on projects,
/// timesheets are approved per consultant and week, and a few entries are wrong in ways that happen in real
/// life (too many hours, a project the ERP does not know yet).
/// </summary>
public sealed class DemoScenario
{
    public required IReadOnlyList<string> ErpProjects { get; init; }

    public required string UnknownProject { get; init; }

    /// <summary>Each item is one approved timesheet: one webhook call.</summary>
    public required IReadOnlyList<IReadOnlyList<TimeEntry>> Timesheets { get; init; }

    public IEnumerable<TimeEntry> Entries => Timesheets.SelectMany(t => t);

    public static DemoScenario Create(int seed, int consultants, DateOnly month)
    {
        var random = new Random(seed);
        var projects = Enumerable.Range(1, 3).Select(i => $"PRJ-{i:D3}").ToList();
        var unknownProject = "PRJ-999";
        var roles = new[] { "Consultant", "Senior Consultant", "Architect" };
        var timesheets = new List<IReadOnlyList<TimeEntry>>();
        var entryNumber = 0;

        for (var c = 1; c <= consultants; c++)
        {
            var resource = $"EMP-{c:D3}";
            var project = projects[random.Next(projects.Count)];
            var week = new List<TimeEntry>();
            for (var day = month; day.Month == month.Month; day = day.AddDays(1))
            {
                if (day.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday)
                {
                    if (week.Count > 0) { timesheets.Add(week); week = []; }
                    continue;
                }
                entryNumber++;
                week.Add(new TimeEntry($"TE-{entryNumber:D5}", 1, project, resource, day,
                    Hours: 4 + random.Next(0, 9) * 0.5m, Billable: random.NextDouble() > 0.1, roles[c % roles.Length]));
            }
            if (week.Count > 0) timesheets.Add(week);
        }

        // Two realistic mistakes: a typo of 26 hours, and time booked on a project not yet set up in the ERP.
        var first = timesheets[0];
        timesheets[0] = [first[0] with { Hours = 26m }, .. first.Skip(1)];
        var second = timesheets[1];
        timesheets[1] = [second[0] with { ProjectId = unknownProject }, .. second.Skip(1)];

        return new DemoScenario { ErpProjects = projects, UnknownProject = unknownProject, Timesheets = timesheets };
    }
}
