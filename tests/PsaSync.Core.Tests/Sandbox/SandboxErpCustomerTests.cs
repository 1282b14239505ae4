using PsaSync.Connectors.Sandbox;
using PsaSync.Connectors.Sandbox.Erp;
using PsaSync.Core.Ports;
using static PsaSync.Core.Tests.Sandbox.SandboxMasterData;

namespace PsaSync.Core.Tests.Sandbox;

public sealed class SandboxErpCustomerTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task The_default_reference_data_has_three_legal_entities_four_payment_terms_three_tax_codes_and_three_practices()
    {
        var erp = new SandboxErp(new SandboxFaultOptions());

        var data = await erp.GetReferenceDataAsync(None);

        Assert.Equal(["PSUS", "PSDE", "PSGB"], data.LegalEntities.Select(e => e.Code));
        Assert.Equal(["US", "DE", "GB"], data.LegalEntities.Select(e => e.Country));
        Assert.Equal(["GBP", "EUR"], data.LegalEntities.Single(e => e.Code == "PSGB").Currencies);
        Assert.Equal(["USD"], data.LegalEntities.Single(e => e.Code == "PSUS").Currencies);
        Assert.Equal(["NET15", "NET30", "NET45", "NET60"], data.PaymentTerms);
        Assert.Equal([new ErpTaxCode("US-EXEMPT", "US"), new ErpTaxCode("DE-VAT-19", "DE"), new ErpTaxCode("GB-VAT-20", "GB")], data.TaxCodes);
        Assert.Equal(new ErpDimensions("CC-100", "DEP-ADV", "REV-SERVICES"), data.DimensionsByPractice["Advisory"]);
        Assert.Equal(new ErpDimensions("CC-200", "DEP-ENG", "REV-SERVICES"), data.DimensionsByPractice["Engineering"]);
        Assert.Equal(new ErpDimensions("CC-300", "DEP-MS", "REV-RECURRING"), data.DimensionsByPractice["Managed"]);
        Assert.Equal(1, erp.Requests["get-reference-data"]);
    }

    [Fact]
    public async Task Reference_data_can_be_replaced_and_reading_it_meets_faults_like_any_call()
    {
        var custom = SandboxErp.DefaultReferenceData with { PaymentTerms = ["NET90"] };
        var erp = new SandboxErp(new SandboxFaultOptions()) { ReferenceData = custom };
        var down = new SandboxErp(new SandboxFaultOptions { ServerErrorRate = 1 });

        Assert.Equal(["NET90"], (await erp.GetReferenceDataAsync(None)).PaymentTerms);
        Assert.Equal(ErpFailureKind.Unavailable, (await Assert.ThrowsAsync<ErpException>(() => down.GetReferenceDataAsync(None))).Kind);
    }

    [Fact]
    public async Task Customers_get_consecutive_numbers_and_keep_the_drafts_data()
    {
        var erp = new SandboxErp(new SandboxFaultOptions());

        var first = await erp.CreateCustomerAsync(CustomerDraft("ACC-1", taxId: null), None);
        var second = await erp.CreateCustomerAsync(CustomerDraft("ACC-2", "Fabrikam Ltd", "GB", "GB123456789", "GBP", "PSGB"), None);

        Assert.Equal(new ErpCustomer("CUST-00001", "ACC-1", "Contoso GmbH", "DE", "EUR", null, "NET30", "PSDE", false), first);
        Assert.Equal(new ErpCustomer("CUST-00002", "ACC-2", "Fabrikam Ltd", "GB", "GBP", "GB123456789", "NET30", "PSGB", false), second);
        Assert.Equal([first, second], await erp.ListCustomersAsync(None));
    }

    [Fact]
    public async Task Creating_an_external_id_twice_returns_the_first_customer_and_creates_nothing()
    {
        var erp = new SandboxErp(new SandboxFaultOptions());
        var first = await erp.CreateCustomerAsync(CustomerDraft("ACC-1"), None);

        var repeat = await erp.CreateCustomerAsync(CustomerDraft("ACC-1", legalName: "Contoso Deutschland GmbH"), None);

        Assert.Equal(first, repeat);
        var only = Assert.Single(await erp.ListCustomersAsync(None));
        Assert.Equal("Contoso GmbH", only.LegalName);
        Assert.Equal(2, erp.Requests["create-customer"]);
    }

    [Fact]
    public async Task A_customer_is_found_by_external_id_and_by_number()
    {
        var erp = new SandboxErp(new SandboxFaultOptions());
        var created = await erp.CreateCustomerAsync(CustomerDraft("ACC-1"), None);

        Assert.Equal(created, await erp.FindCustomerByExternalIdAsync("ACC-1", None));
        Assert.Equal(created, await erp.GetCustomerAsync("CUST-00001", None));
        Assert.Null(await erp.FindCustomerByExternalIdAsync("ACC-2", None));
        Assert.Null(await erp.GetCustomerAsync("CUST-00002", None));
    }

    [Fact]
    public async Task A_create_that_commits_then_times_out_leaves_exactly_one_customer_findable_by_external_id()
    {
        var erp = new SandboxErp(new SandboxFaultOptions { CommitThenTimeoutRate = 1 });

        var ex = await Assert.ThrowsAsync<ErpException>(() => erp.CreateCustomerAsync(CustomerDraft("ACC-9"), None));
        var found = await erp.FindCustomerByExternalIdAsync("ACC-9", None);
        var retried = await erp.CreateCustomerAsync(CustomerDraft("ACC-9"), None);

        Assert.Equal(ErpFailureKind.Ambiguous, ex.Kind);
        Assert.True(ex.IsTransient);
        Assert.NotNull(found);
        Assert.Equal(found, retried);
        Assert.Equal(found, Assert.Single(await erp.ListCustomersAsync(None)));
        Assert.Equal(2, erp.FaultsInjected[SandboxFault.CommitThenTimeout]);
    }

    [Fact]
    public async Task A_throttled_create_creates_nothing()
    {
        var erp = new SandboxErp(new SandboxFaultOptions { ThrottleRate = 1 });

        var ex = await Assert.ThrowsAsync<ErpException>(() => erp.CreateCustomerAsync(CustomerDraft("ACC-1"), None));

        Assert.Equal(ErpFailureKind.Throttled, ex.Kind);
        Assert.Empty(erp.Customers);
    }

    [Fact]
    public async Task A_create_without_external_id_is_Rejected()
    {
        var erp = new SandboxErp(new SandboxFaultOptions());

        var ex = await Assert.ThrowsAsync<ErpException>(() => erp.CreateCustomerAsync(CustomerDraft(" "), None));

        Assert.Equal(ErpFailureKind.Rejected, ex.Kind);
        Assert.Empty(erp.Customers);
    }

    [Theory]
    [InlineData("de 123 456 789")]
    [InlineData("DE123456789")]
    [InlineData("De-123.456.789")]
    public async Task A_customer_with_the_same_tax_id_in_other_spacing_or_case_is_similar(string taxId)
    {
        var erp = new SandboxErp(new SandboxFaultOptions());
        var contoso = await erp.CreateCustomerAsync(CustomerDraft("ACC-1", "Contoso GmbH", taxId: "DE 123456789"), None);
        await erp.CreateCustomerAsync(CustomerDraft("ACC-2", "Fabrikam GmbH", taxId: "DE987654321"), None);

        var similar = await erp.FindSimilarCustomersAsync(taxId, "northwind traders", "GB", None);

        Assert.Equal([contoso], similar);
    }

    [Theory]
    [InlineData("Contoso GmbH", "contoso")]
    [InlineData("CONTOSO, gmbh", "contoso")]
    [InlineData("Contoso Ltd.", "contoso")]
    [InlineData("Contoso GmbH & Co. KG", "contoso")]
    [InlineData("Fabrikam S.A.", "fabrikam")]
    [InlineData("Coca-Cola Inc", "coca cola")]
    [InlineData("CONTOSO, gmbh", "Contoso GmbH")]
    public async Task A_customer_with_the_same_normalised_name_in_the_same_country_is_similar(string storedName, string normalizedName)
    {
        var erp = new SandboxErp(new SandboxFaultOptions());
        var stored = await erp.CreateCustomerAsync(CustomerDraft("ACC-1", storedName, "DE", taxId: null), None);

        var similar = await erp.FindSimilarCustomersAsync(null, normalizedName, "de", None);

        Assert.Equal([stored], similar);
    }

    [Fact]
    public async Task The_same_name_in_another_country_is_not_similar()
    {
        var erp = new SandboxErp(new SandboxFaultOptions());
        await erp.CreateCustomerAsync(CustomerDraft("ACC-1", "Contoso GmbH", "DE", taxId: null), None);

        Assert.Empty(await erp.FindSimilarCustomersAsync(null, "contoso", "GB", None));
    }

    [Fact]
    public async Task A_longer_name_a_different_tax_id_or_an_empty_name_is_not_similar()
    {
        var erp = new SandboxErp(new SandboxFaultOptions());
        await erp.CreateCustomerAsync(CustomerDraft("ACC-1", "Contoso Consulting GmbH", "DE", taxId: "DE123456789"), None);
        await erp.CreateCustomerAsync(CustomerDraft("ACC-2", "GmbH", "DE", taxId: null), None);

        Assert.Empty(await erp.FindSimilarCustomersAsync("DE111111111", "contoso", "DE", None));
        Assert.Empty(await erp.FindSimilarCustomersAsync(null, "", "DE", None));
        Assert.Empty(await erp.FindSimilarCustomersAsync("", "fabrikam", "DE", None));
    }

    [Fact]
    public async Task Tax_id_and_name_matches_are_both_listed_in_number_order()
    {
        var erp = new SandboxErp(new SandboxFaultOptions());
        var byName = await erp.CreateCustomerAsync(CustomerDraft("ACC-1", "Contoso AG", "DE", taxId: null), None);
        var byTaxId = await erp.CreateCustomerAsync(CustomerDraft("ACC-2", "Contoso Holding", "DE", taxId: "DE123456789"), None);

        Assert.Equal([byName, byTaxId], await erp.FindSimilarCustomersAsync("DE123456789", "contoso", "DE", None));
        Assert.Equal(1, erp.Requests["find-similar-customers"]);
    }

    [Fact]
    public async Task Updating_a_customer_replaces_its_data_and_keeps_its_number()
    {
        var erp = new SandboxErp(new SandboxFaultOptions());
        await erp.CreateCustomerAsync(CustomerDraft("ACC-1"), None);

        var updated = await erp.UpdateCustomerAsync("CUST-00001", CustomerDraft("ACC-1", "Contoso Deutschland GmbH") with { PaymentTerms = "NET60" }, None);

        Assert.Equal("CUST-00001", updated.CustomerNumber);
        Assert.Equal("Contoso Deutschland GmbH", updated.LegalName);
        Assert.Equal("NET60", updated.PaymentTerms);
        Assert.Equal(updated, await erp.GetCustomerAsync("CUST-00001", None));
        Assert.Equal(updated, await erp.FindCustomerByExternalIdAsync("ACC-1", None));
    }

    [Fact]
    public async Task Updating_an_unknown_customer_is_Rejected()
    {
        var erp = new SandboxErp(new SandboxFaultOptions());

        var ex = await Assert.ThrowsAsync<ErpException>(() => erp.UpdateCustomerAsync("CUST-00042", CustomerDraft(), None));

        Assert.Equal(ErpFailureKind.Rejected, ex.Kind);
        Assert.Contains("CUST-00042", ex.Message, StringComparison.Ordinal);
        Assert.Empty(erp.Customers);
    }

    [Fact]
    public async Task Updating_a_customer_to_another_customers_external_id_is_Rejected()
    {
        var erp = new SandboxErp(new SandboxFaultOptions());
        await erp.CreateCustomerAsync(CustomerDraft("ACC-1"), None);
        await erp.CreateCustomerAsync(CustomerDraft("ACC-2", "Fabrikam GmbH"), None);

        var ex = await Assert.ThrowsAsync<ErpException>(() => erp.UpdateCustomerAsync("CUST-00002", CustomerDraft("ACC-1", "Fabrikam GmbH"), None));

        Assert.Equal(ErpFailureKind.Rejected, ex.Kind);
        Assert.Equal("CUST-00001", (await erp.FindCustomerByExternalIdAsync("ACC-1", None))?.CustomerNumber);
    }

    [Fact]
    public async Task Changing_the_external_id_moves_the_lookup_to_the_new_id()
    {
        var erp = new SandboxErp(new SandboxFaultOptions());
        await erp.CreateCustomerAsync(CustomerDraft("ACC-1"), None);

        await erp.UpdateCustomerAsync("CUST-00001", CustomerDraft("ACC-7"), None);

        Assert.Null(await erp.FindCustomerByExternalIdAsync("ACC-1", None));
        Assert.Equal("CUST-00001", (await erp.FindCustomerByExternalIdAsync("ACC-7", None))?.CustomerNumber);
    }

    [Fact]
    public async Task A_direct_edit_in_the_ERP_changes_what_PsaSync_reads()
    {
        var erp = new SandboxErp(new SandboxFaultOptions());
        await erp.CreateCustomerAsync(CustomerDraft("ACC-1"), None);

        erp.EditCustomerDirectly("CUST-00001", c => c with { LegalName = "Contoso Europe GmbH", Currency = "USD" });

        var customer = await erp.GetCustomerAsync("CUST-00001", None);
        Assert.Equal("Contoso Europe GmbH", customer?.LegalName);
        Assert.Equal("USD", customer?.Currency);
        Assert.Equal(1, erp.Requests["get-customer"]);
    }

    [Fact]
    public async Task A_direct_edit_of_an_unknown_customer_or_of_the_number_is_refused()
    {
        var erp = new SandboxErp(new SandboxFaultOptions());
        await erp.CreateCustomerAsync(CustomerDraft("ACC-1"), None);

        Assert.Throws<ArgumentException>(() => erp.EditCustomerDirectly("CUST-00099", c => c));
        Assert.Throws<ArgumentException>(() => erp.EditCustomerDirectly("CUST-00001", c => c with { CustomerNumber = "CUST-00002" }));
        Assert.Equal("CUST-00001", Assert.Single(erp.Customers).CustomerNumber);
    }

    [Fact]
    public async Task Every_customer_call_meets_the_planned_faults()
    {
        var erp = new SandboxErp(new SandboxFaultOptions { ThrottleRate = 1, RetryAfter = TimeSpan.FromSeconds(4) });
        var calls = new Func<Task>[]
        {
            () => erp.GetReferenceDataAsync(None),
            () => erp.FindCustomerByExternalIdAsync("ACC-1", None),
            () => erp.GetCustomerAsync("CUST-00001", None),
            () => erp.FindSimilarCustomersAsync(null, "contoso", "DE", None),
            () => erp.CreateCustomerAsync(CustomerDraft(), None),
            () => erp.UpdateCustomerAsync("CUST-00001", CustomerDraft(), None),
            () => erp.ListCustomersAsync(None),
        };

        foreach (var call in calls)
        {
            var ex = await Assert.ThrowsAsync<ErpException>(call);
            Assert.Equal(ErpFailureKind.Throttled, ex.Kind);
            Assert.Equal(TimeSpan.FromSeconds(4), ex.RetryAfter);
        }
        Assert.Equal(calls.Length, erp.FaultsInjected[SandboxFault.Throttled]);
        Assert.Equal(calls.Length, erp.Requests.Values.Sum());
    }
}
