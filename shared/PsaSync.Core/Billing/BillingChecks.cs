using System.Globalization;
using PsaSync.Core.CrossReference;
using PsaSync.Core.Exceptions;
using PsaSync.Core.MasterData;
using PsaSync.Core.Model;
using PsaSync.Core.Ports;

namespace PsaSync.Core.Billing;

/// <summary>
/// The readiness checks a project and period must pass before anything is posted. Each answers in words a
/// finance or PMO user can act on; the workflow calls each as its own activity.
/// </summary>
public sealed class BillingChecks(
    IErpConnector erp,
    IPsaConnector psa,
    ICrossReferenceMap crossReferences,
    IUnbilledLedger ledger,
    IProjectProfiles profiles,
    ReferenceDataCache referenceData,
    BillingOptions options)
{
    public const string CustomerActive = "customer-active";
    public const string ProjectActive = "project-active";
    public const string PurchaseOrder = "purchase-order";
    public const string TaxCode = "tax-code";
    public const string ContractCeiling = "contract-ceiling";
    public const string PendingExpenses = "pending-expenses";
    public const string FiscalPeriodOpen = "fiscal-period-open";
    public const string DueDateNotPast = "due-date-not-past";
    public const string LedgerMatchesPsa = "ledger-matches-psa";
    public const string RatesKnown = "rates-known";

    public static IReadOnlyList<string> All { get; } =
        [CustomerActive, ProjectActive, PurchaseOrder, TaxCode, ContractCeiling, PendingExpenses, FiscalPeriodOpen, DueDateNotPast, LedgerMatchesPsa, RatesKnown];

    public async Task<CheckResult> RunAsync(CheckRequest request, CancellationToken cancellationToken)
    {
        var (projectId, period) = (request.Request.ProjectId, request.Request.Period);
        var project = await profiles.GetAsync(projectId, cancellationToken);
        if (project is null)
        {
            return Fail(request.Check, ReasonCodes.BillingProjectNotActive, $"Project {projectId} has never been set up through PsaSync, so there is nothing to bill it by.");
        }
        return request.Check switch
        {
            CustomerActive => await CheckCustomerAsync(project, cancellationToken) is { } customer
                ? Pass(CustomerActive, $"Customer {customer.LegalName} is ERP customer {customer.CustomerNumber}.")
                : Fail(CustomerActive, ReasonCodes.BillingCustomerNotActive, $"Project {projectId}'s customer {project.CustomerKey} is not an ERP customer."),
            ProjectActive => await CheckProjectAsync(project, cancellationToken),
            PurchaseOrder => await CheckPurchaseOrderAsync(project, cancellationToken),
            TaxCode => await CheckTaxCodeAsync(project, cancellationToken),
            ContractCeiling => await CheckCeilingAsync(project, period, cancellationToken),
            PendingExpenses => await psa.CountPendingExpenseApprovalsAsync(projectId, period, cancellationToken) is var pending and > 0
                ? Fail(PendingExpenses, ReasonCodes.BillingExpensesPending, $"{pending} expense(s) of project {projectId} for {period} still wait for approval in the PSA.")
                : Pass(PendingExpenses, $"No expenses of {period} wait for approval."),
            FiscalPeriodOpen => await CheckFiscalPeriodAsync(project, request.Dates, cancellationToken),
            DueDateNotPast => await CheckDueDateAsync(project, request.Dates, cancellationToken),
            LedgerMatchesPsa => await CheckLedgerAsync(projectId, period, cancellationToken),
            RatesKnown => await CheckRatesAsync(project, period, cancellationToken),
            _ => throw new ArgumentException($"Unknown billing check '{request.Check}'.", nameof(request)),
        };
    }

    private async Task<ErpCustomer?> CheckCustomerAsync(Project project, CancellationToken cancellationToken)
    {
        var number = (await crossReferences.FindAsync(EntityKinds.Customer, SystemNames.CustomerKey, project.CustomerKey, cancellationToken))?.IdIn(SystemNames.Erp);
        return number is null ? null : await erp.GetCustomerAsync(number, cancellationToken);
    }

    /// <summary>The period the invoice will be dated in must be open; the service period itself may long be closed.</summary>
    private async Task<CheckResult> CheckFiscalPeriodAsync(Project project, BillingDates dates, CancellationToken cancellationToken)
    {
        var dated = string.Create(CultureInfo.InvariantCulture, $"The invoice will be dated {dates.InvoiceDate:yyyy-MM-dd}");
        return await erp.IsFiscalPeriodOpenAsync(project.LegalEntity, dates.InvoicePeriod, cancellationToken)
            ? Pass(FiscalPeriodOpen, $"{dated}, in period {dates.InvoicePeriod}, which is open in the ERP for {project.LegalEntity}.")
            : Fail(FiscalPeriodOpen, ReasonCodes.BillingPeriodClosed, $"{dated}, in period {dates.InvoicePeriod}, which is closed in the ERP for legal entity {project.LegalEntity}.");
    }

    /// <summary>
    /// An invoice must not fall due before the day it is issued: an ERP refuses or warns on it (Tryton does), and a customer
    /// would be overdue on receipt. Only period-end dating can meet this; run-day dating passes by construction.
    /// </summary>
    private async Task<CheckResult> CheckDueDateAsync(Project project, BillingDates dates, CancellationToken cancellationToken)
    {
        var customer = await CheckCustomerAsync(project, cancellationToken);
        if (customer is null)
        {
            return Pass(DueDateNotPast, "The due date is checked once the customer is in the ERP.");
        }
        var reference = await referenceData.GetAsync(cancellationToken);
        if (!reference.PaymentTermDues.TryGetValue(customer.PaymentTerms, out var due))
        {
            return dates.InvoiceDate >= dates.RunDay
                ? Pass(DueDateNotPast, string.Create(CultureInfo.InvariantCulture, $"The invoice is dated {dates.InvoiceDate:yyyy-MM-dd}, not before the billing day."))
                : new CheckResult(DueDateNotPast, true,
                    string.Create(CultureInfo.InvariantCulture, $"The ERP's rule for payment terms '{customer.PaymentTerms}' is unknown to PsaSync, so the due date of an invoice dated {dates.InvoiceDate:yyyy-MM-dd} could not be checked."), Warning: true);
        }
        var dueDate = due.DueDateFor(dates.InvoiceDate);
        return dueDate >= dates.RunDay
            ? Pass(DueDateNotPast, string.Create(CultureInfo.InvariantCulture, $"Dated {dates.InvoiceDate:yyyy-MM-dd}, the invoice falls due on {dueDate:yyyy-MM-dd} ({customer.PaymentTerms})."))
            : Fail(DueDateNotPast, ReasonCodes.BillingDueDatePast,
                string.Create(CultureInfo.InvariantCulture, $"Dated {dates.InvoiceDate:yyyy-MM-dd} (the end of {project.ProjectId}'s service period), the invoice would fall due on {dueDate:yyyy-MM-dd} under {customer.PaymentTerms}, " +
                $"before today ({dates.RunDay:yyyy-MM-dd}). Nothing was drafted."));
    }

    private async Task<CheckResult> CheckProjectAsync(Project project, CancellationToken cancellationToken)
    {
        var inErp = await erp.FindProjectAsync(project.ProjectId, cancellationToken);
        return inErp is { Active: true }
            ? Pass(ProjectActive, $"Project {project.ProjectId} is ERP project {inErp.ErpProjectCode}.")
            : Fail(ProjectActive, ReasonCodes.BillingProjectNotActive,
                $"Project {project.ProjectId} is {(inErp is null ? "not in the ERP" : $"{inErp.Status} in the ERP ({inErp.ErpProjectCode})")}.");
    }

    private async Task<CheckResult> CheckPurchaseOrderAsync(Project project, CancellationToken cancellationToken)
    {
        var customer = await CheckCustomerAsync(project, cancellationToken);
        return customer is { RequiresPurchaseOrder: true } && string.IsNullOrWhiteSpace(project.PurchaseOrder)
            ? Fail(PurchaseOrder, ReasonCodes.BillingPurchaseOrderMissing, $"{customer.LegalName} requires a PO on every invoice; project {project.ProjectId} has none.")
            : Pass(PurchaseOrder, project.PurchaseOrder is null ? "No PO is required." : $"PO {project.PurchaseOrder}.");
    }

    private async Task<CheckResult> CheckTaxCodeAsync(Project project, CancellationToken cancellationToken)
    {
        var customer = await CheckCustomerAsync(project, cancellationToken);
        var reference = await referenceData.GetAsync(cancellationToken);
        var valid = customer is not null && reference.TaxCodes.Any(t => t.Code == project.TaxCode && t.Country == customer.BillingCountry);
        return valid
            ? Pass(TaxCode, $"Tax code {project.TaxCode} applies in {customer!.BillingCountry}.")
            : Fail(TaxCode, ReasonCodes.BillingTaxCodeInvalid,
                $"Tax code '{project.TaxCode}' of project {project.ProjectId} is not valid for the customer's country ({customer?.BillingCountry ?? "unknown"}).");
    }

    private async Task<CheckResult> CheckCeilingAsync(Project project, string period, CancellationToken cancellationToken)
    {
        if (project.ContractCeiling is not { } ceiling)
        {
            return Pass(ContractCeiling, "The contract has no ceiling.");
        }
        var amount = InvoiceLines.Build(await UnbilledAsync(project.ProjectId, period, cancellationToken), project).Sum(l => l.Amount);
        if (amount > ceiling)
        {
            return Fail(ContractCeiling, ReasonCodes.BillingCeilingExceeded,
                string.Create(CultureInfo.InvariantCulture, $"This invoice ({amount:0.00} {project.Currency}) would exceed project {project.ProjectId}'s contract ceiling of {ceiling:0.00}."));
        }
        return amount > ceiling * options.CeilingWarningShare
            ? new CheckResult(ContractCeiling, true, string.Create(CultureInfo.InvariantCulture, $"This invoice uses {amount / ceiling:P0} of the contract ceiling."), Warning: true)
            : Pass(ContractCeiling, string.Create(CultureInfo.InvariantCulture, $"Within the contract ceiling ({amount:0.00} of {ceiling:0.00})."));
    }

    private async Task<CheckResult> CheckLedgerAsync(string projectId, string period, CancellationToken cancellationToken)
    {
        var approved = await psa.GetApprovedTotalsAsync(projectId, period, cancellationToken);
        var hours = (await ledger.ListAsync(projectId, period, cancellationToken))
            .Where(e => e.Kind == LedgerEntryKind.Time && e.State != LedgerEntryState.Reversed)
            .Sum(e => e.Quantity);
        return hours == approved.BillableHours
            ? Pass(LedgerMatchesPsa, string.Create(CultureInfo.InvariantCulture, $"{hours:0.##} billable hours in both the PSA and PsaSync's ledger."))
            : Fail(LedgerMatchesPsa, ReasonCodes.BillingLedgerMismatch,
                string.Create(CultureInfo.InvariantCulture, $"The PSA reports {approved.BillableHours:0.##} approved billable hours for project {projectId} in {period}; PsaSync's ledger has {hours:0.##}."));
    }

    private async Task<CheckResult> CheckRatesAsync(Project project, string period, CancellationToken cancellationToken)
    {
        var missing = (await UnbilledAsync(project.ProjectId, period, cancellationToken))
            .Where(e => e.Kind == LedgerEntryKind.Time && InvoiceLines.RateOn(project, e.Role, e.Date) is null)
            .Select(e => string.Create(CultureInfo.InvariantCulture, $"{e.Role ?? "(no role)"} on {e.Date:yyyy-MM-dd}"))
            .Distinct()
            .ToList();
        return missing.Count == 0
            ? Pass(RatesKnown, "Every role has a rate on its dates.")
            : Fail(RatesKnown, ReasonCodes.BillingRateMissing, $"Project {project.ProjectId}'s rate card has no rate for {string.Join(", ", missing.Take(5))}{(missing.Count > 5 ? " ..." : "")}.");
    }

    private async Task<IEnumerable<LedgerEntry>> UnbilledAsync(string projectId, string period, CancellationToken cancellationToken) =>
        (await ledger.ListAsync(projectId, period, cancellationToken)).Where(e => e.State is LedgerEntryState.Unbilled or LedgerEntryState.Reserved);

    private static CheckResult Pass(string check, string message) => new(check, true, message);

    private static CheckResult Fail(string check, ReasonCode reason, string message) => new(check, false, message, reason.Code);
}
