using System.Text.Json;
using System.Text.Json.Nodes;
using PsaSync.Core.Events;
using PsaSync.Core.Ingress;
using PsaSync.Core.Model;
using PsaSync.Core.Ports;
using PsaSync.Core.Tests.Support;

namespace PsaSync.Core.Tests.Sandbox;

/// <summary>Customers, projects and drafts the sandbox master data tests share, and helpers to map and alter webhook bodies.</summary>
internal static class SandboxMasterData
{
    public static readonly WebhookContext Context = new(TestData.Now.AddMinutes(1), "req-1");

    public static Customer Customer(
        string customerKey = "ACC-1",
        string legalName = "Contoso GmbH",
        string billingCountry = "DE",
        string currency = "EUR",
        string? taxId = "DE123456789",
        string paymentTerms = "NET30",
        string legalEntity = "PSDE",
        bool requiresPurchaseOrder = true) =>
        new(customerKey, legalName, billingCountry, currency, taxId, paymentTerms, legalEntity, requiresPurchaseOrder);

    public static ErpCustomerDraft CustomerDraft(
        string externalId = "ACC-1",
        string legalName = "Contoso GmbH",
        string billingCountry = "DE",
        string? taxId = "DE123456789",
        string currency = "EUR",
        string legalEntity = "PSDE") =>
        new(externalId, legalName, billingCountry, currency, taxId, "NET30", legalEntity, RequiresPurchaseOrder: false, CorrelationId: "corr-" + externalId);

    public static ErpProjectDraft ProjectDraft(string psaProjectId = "PRJ-1", string customerNumber = "CUST-00001", string legalEntity = "PSDE") =>
        new(psaProjectId, customerNumber, "Contoso data platform", legalEntity, "EUR", BillingModel.TimeAndMaterials, "MSA-2026-001", "PO-77",
            "DE-VAT-19", new ErpDimensions("CC-200", "DEP-ENG", "REV-SERVICES"), ContractCeiling: 120_000m,
            new DateOnly(2026, 4, 1), new DateOnly(2026, 12, 31), "corr-" + psaProjectId);

    public static Project Project(
        string projectId = "PRJ-1",
        int version = 1,
        ProjectStatus status = ProjectStatus.Active,
        BillingModel billingModel = BillingModel.TimeAndMaterials,
        DateOnly? endDate = null,
        decimal? contractCeiling = 120_000m,
        string? purchaseOrder = "PO-77") =>
        new(projectId, version, "ACC-1", "Contoso data platform", status, "PSDE", "EUR", billingModel,
            new DateOnly(2026, 4, 1), endDate, "MSA-2026-001", purchaseOrder, "DE-VAT-19", "Engineering",
            [new RoleRate("Consultant", 150m, new DateOnly(2026, 4, 1)), new RoleRate("Architect", 210.5m, new DateOnly(2026, 7, 1))],
            [new PlannedMilestone("MS-1", "Discovery", 20_000m, new DateOnly(2026, 5, 15)), new PlannedMilestone("MS-2", "Go-live", 45_000.25m, new DateOnly(2026, 9, 30))],
            contractCeiling);

    /// <summary>Records with lists compare their lists by reference; this compares them element by element.</summary>
    public static void AssertSameProject(Project expected, Project actual)
    {
        Assert.Equal(expected.RateCard, actual.RateCard);
        Assert.Equal(expected.Milestones, actual.Milestones);
        Assert.Equal(expected with { RateCard = [], Milestones = [] }, actual with { RateCard = [], Milestones = [] });
    }

    public static WebhookMapping Map(IWebhookMapper mapper, string body)
    {
        using var document = JsonDocument.Parse(body);
        return mapper.Map(document.RootElement, Context);
    }

    public static EventEnvelope MapSingle(IWebhookMapper mapper, string body) =>
        Assert.Single(Assert.IsType<WebhookMapping.Accepted>(Map(mapper, body)).Envelopes);

    public static WebhookMapping.Invalid MapInvalid(IWebhookMapper mapper, string body) =>
        Assert.IsType<WebhookMapping.Invalid>(Map(mapper, body));

    /// <summary>A body changed by <paramref name="change"/>, e.g. a field removed or set to something malformed.</summary>
    public static string Altered(string body, Action<JsonObject> change)
    {
        var json = JsonNode.Parse(body)!.AsObject();
        change(json);
        return json.ToJsonString();
    }
}
