using PsaSync.Core.Ingress;
using PsaSync.Storage;
using PsaSync.Testing;

namespace PsaSync.Storage.Tests;

/// <summary>Issue 17, item 7: the store of seen signatures that recognises a replay inside the signature window.</summary>
public sealed class TableSeenSignaturesTests(AzuriteFixture azurite) : AzuriteTestBase(azurite)
{
    private const string Signature = "v1=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    private TableSeenSignatures NewStore() => new(Tables, Clock);

    private DateTimeOffset Expiry => Clock.GetUtcNow().AddMinutes(10);

    [Fact]
    public async Task The_first_sighting_claims_then_a_second_is_pending_then_accepted()
    {
        var store = NewStore();

        var first = await store.ClaimAsync("psa", Signature, Expiry, Ct);
        var whileInFlight = await store.ClaimAsync("psa", Signature, Expiry, Ct);
        await store.MarkAcceptedAsync("psa", Signature, Ct);
        var afterwards = await NewStore().ClaimAsync("psa", Signature.ToUpperInvariant().Replace("V1=", "v1="), Expiry, Ct);

        Assert.Equal(SignatureSighting.First, first);
        Assert.Equal(SignatureSighting.SeenPending, whileInFlight);
        Assert.Equal(SignatureSighting.SeenAccepted, afterwards);
    }

    [Fact]
    public async Task Concurrent_sightings_on_two_instances_claim_once()
    {
        var sightings = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => NewStore().ClaimAsync("psa", Signature, Expiry, Ct)));

        Assert.Single(sightings, s => s == SignatureSighting.First);
    }

    [Fact]
    public async Task A_forgotten_or_expired_signature_can_be_claimed_again_and_sources_are_apart()
    {
        var store = NewStore();
        await store.ClaimAsync("psa", Signature, Expiry, Ct);
        await store.ForgetAsync("psa", Signature, Ct);
        var afterForget = await store.ClaimAsync("psa", Signature, Clock.GetUtcNow().AddMinutes(1), Ct);
        await store.MarkAcceptedAsync("psa", Signature, Ct);
        Clock.Advance(TimeSpan.FromMinutes(2));

        Assert.Equal(SignatureSighting.First, afterForget);
        Assert.Equal(SignatureSighting.First, await store.ClaimAsync("psa", Signature, Expiry, Ct));
        Assert.Equal(SignatureSighting.First, await store.ClaimAsync("crm", Signature, Expiry, Ct));
    }
}
