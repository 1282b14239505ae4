using PsaSync.Core.Audit;
using PsaSync.Storage;
using PsaSync.Testing;

namespace PsaSync.Storage.Tests;

public sealed class TableAuditLogTests(AzuriteFixture azurite) : AzuriteTestBase(azurite)
{
    private static AuditRecord Record(string correlationId, DateTimeOffset at, string operation, string outcome = "succeeded") =>
        new(correlationId, at, operation, "time line PSA-TE-1-V1", "psa/time-entry/TE-1", outcome);

    [Fact]
    public async Task The_records_of_a_correlation_id_come_back_in_order_including_a_batch_in_one_tick()
    {
        var log = new TableAuditLog(Tables);
        var t0 = TestClock.Start;
        var batch = Enumerable.Range(0, 120).Select(i => Record("corr/1", t0.AddSeconds(1), $"post-time-{i:D3}")).ToList();

        await log.AppendAsync([Record("corr/1", t0, "create-project")], Ct);
        await log.AppendAsync(batch, Ct);
        await log.AppendAsync([Record("corr/1", t0.AddSeconds(2), "post-invoice", "failed:PeriodClosed")], Ct);

        var records = await new TableAuditLog(NewTableProvider()).ListAsync("corr/1", Ct);

        Assert.Equal([Record("corr/1", t0, "create-project"), .. batch, Record("corr/1", t0.AddSeconds(2), "post-invoice", "failed:PeriodClosed")], records);
    }

    [Fact]
    public async Task Correlation_ids_are_kept_apart_and_an_unknown_one_has_no_records()
    {
        var log = new TableAuditLog(Tables);
        await log.AppendAsync([Record("corr-a", TestClock.Start, "post-time"), Record("corr-b", TestClock.Start, "create-customer")], Ct);

        Assert.Equal("post-time", Assert.Single(await log.ListAsync("corr-a", Ct)).Operation);
        Assert.Equal("create-customer", Assert.Single(await log.ListAsync("corr-b", Ct)).Operation);
        Assert.Empty(await log.ListAsync("corr-c", Ct));
    }
}
