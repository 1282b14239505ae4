using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using PsaSync.Connectors.Sandbox.Crm;
using PsaSync.Connectors.Sandbox.Erp;
using PsaSync.Connectors.Sandbox.Psa;
using PsaSync.Core.Billing;
using PsaSync.Core.Model;
using PsaSync.Core.Ports;
using PsaSync.Testing;

namespace PsaSync.EndToEnd.Tests;

/// <summary>
/// Approved expenses and completed milestones reach the unbilled ledger through their PSA webhooks and end up on the
/// invoice the billing-readiness workflow posts, beside the approved time.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ExpenseAndMilestoneBillingTests(AzuriteFixture azurite)
{
    private const string ProjectId = "PRJ-710";
    private const string Period = "2026-10";
    private static readonly DateOnly Start = new(2026, 1, 1);

    private static readonly TimeEntry[] Approved =
    [
        new("TE-7101", 1, ProjectId, "EMP-1", new DateOnly(2026, 10, 5), 8m, true, "Consultant"),
        new("TE-7102", 1, ProjectId, "EMP-2", new DateOnly(2026, 10, 6), 6m, true, "Senior Consultant"),
    ];

    private static readonly Expense Travel = new("EX-7101", 1, ProjectId, "EMP-1", new DateOnly(2026, 10, 7), "Travel", 480m, "EUR", true, 10m, "R-7101");

    private static readonly Expense Lunch = new("EX-7102", 1, ProjectId, "EMP-1", new DateOnly(2026, 10, 7), "Meals", 35m, "EUR", false, 0m, "R-7102");

    private static readonly Milestone Acceptance = new("MS-710", ProjectId, "Acceptance", 5_000m, "EUR", new DateOnly(2026, 10, 20));

    [Fact]
    public async Task An_approved_expense_with_markup_and_a_completed_milestone_are_on_the_posted_invoice()
    {
        await using var runtime = await ReadyToBillAsync();

        var ledger = await runtime.App.Services.GetRequiredService<IUnbilledLedger>().ListAsync(ProjectId, Period, CancellationToken.None);
        Assert.Equal(528m, Assert.Single(ledger, e => e.Kind == LedgerEntryKind.Expense).Amount);
        Assert.Equal(5_000m, Assert.Single(ledger, e => e.Kind == LedgerEntryKind.Milestone).Amount);

        using var started = await runtime.PostEmptyAsync($"api/billing/{ProjectId}/{Period}");
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var status = await WaitForCompletionAsync(runtime);

        Assert.Equal(BillingState.Invoiced, status.Output!.State);
        var invoice = Assert.Single(runtime.Erp.Invoices);
        Assert.Equal(ErpInvoiceStatus.Posted, invoice.Status);
        Assert.Equal(8m * 150m + 6m * 190m + 480m * 1.1m + 5_000m, invoice.Net);
        Assert.Equal(invoice.Net + invoice.Tax, invoice.Gross);
        Assert.All(await runtime.App.Services.GetRequiredService<IUnbilledLedger>().ListAsync(ProjectId, Period, CancellationToken.None),
            e => Assert.Equal(LedgerEntryState.Billed, e.State));
    }

    /// <summary>A customer and a T&amp;M project with a planned milestone, approved time, two approved expenses (one not billable) and the completed milestone, each webhook sent twice.</summary>
    private async Task<LocalRuntimeHarness> ReadyToBillAsync()
    {
        var runtime = await LocalRuntimeHarness.StartAsync(azurite);
        var customer = new Customer("ACC-710", "Meilenstein Kunde GmbH", "DE", "EUR", "DE000000710", "NET30", "PSDE", RequiresPurchaseOrder: false);
        var project = new Project(ProjectId, 1, customer.CustomerKey, "Milestone rollout", ProjectStatus.Active, "PSDE", "EUR", BillingModel.TimeAndMaterials,
            Start, null, "MSA-710", null, "DE-VAT-19", "Advisory",
            [new RoleRate("Consultant", 150m, Start), new RoleRate("Senior Consultant", 190m, Start)],
            [new PlannedMilestone(Acceptance.MilestoneId, Acceptance.Name, Acceptance.Amount, new DateOnly(2026, 10, 31))], null);
        await runtime.PostAsync("crm/accounts", SandboxCrmWebhookWriter.ClosedWon(customer, 1, DateTimeOffset.UtcNow));
        await runtime.DrainAsync();
        runtime.Psa.AddProject(project);
        await runtime.PostAsync("psa/projects", SandboxPsaWebhookWriter.ProjectChanged(project, DateTimeOffset.UtcNow));
        await runtime.DrainAsync();
        foreach (var entry in Approved)
        {
            runtime.Psa.RecordApprovedTime(entry);
        }
        runtime.Psa.RecordApprovedExpense(Travel);
        runtime.Psa.RecordApprovedExpense(Lunch);
        await runtime.PostAsync("psa/time", SandboxPsaWebhookWriter.TimeApproved(Approved, DateTimeOffset.UtcNow));
        await runtime.PostAsync("psa/expenses", SandboxPsaWebhookWriter.ExpensesApproved([Travel, Lunch], DateTimeOffset.UtcNow), times: 2);
        await runtime.PostAsync("psa/milestones", SandboxPsaWebhookWriter.MilestoneCompleted(Acceptance, DateTimeOffset.UtcNow), times: 2);
        await runtime.DrainAsync();
        Assert.Empty(await runtime.OpenExceptionsAsync());
        return runtime;
    }

    private static async Task<BillingRunStatus> WaitForCompletionAsync(LocalRuntimeHarness runtime)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            using var response = await runtime.GetAsync($"api/billing/{ProjectId}/{Period}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var status = (await JsonSerializer.DeserializeAsync<BillingRunStatus>(await response.Content.ReadAsStreamAsync(), Core.Events.PsaSyncJson.Options))!;
            if (status.RuntimeStatus is "Completed" or "Failed" or "Terminated")
            {
                return status;
            }
            Assert.True(DateTime.UtcNow < deadline, "the billing run did not get there in time");
            await Task.Delay(100);
        }
    }
}
