using NSubstitute;
using NSubstitute.ExceptionExtensions;
using PsaSync.Core.Audit;
using PsaSync.Core.Model;
using PsaSync.Core.Ports;
using PsaSync.Core.Tests.Support;

namespace PsaSync.Core.Tests.Audit;

public class AuditingErpConnectorTests
{
    private readonly IErpConnector _erp = Substitute.For<IErpConnector>();
    private readonly RecordingAuditLog _audit = new();
    private readonly AuditingErpConnector _connector;

    public AuditingErpConnectorTests() => _connector = new AuditingErpConnector(_erp, _audit, new FakeTimeProvider(TestData.Now));

    private static ErpTimeLine Line(string externalId, string correlationId = "corr-line") =>
        new(externalId, "ERP-P-100", "RES-7", TestData.WorkDate, 7.5m, true, "Consultant", correlationId);

    [Fact]
    public async Task A_successful_post_is_recorded_with_its_correlation_id_source_and_time()
    {
        _erp.PostTimeAsync(Arg.Any<ErpTimeLine>(), Arg.Any<CancellationToken>()).Returns(new ErpPosting("DOC-1", "PSA-TE-1"));

        using (AuditContext.Begin("corr-context", "psa/time-entry/TE-1"))
        {
            await _connector.PostTimeAsync(Line("PSA-TE-1"), CancellationToken.None);
        }

        var record = Assert.Single(_audit.Records);
        Assert.Equal(new AuditRecord("corr-line", TestData.Now, "post-time", "time line PSA-TE-1", "psa/time-entry/TE-1", "succeeded"), record);
    }

    [Fact]
    public async Task A_failed_change_is_recorded_with_the_failure_kind_and_the_failure_still_reaches_the_caller()
    {
        _erp.PostInvoiceAsync("INV-1", Arg.Any<CancellationToken>()).ThrowsAsync(new ErpException(ErpFailureKind.PeriodClosed, "Period 2026-03 of PSDE is closed"));

        using (AuditContext.Begin("billing-PRJ-100-2026-03", "workflow/BillingPostInvoice"))
        {
            await Assert.ThrowsAsync<ErpException>(() => _connector.PostInvoiceAsync("INV-1", CancellationToken.None));
        }

        var record = Assert.Single(_audit.Records);
        Assert.Equal("billing-PRJ-100-2026-03", record.CorrelationId);
        Assert.Equal("failed:PeriodClosed", record.Outcome);
        Assert.Equal("invoice INV-1", record.Target);
    }

    [Fact]
    public async Task A_batch_of_time_lines_leaves_one_record_per_line_with_its_own_outcome()
    {
        _erp.PostTimeLinesAsync(Arg.Any<IReadOnlyList<ErpTimeLine>>(), Arg.Any<CancellationToken>()).Returns(
        [
            new ErpLineResult("L-1", new ErpPosting("DOC-1", "L-1"), null),
            new ErpLineResult("L-2", null, new ErpException(ErpFailureKind.Throttled, "slow down")),
        ]);

        await _connector.PostTimeLinesAsync([Line("L-1", "corr-1"), Line("L-2", "corr-2")], CancellationToken.None);

        Assert.Equal([("corr-1", "succeeded"), ("corr-2", "failed:Throttled")], _audit.Records.Select(r => (r.CorrelationId, r.Outcome)));
    }

    [Fact]
    public async Task A_change_without_a_correlation_id_of_its_own_takes_the_contexts()
    {
        _erp.SetProjectStatusAsync("ERP-P-100", ProjectStatus.Closed, Arg.Any<CancellationToken>()).Returns(new ErpProject("ERP-P-100", "PRJ-100", false));

        using (AuditContext.Begin("job-project-reconciliation-1", "job/project-reconciliation"))
        {
            await _connector.SetProjectStatusAsync("ERP-P-100", ProjectStatus.Closed, CancellationToken.None);
        }
        await _connector.SetProjectStatusAsync("ERP-P-100", ProjectStatus.Closed, CancellationToken.None);

        Assert.Equal([("job-project-reconciliation-1", "job/project-reconciliation"), ("none", "unknown")], _audit.Records.Select(r => (r.CorrelationId, r.Source)));
    }

    [Fact]
    public async Task Reads_are_not_audited()
    {
        await _connector.FindProjectAsync("PRJ-100", CancellationToken.None);
        await _connector.FindTimeByExternalIdAsync("PSA-TE-1", CancellationToken.None);
        await _connector.ListCustomersAsync(CancellationToken.None);
        await _connector.GetInvoiceChangesAsync(null, 10, CancellationToken.None);

        Assert.Empty(_audit.Records);
        await _erp.Received(1).FindProjectAsync("PRJ-100", Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task Every_write_of_the_port_is_audited()
    {
        var customer = new ErpCustomerDraft("ACC-1", "Contoso", "DE", "EUR", null, "NET30", "PSDE", false, "c1");
        await _connector.CreateCustomerAsync(customer, CancellationToken.None);
        await _connector.UpdateCustomerAsync("CUST-1", customer, CancellationToken.None);
        await _connector.CreateProjectAsync(new ErpProjectDraft("PRJ-1", "CUST-1", "P", "PSDE", "EUR", BillingModel.TimeAndMaterials, "C-1", null, "DE-VAT-19",
            new ErpDimensions("CC", "D", "R"), null, TestData.WorkDate, null, "c2"), CancellationToken.None);
        await _connector.SetProjectStatusAsync("ERP-P-1", ProjectStatus.OnHold, CancellationToken.None);
        await _connector.PostTimeAsync(Line("L-1"), CancellationToken.None);
        await _connector.CreateDraftInvoiceAsync(new ErpInvoiceDraft("B-1", "CUST-1", "ERP-P-1", "2026-03", new DateOnly(2026, 4, 2), "Services 2026-03", "EUR", null, "DE-VAT-19", "c3"), CancellationToken.None);
        await _connector.SetInvoiceLinesAsync("INV-1", [], CancellationToken.None);
        await _connector.PostInvoiceAsync("INV-1", CancellationToken.None);
        await _connector.CancelDraftInvoiceAsync("INV-2", CancellationToken.None);
        await _connector.CreditInvoiceAsync("INV-1", "undo", CancellationToken.None);

        Assert.Equal(
            ["create-customer", "update-customer", "create-project", "set-project-status:OnHold", "post-time", "create-draft-invoice", "set-invoice-lines",
                "post-invoice", "cancel-draft-invoice", "credit-invoice"],
            _audit.Records.Select(r => r.Operation));
    }

    private sealed class RecordingAuditLog : IAuditLog
    {
        public List<AuditRecord> Records { get; } = [];

        public Task AppendAsync(IReadOnlyList<AuditRecord> records, CancellationToken cancellationToken)
        {
            Records.AddRange(records);
            return Task.CompletedTask;
        }

        public Task<IReadOnlyList<AuditRecord>> ListAsync(string correlationId, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<AuditRecord>>([.. Records.Where(r => r.CorrelationId == correlationId)]);
    }
}
