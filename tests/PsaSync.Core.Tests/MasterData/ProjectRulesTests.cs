using PsaSync.Connectors.Sandbox.Erp;
using PsaSync.Core.Exceptions;
using PsaSync.Core.MasterData;
using PsaSync.Core.Messaging;
using PsaSync.Core.Model;
using PsaSync.Core.Ports;
using static PsaSync.Core.Tests.Support.MasterDataTestData;

namespace PsaSync.Core.Tests.MasterData;

public class ProjectRulesTests
{
    private static readonly ErpReferenceData Reference = SandboxErp.DefaultReferenceData;

    private static IReadOnlyList<BusinessProblem> Check(Project project, bool customerRequiresPo = false) =>
        ProjectRules.Check(project, ErpCustomer(requiresPurchaseOrder: customerRequiresPo), Reference);

    private static BusinessProblem SingleProblem(Project project, ReasonCode expected, bool customerRequiresPo = false)
    {
        var problem = Assert.Single(Check(project, customerRequiresPo));
        Assert.Equal(expected, problem.Reason);
        Assert.Contains(project.ProjectId, problem.Message, StringComparison.Ordinal);
        return problem;
    }

    [Fact]
    public void A_ready_project_has_no_problems_even_for_a_customer_that_requires_a_PO()
    {
        Assert.Empty(Check(Project(), customerRequiresPo: true));
    }

    [Fact]
    public void Each_billing_model_with_its_data_is_ready()
    {
        Assert.Empty(Check(Project(billingModel: BillingModel.TimeAndMaterials, milestones: [], contractCeiling: null)));
        Assert.Empty(Check(Project(billingModel: BillingModel.FixedFeeMilestones, rateCard: [], contractCeiling: null)));
        Assert.Empty(Check(Project(billingModel: BillingModel.Retainer, rateCard: [], milestones: [])));
    }

    [Fact]
    public void A_ready_project_of_another_legal_entity_has_no_problems()
    {
        Assert.Empty(Check(Project(legalEntity: "PSUS", currency: "USD", taxCode: "US-EXEMPT", practice: "Advisory")));
    }

    [Fact]
    public void An_unknown_legal_entity_is_PROJECT_LEGAL_ENTITY_UNKNOWN_alone()
    {
        var problem = SingleProblem(Project(legalEntity: "PSFR", currency: "XXX", taxCode: "FR-VAT-20"), ReasonCodes.ProjectLegalEntityUnknown);

        Assert.Contains("'PSFR'", problem.Message, StringComparison.Ordinal);
        Assert.Contains("PSUS, PSDE, PSGB", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_currency_the_legal_entity_does_not_bill_in_is_PROJECT_CURRENCY_NOT_ALLOWED()
    {
        var problem = SingleProblem(Project(currency: "USD"), ReasonCodes.ProjectCurrencyNotAllowed);

        Assert.Contains("USD", problem.Message, StringComparison.Ordinal);
        Assert.Contains("EUR", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_tax_code_of_another_country_is_PROJECT_TAX_CODE_UNKNOWN_naming_the_right_ones()
    {
        var problem = SingleProblem(Project(taxCode: "GB-VAT-20"), ReasonCodes.ProjectTaxCodeUnknown);

        Assert.Contains("'GB-VAT-20'", problem.Message, StringComparison.Ordinal);
        Assert.Contains("DE-VAT-19", problem.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("DE-VAT-7")]
    public void A_missing_or_unknown_tax_code_is_PROJECT_TAX_CODE_UNKNOWN(string? taxCode)
    {
        SingleProblem(Project(taxCode: taxCode), ReasonCodes.ProjectTaxCodeUnknown);
    }

    [Fact]
    public void Time_and_materials_without_a_rate_card_is_PROJECT_BILLING_DATA_MISSING()
    {
        var problem = SingleProblem(Project(billingModel: BillingModel.TimeAndMaterials, rateCard: []), ReasonCodes.ProjectBillingDataMissing);

        Assert.Contains("rate card", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fixed_fee_without_milestones_is_PROJECT_BILLING_DATA_MISSING()
    {
        var problem = SingleProblem(Project(billingModel: BillingModel.FixedFeeMilestones, milestones: []), ReasonCodes.ProjectBillingDataMissing);

        Assert.Contains("milestone", problem.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-100")]
    public void Fixed_fee_with_a_milestone_of_no_positive_amount_is_PROJECT_BILLING_DATA_MISSING(string amount)
    {
        PlannedMilestone[] milestones =
        [
            new("MS-1", "Discovery", 20_000m, new DateOnly(2026, 5, 15)),
            new("MS-2", "Go-live", decimal.Parse(amount, System.Globalization.CultureInfo.InvariantCulture), new DateOnly(2026, 9, 30)),
        ];

        var problem = SingleProblem(Project(billingModel: BillingModel.FixedFeeMilestones, milestones: milestones), ReasonCodes.ProjectBillingDataMissing);

        Assert.Contains("positive amounts", problem.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("0")]
    public void A_retainer_without_a_contract_ceiling_is_PROJECT_BILLING_DATA_MISSING(string? ceiling)
    {
        var project = Project(billingModel: BillingModel.Retainer,
            contractCeiling: ceiling is null ? null : decimal.Parse(ceiling, System.Globalization.CultureInfo.InvariantCulture));

        var problem = SingleProblem(project, ReasonCodes.ProjectBillingDataMissing);

        Assert.Contains("contract ceiling", problem.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public void No_contract_reference_is_PROJECT_CONTRACT_MISSING(string? contractReference)
    {
        SingleProblem(Project(contractReference: contractReference), ReasonCodes.ProjectContractMissing);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(" ")]
    public void A_customer_that_requires_a_PO_and_a_project_without_one_is_PROJECT_PO_MISSING(string? purchaseOrder)
    {
        var problem = SingleProblem(Project(purchaseOrder: purchaseOrder), ReasonCodes.ProjectPurchaseOrderMissing, customerRequiresPo: true);

        Assert.Contains("CUST-00001", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_project_without_a_PO_is_ready_when_its_customer_does_not_require_one()
    {
        Assert.Empty(Check(Project(purchaseOrder: null), customerRequiresPo: false));
    }

    [Fact]
    public void A_practice_without_ERP_dimensions_is_PROJECT_PRACTICE_UNKNOWN()
    {
        var problem = SingleProblem(Project(practice: "Quantum"), ReasonCodes.ProjectPracticeUnknown);

        Assert.Contains("'Quantum'", problem.Message, StringComparison.Ordinal);
        Assert.Contains("Engineering", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Several_problems_give_one_business_problem_each()
    {
        var project = Project(currency: "USD", taxCode: null, rateCard: [], contractReference: null, purchaseOrder: null, practice: "Quantum");

        var problems = Check(project, customerRequiresPo: true);

        Assert.Equal(
            [
                ReasonCodes.ProjectCurrencyNotAllowed, ReasonCodes.ProjectTaxCodeUnknown, ReasonCodes.ProjectBillingDataMissing,
                ReasonCodes.ProjectContractMissing, ReasonCodes.ProjectPurchaseOrderMissing, ReasonCodes.ProjectPracticeUnknown,
            ],
            problems.Select(p => p.Reason));
    }
}
