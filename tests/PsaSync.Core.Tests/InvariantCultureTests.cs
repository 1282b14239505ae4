using System.Text.Json;
using System.Text.Json.Nodes;
using NSubstitute;
using PsaSync.Connectors.Sandbox;
using PsaSync.Connectors.Sandbox.Erp;
using PsaSync.Connectors.Sandbox.Psa;
using PsaSync.Core.Billing;
using PsaSync.Core.Events;
using PsaSync.Core.Exceptions;
using PsaSync.Core.Ingress;
using PsaSync.Core.Messaging;
using PsaSync.Core.Model;
using PsaSync.Core.Ports;
using PsaSync.Core.Tests.Support;
using PsaSync.Core.TimeExpense;
using PsaSync.Core.Tracing;
using static PsaSync.Core.Tests.TimeExpense.ExpenseAndMilestoneTestData;

namespace PsaSync.Core.Tests;

/// <summary>
/// What PsaSync stores and sends reads the same on a machine set up for Thai (Buddhist-era years: 2026 is 2569) or
/// German (decimal comma): ISO dates with the Gregorian year and decimals with a point, whatever the current culture.
/// </summary>
public sealed class InvariantCultureTests
{
    [Theory]
    [InlineData("th-TH")]
    [InlineData("de-DE")]
    public void Invoice_lines_give_hours_and_rates_with_a_decimal_point(string culture)
    {
        using var scope = CultureScope.Use(culture);
        var project = MasterDataTestData.Project(rateCard:
        [
            new RoleRate("Consultant", 150m, new DateOnly(2026, 4, 1)),
            new RoleRate("Architect", 1_250m, new DateOnly(2026, 4, 1)),
        ]);
        LedgerEntry Time(string entryId, string role, decimal hours) =>
            LedgerEntry.ForTime(TestData.TimeEntry(entryId: entryId, projectId: project.ProjectId, workDate: new DateOnly(2026, 4, 7), hours: hours, role: role), "corr-1");

        var lines = InvoiceLines.Build(
            [Time("TE-1", "Consultant", 7.5m), Time("TE-2", "Architect", 0.25m), LedgerEntry.ForExpense(Expense(projectId: project.ProjectId) with { IncurredOn = new DateOnly(2026, 4, 8) }, "corr-2")],
            project);

        Assert.Equal(["Architect – 0.25 h at 1250.00", "Consultant – 7.5 h at 150.00", "Travel 2026-04-08 (receipt R-77)"], lines.Select(l => l.Description));
        Assert.Equal([312.50m, 1_125.00m, 220.00m], lines.Select(l => l.Amount));
    }

    [Theory]
    [InlineData("th-TH")]
    [InlineData("de-DE")]
    public void Ledger_entries_are_described_with_iso_dates_in_the_gregorian_calendar(string culture)
    {
        using var scope = CultureScope.Use(culture);

        var time = LedgerEntry.ForTime(TestData.TimeEntry(), "corr-1");
        var expense = LedgerEntry.ForExpense(Expense(), "corr-2");
        var milestone = LedgerEntry.ForMilestone(Milestone(), "corr-3");

        Assert.Equal("Consultant 2026-03-09", time.Description);
        Assert.Equal("Travel 2026-03-09 (receipt R-77)", expense.Description);
        Assert.Equal("Milestone Discovery 2026-03-20", milestone.Description);
        Assert.Equal(["2026-03", "2026-03", "2026-03"], new[] { time.Period, expense.Period, milestone.Period });
    }

    [Theory]
    [InlineData("th-TH")]
    [InlineData("de-DE")]
    public async Task The_expense_handler_traces_amounts_and_raises_items_with_a_decimal_point_and_iso_dates(string culture)
    {
        using var scope = CultureScope.Use(culture);
        var exceptions = Substitute.For<IExceptionStore>();
        var correlationLog = Substitute.For<ICorrelationLog>();
        var clock = new FakeTimeProvider(TestData.Now);
        var support = new HandlerSupport(exceptions, correlationLog, clock, new RecordingTelemetry());
        var projects = new InMemoryProjectProfiles();
        projects.Projects[TestData.PsaProjectId] = Project();
        var handler = new ExpenseApprovedHandler(projects, new InMemoryLedger(), new TestParking(support, clock).Parking, support);

        await handler.HandleAsync(Envelope(Expense(expenseId: "EX-1", amount: 123.45m, markupPercent: 12.5m)), isRedelivery: false, CancellationToken.None);
        await handler.HandleAsync(Envelope(Expense(expenseId: "EX-2", amount: 100_000.5m)), isRedelivery: false, CancellationToken.None);

        var trace = (TraceEntry)Assert.Single(correlationLog.ReceivedCalls(), c => c.GetArguments()[0] is TraceEntry { Step: TraceSteps.Ledgered }).GetArguments()[0]!;
        Assert.Equal("Expense of 138.88 EUR (123.45 + 12.5 % markup) added to the unbilled ledger of PRJ-100 for 2026-03.", trace.Detail);
        Assert.Equal("Expense EX-2 of 2026-03-09 has the amount 100000.5; an approved expense must be more than 0 and less than 100000.",
            exceptions.SingleRaised().Message);
    }

    [Theory]
    [InlineData("th-TH")]
    [InlineData("de-DE")]
    public void The_sandbox_psa_writes_time_webhooks_with_iso_dates_that_map_back_to_the_same_entries(string culture)
    {
        using var scope = CultureScope.Use(culture);
        var entry = TestData.TimeEntry(hours: 7.25m);

        var body = SandboxPsaWebhookWriter.TimeApproved([entry], TestData.Now);

        var payload = JsonNode.Parse(body)!["timeEntries"]![0]!;
        Assert.Equal("2026-03-09", payload["date"]!.GetValue<string>());
        Assert.Equal(7.25m, payload["hours"]!.GetValue<decimal>());
        using var document = JsonDocument.Parse(body);
        var mapped = Assert.IsType<WebhookMapping.Accepted>(new SandboxPsaTimeWebhookMapper().Map(document.RootElement, new WebhookContext(TestData.Now, "req-1")));
        Assert.Equal(entry, Assert.Single(mapped.Envelopes).DataAs<TimeApproved>().Entry);
    }

    [Theory]
    [InlineData("th-TH")]
    [InlineData("de-DE")]
    public async Task The_sandbox_erp_names_a_closed_period_by_its_gregorian_year(string culture)
    {
        using var scope = CultureScope.Use(culture);
        var erp = new SandboxErp(new SandboxFaultOptions());
        erp.SeedProject(new ErpProject(TestData.ErpProjectCode, TestData.PsaProjectId, Active: true));
        erp.ClosePeriod("2026-03");

        var refusal = await Assert.ThrowsAsync<ErpException>(() => erp.PostTimeAsync(
            new ErpTimeLine("PSA-TE-TE-1-V1", TestData.ErpProjectCode, "RES-7", TestData.WorkDate, 7.5m, true, "Consultant", "corr-1"), CancellationToken.None));

        Assert.Equal(ErpFailureKind.PeriodClosed, refusal.Kind);
        Assert.Equal("Fiscal period 2026-03 is closed for posting.", refusal.Message);
    }
}
