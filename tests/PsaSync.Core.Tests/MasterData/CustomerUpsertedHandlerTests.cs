using NSubstitute;
using NSubstitute.ExceptionExtensions;
using PsaSync.Connectors.Sandbox;
using PsaSync.Connectors.Sandbox.Erp;
using PsaSync.Core.Events;
using PsaSync.Core.Exceptions;
using PsaSync.Core.Messaging;
using PsaSync.Core.Model;
using PsaSync.Core.Parking;
using PsaSync.Core.Ports;
using PsaSync.Core.Tests.Support;
using PsaSync.Core.Tracing;
using static PsaSync.Core.Tests.Support.MasterDataTestData;

namespace PsaSync.Core.Tests.MasterData;

public class CustomerUpsertedHandlerTests
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly MasterDataHarness _h = new();

    private ParkedItem ParkProject(string customerKey, string projectId)
    {
        var envelope = ProjectEnvelope(Project(projectId: projectId, customerKey: customerKey));
        return new ParkedItem(ParentKeys.Customer(customerKey), QueueNames.ProjectSetup, QueueNames.ProjectSetup,
            new RecordRef("psa", "project", projectId), $"customer {customerKey}", ReasonCodes.ProjectCustomerNeverSynced.Code, TestData.Now, envelope);
    }

    [Fact]
    public void It_handles_customer_upserted_events()
    {
        Assert.Equal("psasync.customer.upserted", _h.CustomerHandler().EventType);
    }

    [Fact]
    public async Task A_CRM_customer_becomes_one_ERP_customer_whose_external_id_is_the_CRM_key()
    {
        var customer = Customer(requiresPurchaseOrder: true);

        var result = await _h.HandleCustomerAsync(CrmCustomerEnvelope(customer));

        Assert.Equal(new HandlerResult.Done("erp-customer:CUST-00001;psa-customer:PC-00001"), result);
        var created = Assert.Single(_h.Erp.Customers);
        Assert.Equal(new ErpCustomer("CUST-00001", "ACC-1", "Contoso GmbH", "DE", "EUR", "DE123456789", "NET30", "PSDE", RequiresPurchaseOrder: true), created);
        Assert.Empty(_h.Exceptions.Raised);
    }

    [Fact]
    public async Task A_synced_CRM_customer_is_linked_by_key_CRM_id_ERP_number_and_PSA_id()
    {
        await _h.HandleCustomerAsync(CrmCustomerEnvelope(Customer()));

        Assert.Equal(
            [
                ("customer", "key", "ACC-1", "erp", "CUST-00001"),
                ("customer", "crm", "ACC-1", "erp", "CUST-00001"),
                ("customer", "erp", "CUST-00001", "psa", "PC-00001"),
            ],
            _h.CrossReferences.Links);
        var fromKey = await _h.CrossReferences.FindAsync("customer", "key", "ACC-1", None);
        Assert.NotNull(fromKey);
        Assert.Equal("CUST-00001", fromKey.IdIn("erp"));
        Assert.Equal("PC-00001", fromKey.IdIn("psa"));
    }

    [Fact]
    public async Task The_PSA_customer_gets_the_ERP_number_and_the_CRM_account_id()
    {
        await _h.HandleCustomerAsync(CrmCustomerEnvelope(Customer()));

        var inPsa = Assert.Single(_h.Psa.Customers.Values);
        Assert.Equal(new PsaCustomer("PC-00001", "ACC-1", "Contoso GmbH", "DE", "EUR", "CUST-00001", "ACC-1"), inPsa);
        Assert.Contains(_h.CorrelationLog.Entries, t => t.Step == TraceSteps.WrittenBack && t.Detail.Contains("PC-00001", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_synced_customer_re_drives_the_projects_parked_for_it_and_only_those()
    {
        var waiting = ParkProject("ACC-1", "PRJ-1");
        var waitingToo = ParkProject("ACC-1", "PRJ-2");
        var other = ParkProject("ACC-2", "PRJ-3");
        foreach (var item in new[] { waiting, waitingToo, other })
        {
            await _h.ParkingLot.ParkAsync(item, None);
        }

        await _h.HandleCustomerAsync(CrmCustomerEnvelope(Customer()));

        Assert.Equal(new[] { waiting.Envelope.IdempotencyKey, waitingToo.Envelope.IdempotencyKey }.Order(), _h.Publisher.Published.Select(p => p.Envelope.IdempotencyKey).Order());
        Assert.All(_h.Publisher.Published, p => Assert.Equal(QueueNames.ProjectSetup, p.Queue));
        Assert.Equal([other], _h.ParkingLot.Items);
        Assert.Contains(_h.CorrelationLog.Entries, t => t.Step == TraceSteps.Redriven && t.Domain == QueueNames.CustomerMaster);
    }

    [Fact]
    public async Task Handling_the_same_CRM_event_twice_creates_one_ERP_customer()
    {
        var envelope = CrmCustomerEnvelope(Customer());

        var first = await _h.HandleCustomerAsync(envelope);
        var second = await _h.HandleCustomerAsync(envelope, isRedelivery: true);

        Assert.Equal(first, second);
        Assert.Single(_h.Erp.Customers);
        Assert.Equal(1, _h.Erp.Requests["create-customer"]);
        Assert.Single(_h.Psa.Customers);
    }

    [Fact]
    public async Task A_customer_whose_external_id_is_already_in_the_ERP_is_not_created_again_and_the_ERP_data_wins()
    {
        await _h.Erp.CreateCustomerAsync(Draft(Customer(legalName: "Contoso Deutschland GmbH")), None);

        var result = await _h.HandleCustomerAsync(CrmCustomerEnvelope(Customer(legalName: "Contoso GmbH"), revision: 2));

        Assert.Equal(new HandlerResult.Done("erp-customer:CUST-00001;psa-customer:PC-00001"), result);
        Assert.Single(_h.Erp.Customers);
        Assert.Equal(1, _h.Erp.Requests["create-customer"]);
        Assert.Equal("Contoso Deutschland GmbH", _h.Psa.Customers["ACC-1"].LegalName);
        Assert.Equal("CUST-00001", _h.Psa.Customers["ACC-1"].ErpCustomerNumber);
    }

    [Fact]
    public async Task A_customer_with_the_tax_id_of_another_ERP_customer_is_rejected_as_a_likely_duplicate_naming_both()
    {
        await _h.Erp.CreateCustomerAsync(Draft(Customer(customerKey: "ACC-OLD", legalName: "Contoso Deutschland GmbH", taxId: "DE 123 456 789")), None);
        var envelope = CrmCustomerEnvelope(Customer(customerKey: "ACC-NEW", legalName: "Contoso Beratung GmbH", taxId: "DE123456789"));

        var result = await _h.HandleCustomerAsync(envelope);

        Assert.Equal(new HandlerResult.Rejected("CUSTOMER_LIKELY_DUPLICATE"), result);
        var raised = Assert.Single(_h.Exceptions.Raised);
        Assert.Equal(ReasonCodes.CustomerLikelyDuplicate, raised.Reason);
        Assert.Contains("ACC-NEW", raised.Message, StringComparison.Ordinal);
        Assert.Contains("Contoso Beratung GmbH", raised.Message, StringComparison.Ordinal);
        Assert.Contains("CUST-00001", raised.Message, StringComparison.Ordinal);
        Assert.Contains("Contoso Deutschland GmbH", raised.Message, StringComparison.Ordinal);
        Assert.Contains("tax id", raised.Message, StringComparison.Ordinal);
        Assert.Equal(new RecordRef("crm", "customer", "ACC-NEW"), raised.SourceRecord);
        Assert.Equal(envelope.IdempotencyKey, raised.IdempotencyKey);
        Assert.Single(_h.Erp.Customers);
        Assert.Empty(_h.Psa.Customers);
        Assert.Empty(_h.CrossReferences.Links);
    }

    [Fact]
    public async Task A_customer_with_the_name_and_country_of_another_ERP_customer_is_rejected_as_a_likely_duplicate()
    {
        await _h.Erp.CreateCustomerAsync(Draft(Customer(customerKey: "ACC-OLD", legalName: "Contoso Beratung GmbH", taxId: null)), None);

        var result = await _h.HandleCustomerAsync(CrmCustomerEnvelope(Customer(customerKey: "ACC-NEW", legalName: "CONTOSO BERATUNG, gmbh", taxId: "DE999999999")));

        Assert.Equal(new HandlerResult.Rejected("CUSTOMER_LIKELY_DUPLICATE"), result);
        var raised = Assert.Single(_h.Exceptions.Raised);
        Assert.Contains("same name and country", raised.Message, StringComparison.Ordinal);
        Assert.Single(_h.Erp.Customers);
    }

    [Fact]
    public async Task The_same_name_in_another_country_is_not_a_duplicate()
    {
        await _h.Erp.CreateCustomerAsync(Draft(Customer(customerKey: "ACC-OLD", legalName: "Contoso Ltd", billingCountry: "GB", taxId: null)), None);

        var result = await _h.HandleCustomerAsync(CrmCustomerEnvelope(Customer(customerKey: "ACC-NEW", legalName: "Contoso GmbH", taxId: null)));

        Assert.IsType<HandlerResult.Done>(result);
        Assert.Equal(2, _h.Erp.Customers.Count);
    }

    [Fact]
    public async Task An_invalid_customer_raises_one_exception_item_per_problem_and_reaches_neither_system()
    {
        var envelope = CrmCustomerEnvelope(Customer(legalName: "", currency: "USD", paymentTerms: "NET99"));

        var result = await _h.HandleCustomerAsync(envelope);

        Assert.Equal(new HandlerResult.Rejected("CUSTOMER_LEGAL_NAME_MISSING"), result);
        Assert.Equal(
            ["CUSTOMER_LEGAL_NAME_MISSING", "CUSTOMER_CURRENCY_NOT_ALLOWED", "CUSTOMER_PAYMENT_TERMS_UNKNOWN"],
            _h.Exceptions.Raised.Select(e => e.Reason.Code));
        Assert.All(_h.Exceptions.Raised, e =>
        {
            Assert.Equal(QueueNames.CustomerMaster, e.Domain);
            Assert.Equal(new RecordRef("crm", "customer", "ACC-1"), e.SourceRecord);
            Assert.Equal(envelope.CorrelationId, e.CorrelationId);
            Assert.Equal(envelope.IdempotencyKey, e.IdempotencyKey);
        });
        Assert.Equal(3, _h.Exceptions.Open.Count);
        Assert.Empty(_h.Erp.Customers);
        Assert.False(_h.Erp.Requests.ContainsKey("find-customer"));
        Assert.Empty(_h.Psa.Customers);
    }

    [Fact]
    public async Task An_ERP_change_is_read_back_from_the_ERP_so_a_stale_event_body_does_not_overwrite_it()
    {
        await _h.Erp.CreateCustomerAsync(Draft(Customer()), None);
        _h.Erp.EditCustomerDirectly("CUST-00001", c => c with { LegalName = "Contoso Deutschland GmbH" });
        var staleBody = Customer(legalName: "Contoso GmbH");

        var result = await _h.HandleCustomerAsync(ErpCustomerEnvelope("CUST-00001", staleBody, version: 3));

        Assert.Equal(new HandlerResult.Done("erp-customer:CUST-00001;psa-customer:PC-00001"), result);
        Assert.Equal(new PsaCustomer("PC-00001", "ACC-1", "Contoso Deutschland GmbH", "DE", "EUR", "CUST-00001", "ACC-1"), _h.Psa.Customers["ACC-1"]);
        Assert.Equal("Contoso Deutschland GmbH", Assert.Single(_h.Erp.Customers).LegalName);
        Assert.Equal(1, _h.Erp.Requests["create-customer"]);
        Assert.False(_h.Erp.Requests.ContainsKey("update-customer"));
        Assert.Equal("CUST-00001", (await _h.CrossReferences.FindAsync("customer", "key", "ACC-1", None))?.IdIn("erp"));
    }

    [Fact]
    public async Task An_ERP_change_is_not_checked_against_the_CRM_rules_nor_for_duplicates()
    {
        await _h.Erp.CreateCustomerAsync(Draft(Customer()), None);
        // An event body that the CRM rules would reject: the ERP is the system of record, so its state is taken as it is.
        var result = await _h.HandleCustomerAsync(ErpCustomerEnvelope("CUST-00001", Customer(legalName: "", paymentTerms: "NET99")));

        Assert.IsType<HandlerResult.Done>(result);
        Assert.Empty(_h.Exceptions.Raised);
        Assert.False(_h.Erp.Requests.ContainsKey("find-similar-customers"));
    }

    [Fact]
    public async Task A_customer_created_in_the_ERP_is_keyed_by_its_ERP_number_and_has_no_CRM_account()
    {
        await _h.Erp.CreateCustomerAsync(Draft(Customer(customerKey: "TEMP")), None);
        _h.Erp.EditCustomerDirectly("CUST-00001", c => c with { ExternalId = "" });

        var result = await _h.HandleCustomerAsync(ErpCustomerEnvelope("CUST-00001", Customer(customerKey: "CUST-00001")));

        Assert.IsType<HandlerResult.Done>(result);
        Assert.Equal(new PsaCustomer("PC-00001", "CUST-00001", "Contoso GmbH", "DE", "EUR", "CUST-00001", null), Assert.Single(_h.Psa.Customers.Values));
        Assert.DoesNotContain(_h.CrossReferences.Links, l => l.System == "crm");
        Assert.Contains(_h.CrossReferences.Links, l => l == ("customer", "key", "CUST-00001", "erp", "CUST-00001"));
    }

    [Fact]
    public async Task An_ERP_change_of_a_customer_the_ERP_no_longer_has_is_rejected_as_ERP_REJECTED()
    {
        var result = await _h.HandleCustomerAsync(ErpCustomerEnvelope("CUST-00404", Customer()));

        Assert.Equal(new HandlerResult.Rejected("ERP_REJECTED"), result);
        Assert.Contains("CUST-00404", Assert.Single(_h.Exceptions.Raised).Message, StringComparison.Ordinal);
        Assert.Empty(_h.Psa.Customers);
    }

    [Fact]
    public async Task ERP_throttling_on_the_create_is_retried_later_with_the_ERPs_Retry_After()
    {
        var erp = Substitute.For<IErpConnector>();
        erp.GetReferenceDataAsync(Arg.Any<CancellationToken>()).Returns(SandboxErp.DefaultReferenceData);
        erp.FindSimilarCustomersAsync(default, default!, default!, default).ReturnsForAnyArgs([]);
        erp.CreateCustomerAsync(Arg.Any<ErpCustomerDraft>(), Arg.Any<CancellationToken>())
            .ThrowsAsync(new ErpException(ErpFailureKind.Throttled, "429", TimeSpan.FromSeconds(30)));

        var result = await _h.CustomerHandler(erp).HandleAsync(CrmCustomerEnvelope(Customer()), false, None);

        var retry = Assert.IsType<HandlerResult.RetryLater>(result);
        Assert.Equal(TimeSpan.FromSeconds(30), retry.After);
        Assert.Empty(_h.Exceptions.Raised);
        Assert.Empty(_h.Psa.Customers);
        Assert.Empty(_h.CrossReferences.Links);
    }

    [Fact]
    public async Task An_unreachable_ERP_is_retried_later()
    {
        var down = new SandboxErp(new SandboxFaultOptions { ServerErrorRate = 1 });

        var result = await _h.CustomerHandler(down).HandleAsync(CrmCustomerEnvelope(Customer()), false, None);

        Assert.Contains("Unavailable", Assert.IsType<HandlerResult.RetryLater>(result).Reason, StringComparison.Ordinal);
        Assert.Empty(_h.Exceptions.Raised);
    }

    [Fact]
    public async Task A_create_that_timed_out_after_committing_is_found_by_the_retry_and_not_created_twice()
    {
        var erp = new SandboxErp(new SandboxFaultOptions { CommitThenTimeoutRate = 1 });
        var handler = _h.CustomerHandler(erp);
        var envelope = CrmCustomerEnvelope(Customer());

        var first = await handler.HandleAsync(envelope, false, None);
        var second = await handler.HandleAsync(envelope, true, None);

        Assert.IsType<HandlerResult.RetryLater>(first);
        Assert.Equal(new HandlerResult.Done("erp-customer:CUST-00001;psa-customer:PC-00001"), second);
        Assert.Single(erp.Customers);
    }

    [Fact]
    public async Task A_PSA_outage_is_retried_later_and_the_retry_does_not_create_a_second_ERP_customer()
    {
        var envelope = CrmCustomerEnvelope(Customer());
        _h.Psa.SetOutage(true);

        var first = await _h.HandleCustomerAsync(envelope);
        _h.Psa.SetOutage(false);
        var second = await _h.HandleCustomerAsync(envelope, isRedelivery: true);

        Assert.Contains("PSA", Assert.IsType<HandlerResult.RetryLater>(first).Reason, StringComparison.Ordinal);
        Assert.IsType<HandlerResult.Done>(second);
        Assert.Single(_h.Erp.Customers);
        Assert.Single(_h.Psa.Customers);
    }
}
