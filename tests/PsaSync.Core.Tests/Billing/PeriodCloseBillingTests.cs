using NSubstitute;
using PsaSync.Connectors.Sandbox;
using PsaSync.Connectors.Sandbox.Erp;
using PsaSync.Core.Billing;
using PsaSync.Core.Ports;
using PsaSync.Core.Tests.Support;

namespace PsaSync.Core.Tests.Billing;

public sealed class PeriodCloseBillingTests
{
    [Fact]
    public async Task Period_close_starts_billing_of_the_month_that_ended_for_each_active_project_only()
    {
        var erp = new SandboxErp(new SandboxFaultOptions());
        erp.SeedProject(new ErpProject("EP-1", "PRJ-1", Active: true));
        erp.SeedProject(new ErpProject("EP-2", "PRJ-2", Active: false));
        erp.SeedProject(new ErpProject("EP-3", "PRJ-3", Active: true));
        var workflows = Substitute.For<IBillingWorkflows>();
        workflows.StartAsync(Arg.Any<BillingRequest>(), Arg.Any<CancellationToken>())
            .Returns(call => (true, new BillingRunStatus(call.Arg<BillingRequest>().BatchId, "Pending", null, null)));
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 1, 6, 0, 0, TimeSpan.Zero));

        var summary = await new PeriodCloseBilling(erp, clock).RunAsync(workflows, CancellationToken.None);

        await workflows.Received(1).StartAsync(new BillingRequest("PRJ-1", "2026-10"), Arg.Any<CancellationToken>());
        await workflows.Received(1).StartAsync(new BillingRequest("PRJ-3", "2026-10"), Arg.Any<CancellationToken>());
        await workflows.DidNotReceive().StartAsync(new BillingRequest("PRJ-2", "2026-10"), Arg.Any<CancellationToken>());
        Assert.Equal("Period 2026-10: billing started for 2 of 2 active project(s).", summary);
    }
}
