using PsaSync.Core.Messaging;
using static PsaSync.Core.Tests.Support.MasterDataTestData;

namespace PsaSync.Core.Tests.MasterData;

/// <summary>
/// Two CRM accounts for one company processed at the same moment: neither is in the ERP yet when the other
/// searches for duplicates. The identity claims (tax id, normalised name) decide: the first claimant wins.
/// </summary>
public sealed class ConcurrentDuplicateCustomerTests
{
    private readonly MasterDataHarness _h = new();

    [Fact]
    public async Task An_account_whose_tax_id_another_account_has_claimed_is_a_likely_duplicate_before_either_reaches_the_ERP()
    {
        // ACC-1 is being processed right now: it has claimed its identity, and the ERP has no customer yet.
        await _h.AppliedVersions.TryAdvanceAsync("customer-identity:tax:DE123456789", "ACC-1", null, CancellationToken.None);

        var second = await _h.HandleCustomerAsync(CrmCustomerEnvelope(Customer("ACC-2", legalName: "Contoso Beratung")));
        var first = await _h.HandleCustomerAsync(CrmCustomerEnvelope(Customer("ACC-1")));

        var rejected = Assert.IsType<HandlerResult.Rejected>(second);
        Assert.Equal("CUSTOMER_LIKELY_DUPLICATE", rejected.ReasonCode);
        var item = Assert.Single(_h.Exceptions.Open);
        Assert.Contains("ACC-1", item.Message);
        Assert.Contains("same tax id", item.Message);
        Assert.IsType<HandlerResult.Done>(first);
        Assert.Equal("ACC-1", Assert.Single(_h.Erp.Customers).ExternalId);
    }

    [Fact]
    public async Task A_redelivery_of_the_same_account_finds_its_own_claims_and_goes_through()
    {
        var envelope = CrmCustomerEnvelope(Customer("ACC-1"));

        await _h.HandleCustomerAsync(envelope);
        var again = await _h.HandleCustomerAsync(envelope, isRedelivery: true);

        Assert.IsType<HandlerResult.Done>(again);
        Assert.Single(_h.Erp.Customers);
        Assert.Empty(_h.Exceptions.Open);
    }
}
