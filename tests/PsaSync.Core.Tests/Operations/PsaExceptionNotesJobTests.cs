using PsaSync.Connectors.Sandbox;
using PsaSync.Connectors.Sandbox.Psa;
using PsaSync.Core.Exceptions;
using PsaSync.Core.Model;
using PsaSync.Core.Operations;
using PsaSync.Core.Tests.Support;

namespace PsaSync.Core.Tests.Operations;

public sealed class PsaExceptionNotesJobTests
{
    private readonly InMemoryExceptionStore _exceptions = new(new FakeTimeProvider(TestData.Now));
    private readonly SandboxPsa _psa = new(new SandboxFaultOptions());

    private Task<ExceptionItem> RaiseAsync(RecordRef record, ReasonCode reason) =>
        _exceptions.RaiseAsync(new NewException(reason, "message", "time-expense", record, "corr-1", null), CancellationToken.None);

    [Fact]
    public async Task Open_items_on_PSA_records_are_shown_on_them_and_disappear_once_resolved()
    {
        var entry = new RecordRef(SystemNames.Psa, EntityKinds.TimeEntry, "TE-1");
        var hours = await RaiseAsync(entry, ReasonCodes.HoursOutOfRange);
        await RaiseAsync(new RecordRef(SystemNames.Psa, EntityKinds.Project, "PRJ-1"), ReasonCodes.ProjectPurchaseOrderMissing);
        await RaiseAsync(new RecordRef(SystemNames.Erp, EntityKinds.Invoice, "INV-9"), ReasonCodes.ErpInvoiceUnknown);
        var job = new PsaExceptionNotesJob(_exceptions, _psa);

        var summary = await job.RunAsync(CancellationToken.None);

        var note = Assert.Single(_psa.ExceptionNotesOn(EntityKinds.TimeEntry, "TE-1"));
        Assert.Equal((ReasonCodes.HoursOutOfRange.Code, "Pmo", ReasonCodes.HoursOutOfRange.HowToFix), (note.ReasonCode, note.Owner, note.HowToFix));
        Assert.Single(_psa.ExceptionNotesOn(EntityKinds.Project, "PRJ-1"));
        Assert.Equal("2 open exception item(s) shown on 2 PSA record(s); 1 other open item(s) concern ERP or CRM records.", summary);

        await _exceptions.ResolveAsync(hours.Id, "fixed", CancellationToken.None);
        await job.RunAsync(CancellationToken.None);

        Assert.Empty(_psa.ExceptionNotesOn(EntityKinds.TimeEntry, "TE-1"));
        Assert.Single(_psa.ExceptionNotesOn(EntityKinds.Project, "PRJ-1"));
    }
}
