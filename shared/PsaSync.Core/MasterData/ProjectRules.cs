using PsaSync.Core.Exceptions;
using PsaSync.Core.Messaging;
using PsaSync.Core.Model;
using PsaSync.Core.Ports;

namespace PsaSync.Core.MasterData;

/// <summary>Readiness of a project for the ERP: legal entity, currency, tax, billing data, contract, PO and dimensions.</summary>
public static class ProjectRules
{
    public static IReadOnlyList<BusinessProblem> Check(Project project, ErpCustomer customer, ErpReferenceData reference)
    {
        var problems = new List<BusinessProblem>();
        var who = $"Project {project.ProjectId}";
        var entity = reference.LegalEntities.FirstOrDefault(e => e.Code == project.LegalEntity);
        if (entity is null)
        {
            problems.Add(new(ReasonCodes.ProjectLegalEntityUnknown,
                $"{who} is set up for legal entity '{project.LegalEntity}', which the ERP does not have. Known: {string.Join(", ", reference.LegalEntities.Select(e => e.Code))}."));
        }
        else
        {
            if (!entity.Currencies.Contains(project.Currency))
            {
                problems.Add(new(ReasonCodes.ProjectCurrencyNotAllowed,
                    $"{who} is in {project.Currency}, but legal entity {entity.Code} bills only in {string.Join(", ", entity.Currencies)}."));
            }
            if (!reference.TaxCodes.Any(t => t.Code == project.TaxCode && t.Country == entity.Country))
            {
                problems.Add(new(ReasonCodes.ProjectTaxCodeUnknown,
                    $"{who} has tax code '{project.TaxCode ?? "(none)"}'; legal entity {entity.Code} ({entity.Country}) accepts {string.Join(", ", reference.TaxCodes.Where(t => t.Country == entity.Country).Select(t => t.Code))}."));
            }
        }
        if (MissingBillingData(project) is { } missing)
        {
            problems.Add(new(ReasonCodes.ProjectBillingDataMissing, $"{who} bills {Describe(project.BillingModel)} but has no {missing}."));
        }
        if (string.IsNullOrWhiteSpace(project.ContractReference))
        {
            problems.Add(new(ReasonCodes.ProjectContractMissing, $"{who} has no contract reference."));
        }
        if (customer.RequiresPurchaseOrder && string.IsNullOrWhiteSpace(project.PurchaseOrder))
        {
            problems.Add(new(ReasonCodes.ProjectPurchaseOrderMissing,
                $"{who} has no purchase order, and customer {customer.LegalName} ({customer.CustomerNumber}) requires one on every invoice."));
        }
        if (!reference.DimensionsByPractice.ContainsKey(project.Practice))
        {
            problems.Add(new(ReasonCodes.ProjectPracticeUnknown,
                $"{who} belongs to practice '{project.Practice}', which has no ERP dimensions. Known: {string.Join(", ", reference.DimensionsByPractice.Keys)}."));
        }
        return problems;
    }

    private static string? MissingBillingData(Project project) => project.BillingModel switch
    {
        BillingModel.TimeAndMaterials when project.RateCard.Count == 0 => "rate card",
        BillingModel.FixedFeeMilestones when project.Milestones.Count == 0 || project.Milestones.Any(m => m.Amount <= 0) => "milestone schedule with positive amounts",
        BillingModel.Retainer when project.ContractCeiling is not > 0 => "contract ceiling",
        _ => null,
    };

    private static string Describe(BillingModel model) => model switch
    {
        BillingModel.TimeAndMaterials => "time and materials",
        BillingModel.FixedFeeMilestones => "fixed-fee milestones",
        _ => "a retainer",
    };
}
