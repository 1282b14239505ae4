using PsaSync.Core.Events;
using PsaSync.Core.Model;
using PsaSync.Core.Ports;

namespace PsaSync.Core.Tests.Support;

/// <summary>Customers, projects and their envelopes, as the CRM, ERP and PSA webhooks would produce them.</summary>
internal static class MasterDataTestData
{
    public const string CustomerKey = "ACC-1";

    public const string ProjectId = "PRJ-1";

    /// <summary>A customer every rule accepts against the sandbox ERP's default reference data.</summary>
    public static Customer Customer(
        string customerKey = CustomerKey,
        string legalName = "Contoso GmbH",
        string billingCountry = "DE",
        string currency = "EUR",
        string? taxId = "DE123456789",
        string paymentTerms = "NET30",
        string legalEntity = "PSDE",
        bool requiresPurchaseOrder = false) =>
        new(customerKey, legalName, billingCountry, currency, taxId, paymentTerms, legalEntity, requiresPurchaseOrder);

    /// <summary>A project every readiness rule accepts (for a customer that requires a PO, too).</summary>
    public static Project Project(
        string projectId = ProjectId,
        int version = 1,
        string customerKey = CustomerKey,
        ProjectStatus status = ProjectStatus.Active,
        string legalEntity = "PSDE",
        string currency = "EUR",
        BillingModel billingModel = BillingModel.TimeAndMaterials,
        string? contractReference = "MSA-2026-001",
        string? purchaseOrder = "PO-77",
        string? taxCode = "DE-VAT-19",
        string practice = "Engineering",
        IReadOnlyList<RoleRate>? rateCard = null,
        IReadOnlyList<PlannedMilestone>? milestones = null,
        decimal? contractCeiling = 120_000m) =>
        new(projectId, version, customerKey, "Contoso data platform", status, legalEntity, currency, billingModel,
            new DateOnly(2026, 4, 1), new DateOnly(2026, 12, 31), contractReference, purchaseOrder, taxCode, practice,
            rateCard ?? [new RoleRate("Consultant", 150m, new DateOnly(2026, 4, 1))],
            milestones ?? [new PlannedMilestone("MS-1", "Discovery", 20_000m, new DateOnly(2026, 5, 15))],
            contractCeiling);

    public static ErpCustomer ErpCustomer(string customerNumber = "CUST-00001", string externalId = CustomerKey, bool requiresPurchaseOrder = false) =>
        new(customerNumber, externalId, "Contoso GmbH", "DE", "EUR", "DE123456789", "NET30", "PSDE", requiresPurchaseOrder);

    public static ErpCustomerDraft Draft(Customer customer) =>
        new(customer.CustomerKey, customer.LegalName, customer.BillingCountry, customer.Currency, customer.TaxId, customer.PaymentTerms,
            customer.LegalEntity, customer.RequiresPurchaseOrder, "corr-seed");

    /// <summary>A closed-won account, as the CRM webhook mapper wraps it.</summary>
    public static EventEnvelope CrmCustomerEnvelope(Customer customer, int revision = 1)
    {
        var key = $"crm:customer:{customer.CustomerKey}:v{revision}";
        return EventEnvelope.Create(new CustomerUpserted(customer, SystemNames.Crm), SystemNames.Crm, $"crm/customer/{customer.CustomerKey}",
            key, CorrelationIds.ForIdempotencyKey(key), TestData.Now);
    }

    /// <summary>An ERP customer change, as the ERP webhook mapper wraps it: the subject is the ERP customer number.</summary>
    public static EventEnvelope ErpCustomerEnvelope(string customerNumber, Customer customer, int version = 1)
    {
        var key = $"erp:customer:{customerNumber}:v{version}";
        return EventEnvelope.Create(new CustomerUpserted(customer, SystemNames.Erp), SystemNames.Erp, $"erp/customer/{customerNumber}",
            key, CorrelationIds.ForIdempotencyKey(key), TestData.Now);
    }

    /// <summary>A project change, as the PSA project webhook mapper wraps it.</summary>
    public static EventEnvelope ProjectEnvelope(Project project)
    {
        var key = $"psa:project:{project.ProjectId}:v{project.Version}";
        return EventEnvelope.Create(new ProjectChanged(project), SystemNames.Psa, $"psa/project/{project.ProjectId}",
            key, CorrelationIds.ForIdempotencyKey(key), TestData.Now);
    }
}
