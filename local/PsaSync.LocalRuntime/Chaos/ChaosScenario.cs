using PsaSync.Core.Billing;
using PsaSync.Core.Model;

namespace PsaSync.LocalRuntime.Chaos;

/// <summary>Size of a chaos month. The defaults are the full size; <see cref="Ci"/> is the reduction CI runs.</summary>
public sealed class ChaosSize
{
    public int Customers { get; set; } = 50;

    public int Projects { get; set; } = 200;

    public int Consultants { get; set; } = 300;

    /// <summary>Time entries a consultant books per working day (split across their projects): 300 x 22 days x 4 = 26,400.</summary>
    public int EntriesPerDay { get; set; } = 4;

    public int Expenses { get; set; } = 2000;

    public int Milestones { get; set; } = 50;

    /// <summary>CI: 6 customers, 12 projects, 8 consultants x 22 days x 2 entries (352 entries), 40 expenses, 4 milestones.</summary>
    public static ChaosSize Ci => new() { Customers = 6, Projects = 12, Consultants = 8, EntriesPerDay = 2, Expenses = 40, Milestones = 4 };
}

/// <summary>
/// A month of a mid-size consulting firm, reproducible from a seed: customers, their projects, consultants' weekly
/// timesheets, expenses and completed milestones, plus the mistakes a chaos run must see handled: one time entry
/// with a 26-hour typo and a few late entries in the previous month, whose period the ERP has closed.
/// </summary>
public sealed class ChaosScenario
{
    public required DateOnly Month { get; init; }

    public required IReadOnlyList<Customer> Customers { get; init; }

    public required IReadOnlyList<Project> Projects { get; init; }

    /// <summary>Each item is one approved timesheet (one consultant, one week): one webhook call.</summary>
    public required IReadOnlyList<IReadOnlyList<TimeEntry>> Timesheets { get; init; }

    public required IReadOnlyList<Expense> Expenses { get; init; }

    public required IReadOnlyList<Milestone> Milestones { get; init; }

    public IEnumerable<TimeEntry> Entries => Timesheets.SelectMany(t => t);

    /// <summary>The month before <see cref="Month"/>; the ERP has closed it, and some late time is dated in it.</summary>
    public string ClosedPeriod => LedgerEntry.PeriodOf(Month.AddMonths(-1));

    public string Period => LedgerEntry.PeriodOf(Month);

    public static ChaosScenario Create(int seed, ChaosSize size, DateOnly month)
    {
        var random = new Random(seed);
        var countries = new[] { ("DE", "EUR", "PSDE", "DE-VAT-19"), ("US", "USD", "PSUS", "US-EXEMPT"), ("GB", "GBP", "PSGB", "GB-VAT-20") };
        var customers = Enumerable.Range(1, size.Customers).Select(i =>
        {
            var (country, currency, entity, _) = countries[i % countries.Length];
            var taxId = country switch { "DE" => $"DE{100000000 + i}", "GB" => $"GB{200000000 + i}", _ => $"{10 + i % 80}-{1000000 + i}" };
            return new Customer($"CUS-{i:D4}", $"Chaos Customer {i:D4} {country}", country, currency, taxId, "NET30", entity, RequiresPurchaseOrder: false);
        }).ToList();

        var roles = new[] { "Consultant", "Senior Consultant", "Architect" };
        var milestoneProjects = new HashSet<int>(Enumerable.Range(0, Math.Min(size.Milestones, size.Projects)));
        var projects = Enumerable.Range(0, size.Projects).Select(i =>
        {
            var customer = customers[i % customers.Count];
            var taxCode = countries.First(c => c.Item1 == customer.BillingCountry).Item4;
            IReadOnlyList<PlannedMilestone> plan = milestoneProjects.Contains(i)
                ? [new PlannedMilestone($"MS-{i + 1:D4}", "Acceptance", 1_000m + 250m * (i % 8), month.AddDays(27))]
                : [];
            return new Project($"PRJ-{i + 1:D4}", 1, customer.CustomerKey, $"{customer.LegalName} programme {i + 1}", ProjectStatus.Active,
                customer.LegalEntity, customer.Currency, BillingModel.TimeAndMaterials, month.AddMonths(-2), month.AddMonths(6), $"MSA-{i + 1:D4}", null,
                taxCode, "Engineering",
                [new RoleRate(roles[0], 150m, month.AddYears(-1)), new RoleRate(roles[1], 190m, month.AddYears(-1)), new RoleRate(roles[2], 240m, month.AddYears(-1))],
                plan, null);
        }).ToList();

        var timesheets = new List<IReadOnlyList<TimeEntry>>();
        var entryNumber = 0;
        for (var c = 1; c <= size.Consultants; c++)
        {
            var resource = $"EMP-{c:D4}";
            var role = roles[c % roles.Length];
            var mine = Enumerable.Range(0, 3).Select(_ => projects[random.Next(projects.Count)].ProjectId).Distinct().ToList();
            var week = new List<TimeEntry>();
            for (var day = month; day.Month == month.Month; day = day.AddDays(1))
            {
                if (day.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday)
                {
                    if (week.Count > 0) { timesheets.Add(week); week = []; }
                    continue;
                }
                for (var e = 0; e < size.EntriesPerDay; e++)
                {
                    entryNumber++;
                    week.Add(new TimeEntry($"TE-{entryNumber:D6}", 1, mine[random.Next(mine.Count)], resource, day,
                        Hours: 1m + random.Next(0, 5) * 0.5m, Billable: random.NextDouble() > 0.1, role));
                }
            }
            if (week.Count > 0) timesheets.Add(week);
        }
        // A typo of 26 hours (rejected at the edge of the domain), and late time in the closed previous month.
        timesheets[0] = [timesheets[0][0] with { Hours = 26m }, .. timesheets[0].Skip(1)];
        var late = timesheets[^1].Take(2).Select(e => e with { EntryId = e.EntryId + "-LATE", WorkDate = month.AddDays(-3) }).ToList();
        timesheets.Add(late);

        var expenses = Enumerable.Range(1, size.Expenses).Select(i =>
        {
            var project = projects[random.Next(projects.Count)];
            return new Expense($"EX-{i:D5}", 1, project.ProjectId, $"EMP-{1 + random.Next(size.Consultants):D4}", month.AddDays(random.Next(0, 28)),
                i % 3 == 0 ? "Meals" : "Travel", 20m + random.Next(0, 400), project.Currency, Billable: i % 5 != 0, MarkupPercent: i % 2 == 0 ? 10m : 0m, $"R-{i:D5}");
        }).ToList();

        var milestones = projects.Where(p => p.Milestones.Count > 0)
            .Select(p => new Milestone(p.Milestones[0].MilestoneId, p.ProjectId, p.Milestones[0].Name, p.Milestones[0].Amount, p.Currency, month.AddDays(20)))
            .ToList();

        return new ChaosScenario { Month = month, Customers = customers, Projects = projects, Timesheets = timesheets, Expenses = expenses, Milestones = milestones };
    }
}
