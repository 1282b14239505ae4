using Microsoft.Extensions.Configuration;
using PsaSync.Core.Exceptions;
using PsaSync.LocalRuntime;
using PsaSync.LocalRuntime.Demo;

using PsaSync.Testing;

namespace PsaSync.EndToEnd.Tests;

/// <summary>The README's demo, end to end: real HTTP, Azurite queues and stores, sandbox ERP with faults.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class DemoScenarioTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Demo_posts_every_valid_entry_once_and_raises_one_exception_per_bad_entry()
    {
        var settings = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["PsaSync:Storage:ConnectionString"] = azurite.ConnectionString,
            ["PsaSync:Storage:TablePrefix"] = AzuriteFixture.NewTablePrefix(),
            ["PsaSync:Messaging:FirstRetryDelay"] = "00:00:00.1",
            ["PsaSync:Erp:Faults:ThrottleRate"] = "0.1",
            ["PsaSync:Erp:Faults:ServerErrorRate"] = "0.1",
            ["PsaSync:Erp:Faults:CommitThenTimeoutRate"] = "0.05",
            ["PsaSync:Erp:Faults:RetryAfter"] = "00:00:00.1",
        }).Build();
        await using var app = LocalRuntimeHost.Build(new LocalRuntimeOptions { Port = 0 }, settings);
        await app.StartAsync();

        var summary = await new DemoRunner(app, new DemoOptions { Consultants = 4, DuplicateDeliveryRate = 0.5 }, TextWriter.Null)
            .RunAsync(CancellationToken.None);

        Assert.Equal(0, summary.Lost);
        Assert.True(summary.DuplicateCalls > 0, "the scenario should have delivered some webhooks twice");
        Assert.Equal(summary.UniqueRecords - 2, summary.TimeLinesInErp);
        Assert.Equal(summary.TimeLinesInErp, summary.EntriesMarkedSyncedInPsa);
        Assert.Equal(1, summary.OpenExceptionsByReason[ReasonCodes.HoursOutOfRange.Code]);
        Assert.Equal(1, summary.OpenExceptionsByReason[ReasonCodes.ProjectNotInErp.Code]);
        Assert.Equal(2, summary.OpenExceptionsByReason.Values.Sum());
        Assert.Equal(0, summary.DeadLettered);
        Assert.True(summary.ErpFaultsInjected.Values.Sum() > 0, "the sandbox ERP should have injected faults");
        await app.StopAsync();
    }
}
