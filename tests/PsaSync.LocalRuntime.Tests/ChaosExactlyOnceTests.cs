using PsaSync.Connectors.Sandbox;
using PsaSync.Connectors.Sandbox.Erp;
using PsaSync.Core.Ports;
using PsaSync.LocalRuntime.Chaos;

namespace PsaSync.LocalRuntime.Tests;

/// <summary>
/// Issue 17, item 8: the chaos suite's exactly-once check reads the sandbox ERP's journal. Counting its keyed
/// collections could never see a second customer under the same external id; the journal does.
/// </summary>
public sealed class ChaosExactlyOnceTests : IDisposable
{
    private readonly string _journal = Path.Combine(Path.GetTempPath(), $"psasync-exactly-once-{Guid.NewGuid():N}.jsonl");

    private static ErpCustomerDraft Customer(string externalId) => new(externalId, "Contoso", "DE", "EUR", null, "NET30", "PSDE", false, "c1");

    [Fact]
    public async Task A_second_create_of_the_same_customer_is_a_double_though_the_collection_shows_one()
    {
        var erp = new SandboxErp(new SandboxFaultOptions(), _journal);
        await erp.CreateCustomerAsync(Customer("ACC-1"), CancellationToken.None);
        await erp.CreateCustomerAsync(Customer("ACC-1"), CancellationToken.None);
        await erp.CreateCustomerAsync(Customer("ACC-2"), CancellationToken.None);

        var reread = new SandboxErp(new SandboxFaultOptions(), _journal);
        var doubles = ExactlyOnce.Doubles(reread);

        Assert.Equal(2, reread.Customers.Count);
        var twice = Assert.Single(doubles);
        Assert.Contains("ACC-1", twice, StringComparison.Ordinal);
    }

    [Fact]
    public async Task One_create_per_key_is_no_double()
    {
        var erp = new SandboxErp(new SandboxFaultOptions(), _journal);
        await erp.CreateCustomerAsync(Customer("ACC-1"), CancellationToken.None);
        await erp.CreateCustomerAsync(Customer("ACC-2"), CancellationToken.None);

        Assert.Empty(ExactlyOnce.Doubles(new SandboxErp(new SandboxFaultOptions(), _journal)));
    }

    public void Dispose() => File.Delete(_journal);
}
