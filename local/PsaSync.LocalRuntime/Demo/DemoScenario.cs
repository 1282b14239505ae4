using PsaSync.Core.Model;

namespace PsaSync.LocalRuntime.Demo;

/// <summary>
/// A month in a small firm, reproducible from a seed: deals closed in the CRM, projects set up in the PSA,
/// consultants' time approved per week, with the mistakes that happen in real life (a customer the legal
/// entity cannot bill, a customer entered twice, a project missing its PO, a project activated before its
/// customer has synced, a typo of 26 hours, time on a project the ERP does not know).
/// </summary>
public sealed class DemoScenario
{
    /// <summary>Closed-won accounts sent before the projects.</summary>
    public required IReadOnlyList<Customer> Customers { get; init; }

    /// <summary>
    /// One of <see cref="Customers"/> entered again by another sales rep, sent once the original has synced. Sent
    /// together, either account could claim the company first; the scenario wants the original to be the one synced.
    /// </summary>
    public required Customer DuplicateCustomer { get; init; }

    /// <summary>A customer whose deal closes only after its project was activated in the PSA.</summary>
    public required Customer LateCustomer { get; init; }

    public required IReadOnlyList<Project> Projects { get; init; }

    public required string UnknownProject { get; init; }

    /// <summary>Each item is one approved timesheet: one webhook call.</summary>
    public required IReadOnlyList<IReadOnlyList<TimeEntry>> Timesheets { get; init; }

    public IEnumerable<TimeEntry> Entries => Timesheets.SelectMany(t => t);

    public IEnumerable<Customer> AllCustomers => Customers.Append(DuplicateCustomer).Append(LateCustomer);

    /// <summary>The projects time is booked on (all set up correctly, so time can reach them).</summary>
    public IReadOnlyList<string> BillableProjects => [.. Projects.Take(3).Select(p => p.ProjectId)];

    public static DemoScenario Create(int seed, int consultants, DateOnly month)
    {
        var contoso = new Customer("ACC-001", "Contoso Beratung GmbH", "DE", "EUR", "DE129273398", "NET30", "PSDE", RequiresPurchaseOrder: true);
        var fabrikam = new Customer("ACC-002", "Fabrikam Inc", "US", "USD", "12-3456789", "NET45", "PSUS", RequiresPurchaseOrder: false);
        var northwind = new Customer("ACC-003", "Northwind Traders Ltd", "GB", "GBP", "GB123456789", "NET30", "PSGB", RequiresPurchaseOrder: false);
        var customers = new[]
        {
            contoso,
            fabrikam,
            // The legal entity cannot invoice in yen, and the tax id is not a German one.
            new Customer("ACC-004", "Tailspin Toys GmbH", "DE", "JPY", "DE12", "NET30", "PSDE", RequiresPurchaseOrder: false),
        };

        Project ProjectFor(string id, Customer customer, string? po, string practice) => new(
            id, 1, customer.CustomerKey, $"{customer.LegalName} rollout", ProjectStatus.Active, customer.LegalEntity, customer.Currency,
            BillingModel.TimeAndMaterials, month, month.AddMonths(6), $"MSA-{id}", po, TaxCodeFor(customer.BillingCountry), practice,
            [new RoleRate("Consultant", 150m, month.AddYears(-1)), new RoleRate("Senior Consultant", 190m, month.AddYears(-1)), new RoleRate("Architect", 240m, month.AddYears(-1))],
            [], null);

        var projects = new[]
        {
            ProjectFor("PRJ-001", contoso, "PO-4711", "Advisory"),
            ProjectFor("PRJ-002", fabrikam, null, "Engineering"),
            ProjectFor("PRJ-003", northwind, null, "Engineering"),
            // Contoso requires a purchase order on every invoice; this project has none.
            ProjectFor("PRJ-004", contoso, null, "Managed"),
        };

        var random = new Random(seed);
        var billable = projects.Take(3).Select(p => p.ProjectId).ToList();
        var roles = new[] { "Consultant", "Senior Consultant", "Architect" };
        var timesheets = new List<IReadOnlyList<TimeEntry>>();
        var entryNumber = 0;
        for (var c = 1; c <= consultants; c++)
        {
            var resource = $"EMP-{c:D3}";
            var project = billable[random.Next(billable.Count)];
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

        // Two realistic mistakes: a typo of 26 hours, and time booked on a project not set up in the ERP.
        var unknownProject = "PRJ-999";
        var first = timesheets[0];
        timesheets[0] = [first[0] with { Hours = 26m }, .. first.Skip(1)];
        var second = timesheets[1];
        timesheets[1] = [second[0] with { ProjectId = unknownProject }, .. second.Skip(1)];

        return new DemoScenario
        {
            Customers = customers,
            DuplicateCustomer = contoso with { CustomerKey = "ACC-005", LegalName = "CONTOSO BERATUNG, GmbH" },
            LateCustomer = northwind,
            Projects = projects,
            UnknownProject = unknownProject,
            Timesheets = timesheets,
        };
    }

    private static string TaxCodeFor(string country) => country switch
    {
        "DE" => "DE-VAT-19",
        "GB" => "GB-VAT-20",
        _ => "US-EXEMPT",
    };
}
