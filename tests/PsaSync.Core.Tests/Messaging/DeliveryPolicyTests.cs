using PsaSync.Core.Messaging;

namespace PsaSync.Core.Tests.Messaging;

public class DeliveryPolicyTests
{
    private static readonly DeliveryPolicy Policy = new()
    {
        FirstRetryDelay = TimeSpan.FromSeconds(1),
        MaxRetryDelay = TimeSpan.FromMinutes(2),
    };

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 4)]
    [InlineData(4, 8)]
    [InlineData(7, 64)]
    public void The_delay_doubles_with_every_delivery(int deliveryCount, int expectedSeconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), Policy.RetryDelay(deliveryCount, null));
    }

    [Theory]
    [InlineData(8)]
    [InlineData(10)]
    [InlineData(25)]
    [InlineData(int.MaxValue)]
    public void The_delay_is_capped_at_MaxRetryDelay(int deliveryCount)
    {
        Assert.Equal(TimeSpan.FromMinutes(2), Policy.RetryDelay(deliveryCount, null));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void A_delivery_count_below_one_gets_the_first_delay(int deliveryCount)
    {
        Assert.Equal(TimeSpan.FromSeconds(1), Policy.RetryDelay(deliveryCount, null));
    }

    [Fact]
    public void A_longer_requested_Retry_After_wins()
    {
        Assert.Equal(TimeSpan.FromSeconds(30), Policy.RetryDelay(2, TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public void A_requested_Retry_After_may_exceed_the_cap()
    {
        Assert.Equal(TimeSpan.FromMinutes(5), Policy.RetryDelay(10, TimeSpan.FromMinutes(5)));
    }

    [Fact]
    public void A_shorter_requested_Retry_After_does_not_shorten_the_backoff()
    {
        Assert.Equal(TimeSpan.FromSeconds(8), Policy.RetryDelay(4, TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void The_defaults_match_the_Service_Bus_queues()
    {
        var defaults = new DeliveryPolicy();

        Assert.Equal(10, defaults.MaxDeliveryCount);
        Assert.Equal(TimeSpan.FromSeconds(1), defaults.RetryDelay(1, null));
        Assert.Equal(TimeSpan.FromMinutes(2), defaults.RetryDelay(10, null));
    }
}
