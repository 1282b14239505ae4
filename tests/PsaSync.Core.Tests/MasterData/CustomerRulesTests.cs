using PsaSync.Connectors.Sandbox.Erp;
using PsaSync.Core.Exceptions;
using PsaSync.Core.MasterData;
using PsaSync.Core.Messaging;
using PsaSync.Core.Model;
using PsaSync.Core.Ports;
using static PsaSync.Core.Tests.Support.MasterDataTestData;

namespace PsaSync.Core.Tests.MasterData;

public class CustomerRulesTests
{
    private static readonly ErpReferenceData Reference = SandboxErp.DefaultReferenceData;

    private static IReadOnlyList<BusinessProblem> Check(Customer customer) => CustomerRules.Check(customer, Reference);

    private static BusinessProblem SingleProblem(Customer customer, ReasonCode expected)
    {
        var problem = Assert.Single(Check(customer));
        Assert.Equal(expected, problem.Reason);
        Assert.Contains(customer.CustomerKey, problem.Message, StringComparison.Ordinal);
        return problem;
    }

    [Fact]
    public void A_complete_customer_has_no_problems()
    {
        Assert.Empty(Check(Customer()));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void A_missing_legal_name_is_CUSTOMER_LEGAL_NAME_MISSING(string legalName)
    {
        SingleProblem(Customer(legalName: legalName), ReasonCodes.CustomerLegalNameMissing);
    }

    [Theory]
    [InlineData("XX")]
    [InlineData("DEU")]
    [InlineData("Germany")]
    [InlineData("")]
    public void A_billing_country_that_is_not_ISO_3166_is_CUSTOMER_COUNTRY_INVALID(string country)
    {
        var problem = SingleProblem(Customer(billingCountry: country, taxId: null), ReasonCodes.CustomerCountryInvalid);

        Assert.Contains($"'{country}'", problem.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("AT")]
    [InlineData("US")]
    [InlineData("JP")]
    public void Assigned_ISO_3166_countries_are_accepted(string country)
    {
        Assert.DoesNotContain(Check(Customer(billingCountry: country, taxId: null)), p => p.Reason == ReasonCodes.CustomerCountryInvalid);
    }

    [Fact]
    public void An_unknown_legal_entity_is_CUSTOMER_LEGAL_ENTITY_UNKNOWN_naming_the_known_ones()
    {
        var problem = SingleProblem(Customer(legalEntity: "PSFR"), ReasonCodes.CustomerLegalEntityUnknown);

        Assert.Contains("'PSFR'", problem.Message, StringComparison.Ordinal);
        Assert.Contains("PSUS, PSDE, PSGB", problem.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("PSDE", "USD")]
    [InlineData("PSUS", "EUR")]
    [InlineData("PSGB", "CHF")]
    public void A_currency_the_legal_entity_does_not_invoice_in_is_CUSTOMER_CURRENCY_NOT_ALLOWED(string legalEntity, string currency)
    {
        var problem = SingleProblem(Customer(legalEntity: legalEntity, currency: currency), ReasonCodes.CustomerCurrencyNotAllowed);

        Assert.Contains(currency, problem.Message, StringComparison.Ordinal);
        Assert.Contains(legalEntity, problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Any_currency_of_a_multi_currency_legal_entity_is_allowed()
    {
        Assert.Empty(Check(Customer(billingCountry: "GB", taxId: "GB123456789", legalEntity: "PSGB", currency: "GBP")));
        Assert.Empty(Check(Customer(billingCountry: "GB", taxId: "GB123456789", legalEntity: "PSGB", currency: "EUR")));
    }

    [Theory]
    [InlineData("DE", "DE123456789")]
    [InlineData("DE", "de 123 456 789")]
    [InlineData("DE", "DE.123.456.789")]
    [InlineData("GB", "GB123456789")]
    [InlineData("GB", "GB 123 4567 89")]
    [InlineData("GB", "GB123456789012")]
    [InlineData("FR", "FRAB123456789")]
    [InlineData("FR", "FR12345678901")]
    [InlineData("NL", "NL123456789B01")]
    [InlineData("US", "12-3456789")]
    public void A_tax_id_in_the_countrys_format_is_accepted(string country, string taxId)
    {
        Assert.Empty(Check(Customer(billingCountry: country, taxId: taxId)));
    }

    [Theory]
    [InlineData("DE", "DE12345678", "DE123456789")]
    [InlineData("DE", "GB123456789", "DE123456789")]
    [InlineData("GB", "GB1234567890", "GB123456789")]
    [InlineData("FR", "FR123456789", "FRAB123456789")]
    [InlineData("NL", "NL123456789", "NL123456789B01")]
    [InlineData("NL", "NL123456789X01", "NL123456789B01")]
    [InlineData("US", "123456789", "12-3456789")]
    [InlineData("US", "12-345678", "12-3456789")]
    public void A_tax_id_not_in_the_countrys_format_is_CUSTOMER_TAX_ID_INVALID_with_an_example(string country, string taxId, string example)
    {
        var problem = SingleProblem(Customer(billingCountry: country, taxId: taxId), ReasonCodes.CustomerTaxIdInvalid);

        Assert.Contains($"'{taxId}'", problem.Message, StringComparison.Ordinal);
        Assert.Contains(example, problem.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("AT", "anything at all")]
    [InlineData("CH", "CHE-123.456.789")]
    [InlineData("JP", "1")]
    public void A_country_without_a_known_format_has_its_tax_id_not_checked(string country, string taxId)
    {
        Assert.Empty(Check(Customer(billingCountry: country, taxId: taxId)));
    }

    [Fact]
    public void A_customer_without_a_tax_id_is_not_checked_for_one()
    {
        Assert.Empty(Check(Customer(billingCountry: "DE", taxId: null)));
    }

    [Theory]
    [InlineData("NET90")]
    [InlineData("net30")]
    [InlineData("")]
    public void Payment_terms_the_ERP_does_not_have_are_CUSTOMER_PAYMENT_TERMS_UNKNOWN(string terms)
    {
        var problem = SingleProblem(Customer(paymentTerms: terms), ReasonCodes.CustomerPaymentTermsUnknown);

        Assert.Contains("NET15, NET30, NET45, NET60", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Several_problems_give_one_business_problem_each()
    {
        var customer = Customer(legalName: " ", billingCountry: "XX", legalEntity: "PSXX", paymentTerms: "NET99");

        var problems = Check(customer);

        Assert.Equal(
            [ReasonCodes.CustomerLegalNameMissing, ReasonCodes.CustomerCountryInvalid, ReasonCodes.CustomerLegalEntityUnknown, ReasonCodes.CustomerPaymentTermsUnknown],
            problems.Select(p => p.Reason));
    }

    [Fact]
    public void A_wrong_currency_and_a_wrong_tax_id_are_two_problems()
    {
        var problems = Check(Customer(currency: "USD", taxId: "DE1"));

        Assert.Equal([ReasonCodes.CustomerCurrencyNotAllowed, ReasonCodes.CustomerTaxIdInvalid], problems.Select(p => p.Reason));
    }

    [Theory]
    [InlineData("Contoso Beratung GmbH", "CONTOSO BERATUNG, gmbh")]
    [InlineData("Contoso Beratung GmbH", "Contoso  Beratung")]
    [InlineData("Fabrikam, Inc.", "FABRIKAM INC")]
    [InlineData("Northwind Traders Ltd.", "northwind traders limited")]
    [InlineData("Müller & Söhne AG", "MÜLLER SÖHNE")]
    public void Names_that_differ_in_case_punctuation_and_legal_form_normalise_alike(string one, string other)
    {
        Assert.Equal(CustomerRules.NormalizeName(one), CustomerRules.NormalizeName(other));
    }

    [Fact]
    public void The_normalised_name_is_lower_case_words_without_the_legal_form()
    {
        Assert.Equal("contoso beratung", CustomerRules.NormalizeName("Contoso Beratung GmbH"));
        Assert.Equal("", CustomerRules.NormalizeName("GmbH"));
    }

    [Theory]
    [InlineData("Fabrikam S.A.")]
    [InlineData("Contoso Beratung GmbH & Co. KG")]
    [InlineData("A.B.C. Trading Ltd")]
    public void Normalising_twice_changes_nothing(string name)
    {
        var once = CustomerRules.NormalizeName(name);

        Assert.Equal(once, CustomerRules.NormalizeName(once));
    }

    [Fact]
    public void Different_names_stay_different()
    {
        Assert.NotEqual(CustomerRules.NormalizeName("Contoso Beratung GmbH"), CustomerRules.NormalizeName("Contoso Consulting GmbH"));
    }

    /// <summary>"S.A." is the legal form SA with dots: its single letters are joined, then dropped like any legal form.</summary>
    [Theory]
    [InlineData("Fabrikam S.A.", "Fabrikam SA")]
    [InlineData("Tailspin B.V.", "Tailspin BV")]
    public void A_legal_form_written_with_dots_normalises_like_the_one_without(string dotted, string plain)
    {
        Assert.Equal(CustomerRules.NormalizeName(plain), CustomerRules.NormalizeName(dotted));
    }

    [Theory]
    [InlineData("de 123 456 789", "DE123456789")]
    [InlineData("DE.123.456.789", "DE123456789")]
    [InlineData("gb123 4567 89", "GB123456789")]
    [InlineData("nl123456789b01", "NL123456789B01")]
    [InlineData("12-3456789", "12-3456789")]
    [InlineData(" 12 - 3456789 ", "12-3456789")]
    public void CompactTaxId_drops_spaces_and_dots_upper_cases_and_keeps_dashes(string taxId, string compact)
    {
        Assert.Equal(compact, CustomerRules.CompactTaxId(taxId));
    }
}
