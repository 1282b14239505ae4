using System.Net;
using Microsoft.Extensions.DependencyInjection;
using PsaSync.Connectors.Sandbox.Crm;
using PsaSync.Connectors.Sandbox.Psa;
using PsaSync.Core.Exceptions;
using PsaSync.Core.Model;
using PsaSync.Core.Reconciliation;
using PsaSync.Core.Scheduling;
using PsaSync.LocalRuntime;
using PsaSync.Testing;

namespace PsaSync.EndToEnd.Tests;

/// <summary>Customer master and project setup through the local runtime, Azurite and the sandbox ERP, CRM and PSA.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class CustomerAndProjectSyncTests(AzuriteFixture azurite)
{
    private static readonly DateOnly Start = new(2026, 10, 1);

    [Fact]
    public async Task A_closed_won_deal_becomes_an_ERP_customer_and_a_PSA_customer_carrying_both_ids()
    {
        await using var runtime = await LocalRuntimeHarness.StartAsync(azurite);

        await runtime.PostAsync("crm/accounts", SandboxCrmWebhookWriter.ClosedWon(Customer("ACC-100"), 1, DateTimeOffset.UtcNow));
        await runtime.DrainAsync();

        var inErp = Assert.Single(runtime.Erp.Customers);
        Assert.Equal("ACC-100", inErp.ExternalId);
        var inPsa = runtime.Psa.Customers["ACC-100"];
        Assert.Equal(inErp.CustomerNumber, inPsa.ErpCustomerNumber);
        Assert.Equal("ACC-100", inPsa.CrmAccountId);
        Assert.False(string.IsNullOrEmpty(inPsa.PsaCustomerId));
        Assert.Empty(await runtime.OpenExceptionsAsync());
    }

    [Fact]
    public async Task A_project_that_arrives_before_its_customer_waits_and_completes_by_itself()
    {
        await using var runtime = await LocalRuntimeHarness.StartAsync(azurite);
        var project = Project("PRJ-200", "ACC-200");
        runtime.Psa.AddProject(project);

        await runtime.PostAsync("psa/projects", SandboxPsaWebhookWriter.ProjectChanged(project, DateTimeOffset.UtcNow));
        await runtime.DrainAsync();

        Assert.Empty(runtime.Erp.Projects);
        var waiting = Assert.Single(await runtime.OpenExceptionsAsync());
        Assert.Equal(ReasonCodes.ProjectWaitingForCustomer.Code, waiting.ReasonCode);
        Assert.Contains("customer ACC-200", waiting.Message);

        await runtime.PostAsync("crm/accounts", SandboxCrmWebhookWriter.ClosedWon(Customer("ACC-200"), 1, DateTimeOffset.UtcNow));
        await runtime.DrainAsync();

        var inErp = Assert.Single(runtime.Erp.Projects);
        Assert.Equal("PRJ-200", inErp.PsaProjectId);
        Assert.Equal(inErp.ErpProjectCode, runtime.Psa.Projects["PRJ-200"].ErpProjectCode);
        Assert.Empty(await runtime.OpenExceptionsAsync());
    }

    [Fact]
    public async Task Time_that_arrives_before_its_project_and_its_customer_waits_for_both_and_is_posted_by_itself()
    {
        await using var runtime = await LocalRuntimeHarness.StartAsync(azurite);
        var project = Project("PRJ-250", "ACC-250");
        runtime.Psa.AddProject(project);
        var entry = new TimeEntry("TE-250", 1, "PRJ-250", "EMP-001", Start.AddDays(5), 6m, true, "Consultant");
        runtime.Psa.RecordApprovedTime(entry);

        await runtime.PostAsync("psa/time", SandboxPsaWebhookWriter.TimeApproved([entry], DateTimeOffset.UtcNow));
        await runtime.PostAsync("psa/projects", SandboxPsaWebhookWriter.ProjectChanged(project, DateTimeOffset.UtcNow));
        await runtime.DrainAsync();

        Assert.Empty(runtime.Erp.TimeLines);
        Assert.Equal([ReasonCodes.ProjectWaitingForCustomer.Code, ReasonCodes.WaitingForProject.Code],
            (await runtime.OpenExceptionsAsync()).Select(x => x.ReasonCode).Order());

        await runtime.PostAsync("crm/accounts", SandboxCrmWebhookWriter.ClosedWon(Customer("ACC-250"), 1, DateTimeOffset.UtcNow));
        await runtime.DrainAsync();

        var line = Assert.Single(runtime.Erp.TimeLines).Line;
        Assert.Equal(Assert.Single(runtime.Erp.Projects).ErpProjectCode, line.ErpProjectCode);
        Assert.Equal(6m, line.Hours);
        Assert.True(runtime.Psa.TimeEntryStatus.ContainsKey("TE-250"), "the PSA should show the entry as transferred");
        Assert.Empty(await runtime.OpenExceptionsAsync());
    }

    [Fact]
    public async Task The_same_webhooks_delivered_five_times_yield_one_ERP_customer_and_one_ERP_project()
    {
        await using var runtime = await LocalRuntimeHarness.StartAsync(azurite, new Dictionary<string, string?>
        {
            ["PsaSync:Erp:Faults:CommitThenTimeoutRate"] = "0.3",
        });
        var project = Project("PRJ-300", "ACC-300");
        runtime.Psa.AddProject(project);

        await runtime.PostAsync("crm/accounts", SandboxCrmWebhookWriter.ClosedWon(Customer("ACC-300"), 1, DateTimeOffset.UtcNow), times: 5);
        await runtime.PostAsync("psa/projects", SandboxPsaWebhookWriter.ProjectChanged(project, DateTimeOffset.UtcNow), times: 5);
        await runtime.DrainAsync();

        Assert.Single(runtime.Erp.Customers);
        Assert.Single(runtime.Erp.Projects);
        Assert.Single(runtime.Psa.Customers);
        Assert.Empty(await runtime.OpenExceptionsAsync());
    }

    [Fact]
    public async Task Each_invalid_customer_or_project_yields_exactly_one_readable_exception_with_an_owner()
    {
        await using var runtime = await LocalRuntimeHarness.StartAsync(azurite);
        var cases = new (string Route, string Body, RecordRef Record, ReasonCode Reason)[]
        {
            ("crm/accounts", SandboxCrmWebhookWriter.ClosedWon(Customer("ACC-401") with { TaxId = "DE12" }, 1, DateTimeOffset.UtcNow),
                Crm("ACC-401"), ReasonCodes.CustomerTaxIdInvalid),
            ("crm/accounts", SandboxCrmWebhookWriter.ClosedWon(Customer("ACC-402") with { Currency = "JPY" }, 1, DateTimeOffset.UtcNow),
                Crm("ACC-402"), ReasonCodes.CustomerCurrencyNotAllowed),
            ("crm/accounts", SandboxCrmWebhookWriter.ClosedWon(Customer("ACC-403") with { PaymentTerms = "NET999" }, 1, DateTimeOffset.UtcNow),
                Crm("ACC-403"), ReasonCodes.CustomerPaymentTermsUnknown),
        };
        var valid = Customer("ACC-410") with { RequiresPurchaseOrder = true };
        var projectCases = new (Project Project, ReasonCode Reason)[]
        {
            (Project("PRJ-411", "ACC-410") with { RateCard = [] }, ReasonCodes.ProjectBillingDataMissing),
            (Project("PRJ-412", "ACC-410") with { PurchaseOrder = null }, ReasonCodes.ProjectPurchaseOrderMissing),
            (Project("PRJ-413", "ACC-410") with { TaxCode = "GB-VAT-20" }, ReasonCodes.ProjectTaxCodeUnknown),
            (Project("PRJ-414", "ACC-410") with { Practice = "Astrology" }, ReasonCodes.ProjectPracticeUnknown),
        };

        await runtime.PostAsync("crm/accounts", SandboxCrmWebhookWriter.ClosedWon(valid, 1, DateTimeOffset.UtcNow));
        foreach (var (route, body, _, _) in cases)
        {
            await runtime.PostAsync(route, body, times: 2);
        }
        await runtime.DrainAsync();
        foreach (var (project, _) in projectCases)
        {
            runtime.Psa.AddProject(project);
            await runtime.PostAsync("psa/projects", SandboxPsaWebhookWriter.ProjectChanged(project, DateTimeOffset.UtcNow), times: 2);
        }
        await runtime.DrainAsync();

        var open = await runtime.OpenExceptionsAsync();
        var expected = cases.Select(c => (c.Record, c.Reason)).Concat(projectCases.Select(c => (Psa(c.Project.ProjectId), c.Reason))).ToList();
        Assert.Equal(expected.Count, open.Count);
        foreach (var (record, reason) in expected)
        {
            var item = Assert.Single(open, x => x.SourceRecord == record);
            Assert.Equal(reason.Code, item.ReasonCode);
            Assert.Equal(reason.Owner, item.Owner);
            Assert.Contains(record.Id, item.Message);
            Assert.False(string.IsNullOrWhiteSpace(item.HowToFix));
        }
        Assert.Single(runtime.Erp.Customers);
        Assert.Empty(runtime.Erp.Projects);
    }

    [Fact]
    public async Task Drift_made_by_hand_in_the_ERP_is_reported_and_healed_by_the_reconciliation_timer()
    {
        var options = new LocalRuntimeOptions { Port = 0 };
        options.Timers[JobNames.CustomerReconciliation] = TimeSpan.FromMilliseconds(500);
        await using var runtime = await LocalRuntimeHarness.StartAsync(azurite, options: options);
        await runtime.PostAsync("crm/accounts", SandboxCrmWebhookWriter.ClosedWon(Customer("ACC-500"), 1, DateTimeOffset.UtcNow));
        await runtime.DrainAsync();
        var number = Assert.Single(runtime.Erp.Customers).CustomerNumber;

        runtime.Erp.EditCustomerDirectly(number, c => c with { LegalName = "Renamed By Finance Ltd" });

        var reports = runtime.App.Services.GetRequiredService<IReconciliationReports>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        Drift? drift = null;
        while (drift is null)
        {
            Assert.True(DateTime.UtcNow < deadline, "the reconciliation timer did not report the drift");
            await Task.Delay(200);
            var report = await reports.LatestAsync(JobNames.CustomerReconciliation, CancellationToken.None);
            drift = report?.Drifts.SingleOrDefault(d => d.Record.Id == number && d.Kind == DriftKind.FieldMismatch);
        }
        Assert.True(drift.Healed);
        Assert.Contains("Renamed By Finance Ltd", drift.Detail);
        Assert.Equal("Renamed By Finance Ltd", runtime.Psa.Customers["ACC-500"].LegalName);
    }

    [Fact]
    public async Task A_webhook_not_signed_with_its_sources_secret_is_refused_with_401_and_nothing_is_queued()
    {
        await using var runtime = await LocalRuntimeHarness.StartAsync(azurite);
        var body = SandboxCrmWebhookWriter.ClosedWon(Customer("ACC-600"), 1, DateTimeOffset.UtcNow);

        using var missing = await runtime.SendAsync("crm/accounts", body, secret: null);
        using var wrong = await runtime.SendAsync("crm/accounts", body, secret: "guess");
        await runtime.DrainAsync();

        foreach (var (response, reason) in new[] { (missing, "WEBHOOK_SIGNATURE_MISSING"), (wrong, "WEBHOOK_SIGNATURE_INVALID") })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains(reason, await response.Content.ReadAsStringAsync());
        }
        Assert.Empty(runtime.Erp.Customers);
    }

    private static Customer Customer(string key) =>
        new(key, $"Customer {key} GmbH", "DE", "EUR", "DE" + key.Replace("ACC-", "", StringComparison.Ordinal).PadLeft(9, '0'), "NET30", "PSDE", RequiresPurchaseOrder: false);

    private static Project Project(string id, string customerKey) => new(
        id, 1, customerKey, $"Project {id}", ProjectStatus.Active, "PSDE", "EUR", BillingModel.TimeAndMaterials, Start, Start.AddMonths(6),
        $"MSA-{id}", $"PO-{id}", "DE-VAT-19", "Advisory", [new RoleRate("Consultant", 150m, Start)], [], null);

    private static RecordRef Crm(string key) => new(SystemNames.Crm, EntityKinds.Customer, key);

    private static RecordRef Psa(string id) => new(SystemNames.Psa, EntityKinds.Project, id);
}
