using PsaSync.Core.Exceptions;
using PsaSync.Core.Messaging;
using PsaSync.Core.Model;
using PsaSync.Core.Tests.Support;

namespace PsaSync.Core.Tests.Messaging;

public sealed class HandlerSupportTests
{
    private readonly InMemoryExceptionStore _exceptions = new(new FakeTimeProvider(TestData.Now));
    private readonly HandlerSupport _support;
    private readonly RecordRef _record = new(SystemNames.Psa, EntityKinds.TimeEntry, "TE-1");

    public HandlerSupportTests() =>
        _support = new HandlerSupport(_exceptions, new InMemoryCorrelationLog(), new FakeTimeProvider(TestData.Now), new RecordingTelemetry());

    private async Task<IReadOnlyList<ExceptionItem>> OpenForRecordAsync() =>
        await _exceptions.ListAsync(new ExceptionQuery(Status: ExceptionStatus.Open, SourceRecord: _record), CancellationToken.None);

    [Fact]
    public async Task A_record_rejected_again_for_a_new_reason_keeps_only_the_new_item_open()
    {
        // First the entry arrived before its project; replayed once the project synced, it met a closed period.
        await _support.RejectAsync("time", TestData.TimeApprovedEnvelope(), _record, ReasonCodes.ProjectNotInErp, "project unknown", CancellationToken.None);
        await _support.RejectAsync("time", TestData.TimeApprovedEnvelope(), _record, ReasonCodes.FiscalPeriodClosed, "period closed", CancellationToken.None);

        var open = Assert.Single(await OpenForRecordAsync());
        Assert.Equal(ReasonCodes.FiscalPeriodClosed.Code, open.ReasonCode);
    }

    [Fact]
    public async Task A_record_rejected_again_for_the_same_reason_keeps_its_one_item()
    {
        await _support.RejectAsync("time", TestData.TimeApprovedEnvelope(), _record, ReasonCodes.ProjectNotInErp, "project unknown", CancellationToken.None);
        await _support.RejectAsync("time", TestData.TimeApprovedEnvelope(), _record, ReasonCodes.ProjectNotInErp, "project unknown", CancellationToken.None);

        Assert.Equal(ReasonCodes.ProjectNotInErp.Code, Assert.Single(await OpenForRecordAsync()).ReasonCode);
    }
}
