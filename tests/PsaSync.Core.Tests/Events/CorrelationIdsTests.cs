using PsaSync.Core.Events;

namespace PsaSync.Core.Tests.Events;

public class CorrelationIdsTests
{
    [Fact]
    public void The_same_key_always_gives_the_same_correlation_id()
    {
        var first = CorrelationIds.ForIdempotencyKey("psa:time-entry:TE-1:v1");
        var second = CorrelationIds.ForIdempotencyKey("psa:time-entry:TE-1:v1");

        Assert.Equal(first, second);
    }

    [Theory]
    [InlineData("psa:time-entry:TE-1:v1", "psa:time-entry:TE-1:v2")]
    [InlineData("psa:time-entry:TE-1:v1", "psa:time-entry:TE-2:v1")]
    [InlineData("psa:time-entry:TE-1:v1", "PSA:time-entry:TE-1:v1")]
    public void Different_keys_give_different_correlation_ids(string key, string otherKey)
    {
        Assert.NotEqual(CorrelationIds.ForIdempotencyKey(key), CorrelationIds.ForIdempotencyKey(otherKey));
    }

    [Fact]
    public void A_correlation_id_is_24_lower_case_hex_characters()
    {
        var id = CorrelationIds.ForIdempotencyKey("psa:time-entry:TE-1:v1");

        Assert.Matches("^[0-9a-f]{24}$", id);
    }
}
