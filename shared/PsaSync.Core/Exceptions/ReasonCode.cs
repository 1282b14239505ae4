namespace PsaSync.Core.Exceptions;

/// <summary>Who is expected to act on an exception item.</summary>
public enum ExceptionOwner
{
    FinanceOps,
    Pmo,
    IntegrationSupport,
    Platform,
}

/// <summary>
/// A stable reason code with its owner and the fix, in the words of the person who has to act.
/// The code never changes once shipped: dashboards, alerts and replays filter on it.
/// </summary>
public sealed record ReasonCode(string Code, ExceptionOwner Owner, string Title, string HowToFix);

/// <summary>The catalogue of reason codes. Add new ones here; never reuse or rename a code.</summary>
public static class ReasonCodes
{
    public static readonly ReasonCode HoursOutOfRange = new(
        "TIME_HOURS_OUT_OF_RANGE", ExceptionOwner.Pmo,
        "Approved hours are not between 0 and 24",
        "Correct the hours on the time entry in the PSA and approve it again.");

    public static readonly ReasonCode DayOverFull = new(
        "TIME_DAY_OVER_24_HOURS", ExceptionOwner.Pmo,
        "A resource has more than 24 approved hours on one day",
        "Correct the day's entries in the PSA (one is likely entered twice, or its hours mistyped) and approve each of them again; none of that day's entries is posted until then.");

    // Expenses and milestones. PMO owns both in the PSA; the fix is a corrected, re-approved record.
    public static readonly ReasonCode ExpenseAmountInvalid = new(
        "EXPENSE_AMOUNT_INVALID", ExceptionOwner.Pmo,
        "The approved expense amount is zero, negative or implausibly large",
        "Correct the amount on the expense in the PSA (it must be more than 0 and less than 100,000) and approve it again.");

    public static readonly ReasonCode ExpenseCurrencyMismatch = new(
        "EXPENSE_CURRENCY_MISMATCH", ExceptionOwner.Pmo,
        "The expense currency is not a three-letter currency code or differs from the project's currency",
        "Enter the expense in the project's currency (convert it if the receipt is in another one) in the PSA and approve it again.");

    public static readonly ReasonCode ExpenseMarkupInvalid = new(
        "EXPENSE_MARKUP_INVALID", ExceptionOwner.Pmo,
        "The expense markup is not between 0 and 100 percent",
        "Correct the markup percentage on the expense in the PSA and approve it again.");

    public static readonly ReasonCode MilestoneNotPlanned = new(
        "MILESTONE_NOT_PLANNED", ExceptionOwner.Pmo,
        "The completed milestone is not in the project's milestone plan, or its amount differs from the plan",
        "Add the milestone to the project's milestone schedule in the PSA (or correct its amount there or on the milestone), then replay this item.");

    public static readonly ReasonCode ProjectNotInErp = new(
        "PROJECT_NOT_IN_ERP", ExceptionOwner.Pmo,
        "The project is not set up in the ERP",
        "Activate the project in the PSA so that project setup creates it in the ERP; records waiting for it then continue by themselves. If the ERP project exists but is inactive, reactivate it and replay this item.");

    public static readonly ReasonCode WaitingForProject = new(
        "RECORD_WAITING_FOR_PROJECT", ExceptionOwner.IntegrationSupport,
        "The record waits for its project to be set up in the ERP",
        "Nothing to do yet: the record continues by itself when project setup has created the project in the ERP. If it waits long, check the project's own exception items.");

    public static readonly ReasonCode FiscalPeriodClosed = new(
        "ERP_PERIOD_CLOSED", ExceptionOwner.FinanceOps,
        "The ERP fiscal period for this date is closed",
        "Reopen the period in the ERP or move the entry to an open period, then replay this item.");

    public static readonly ReasonCode ErpRejected = new(
        "ERP_REJECTED", ExceptionOwner.IntegrationSupport,
        "The ERP rejected the posting",
        "Read the ERP's message on this item, correct the data or the ERP setup, then replay it.");

    public static readonly ReasonCode DeliveryExhausted = new(
        "DELIVERY_EXHAUSTED", ExceptionOwner.IntegrationSupport,
        "Processing kept failing and the message was dead-lettered",
        "Check the ERP and PSA are reachable (see the last error on this item), then replay the dead-lettered message.");

    public static readonly ReasonCode UnreadableMessage = new(
        "MESSAGE_UNREADABLE", ExceptionOwner.Platform,
        "A queued message could not be read as an event envelope",
        "The message was dead-lettered as it is; check which producer wrote it and which version it runs.");

    public static readonly ReasonCode UnsupportedEvent = new(
        "EVENT_UNSUPPORTED", ExceptionOwner.Platform,
        "No handler in this domain understands the event type or schema version",
        "Deploy the version of PsaSync that handles this event, then replay the dead-lettered message.");

    // Customer master. Finance owns customer master data in the ERP; the CRM account is where most fixes start.
    public static readonly ReasonCode CustomerLegalNameMissing = new(
        "CUSTOMER_LEGAL_NAME_MISSING", ExceptionOwner.FinanceOps,
        "The customer has no legal name",
        "Enter the customer's registered legal name on the CRM account; the next update syncs it.");

    public static readonly ReasonCode CustomerCountryInvalid = new(
        "CUSTOMER_COUNTRY_INVALID", ExceptionOwner.FinanceOps,
        "The billing country is not an ISO 3166 country code",
        "Set the billing country on the CRM account to a two-letter country code such as DE or US.");

    public static readonly ReasonCode CustomerLegalEntityUnknown = new(
        "CUSTOMER_LEGAL_ENTITY_UNKNOWN", ExceptionOwner.FinanceOps,
        "The contracting legal entity does not exist in the ERP",
        "Choose one of the ERP's legal entities on the CRM account (see the message for the list).");

    public static readonly ReasonCode CustomerCurrencyNotAllowed = new(
        "CUSTOMER_CURRENCY_NOT_ALLOWED", ExceptionOwner.FinanceOps,
        "The legal entity cannot invoice in the customer's currency",
        "Change the customer's currency to one the legal entity invoices in, or choose another legal entity.");

    public static readonly ReasonCode CustomerTaxIdInvalid = new(
        "CUSTOMER_TAX_ID_INVALID", ExceptionOwner.FinanceOps,
        "The tax id does not have the format of the billing country",
        "Correct the tax (VAT/EIN) number on the CRM account; the message shows the expected format.");

    public static readonly ReasonCode CustomerPaymentTermsUnknown = new(
        "CUSTOMER_PAYMENT_TERMS_UNKNOWN", ExceptionOwner.FinanceOps,
        "The payment terms are not set up in the ERP",
        "Use one of the ERP's payment terms on the CRM account (see the message for the list).");

    public static readonly ReasonCode CustomerLikelyDuplicate = new(
        "CUSTOMER_LIKELY_DUPLICATE", ExceptionOwner.FinanceOps,
        "An ERP customer with the same tax id or name already exists",
        "If it is the same customer, link the CRM account to the existing ERP customer (set its external id); otherwise correct the name or tax id, then replay.");

    // Project setup. PMO owns project data in the PSA.
    public static readonly ReasonCode ProjectWaitingForCustomer = new(
        "PROJECT_WAITING_FOR_CUSTOMER", ExceptionOwner.IntegrationSupport,
        "The project waits for its customer to be synced",
        "Nothing to do yet: the project continues by itself when the customer syncs. If it waits long, check the customer's own exception items.");

    public static readonly ReasonCode ProjectCustomerNeverSynced = new(
        "PROJECT_CUSTOMER_NEVER_SYNCED", ExceptionOwner.Pmo,
        "The project has waited too long for its customer",
        "Check the customer exists and is closed-won in the CRM (or correct the customer on the project); the project continues when the customer syncs.");

    public static readonly ReasonCode ProjectLegalEntityUnknown = new(
        "PROJECT_LEGAL_ENTITY_UNKNOWN", ExceptionOwner.Pmo,
        "The project's legal entity does not exist in the ERP",
        "Set the project's legal entity in the PSA to one of the ERP's legal entities.");

    public static readonly ReasonCode ProjectCurrencyNotAllowed = new(
        "PROJECT_CURRENCY_NOT_ALLOWED", ExceptionOwner.Pmo,
        "The legal entity cannot bill in the project's currency",
        "Change the project currency in the PSA to one the legal entity bills in.");

    public static readonly ReasonCode ProjectTaxCodeUnknown = new(
        "PROJECT_TAX_CODE_UNKNOWN", ExceptionOwner.FinanceOps,
        "The tax code is missing or not valid for the legal entity's country",
        "Set a tax code the ERP knows for this country on the project.");

    public static readonly ReasonCode ProjectBillingDataMissing = new(
        "PROJECT_BILLING_DATA_MISSING", ExceptionOwner.Pmo,
        "The billing model lacks the data it needs",
        "Add what the message names (rate card, milestone schedule or contract ceiling) to the project in the PSA.");

    public static readonly ReasonCode ProjectContractMissing = new(
        "PROJECT_CONTRACT_MISSING", ExceptionOwner.Pmo,
        "The project has no contract reference",
        "Enter the signed contract's reference on the project in the PSA.");

    public static readonly ReasonCode ProjectPurchaseOrderMissing = new(
        "PROJECT_PO_MISSING", ExceptionOwner.Pmo,
        "The customer requires a purchase order and the project has none",
        "Enter the customer's PO number on the project in the PSA.");

    public static readonly ReasonCode ProjectPracticeUnknown = new(
        "PROJECT_PRACTICE_UNKNOWN", ExceptionOwner.FinanceOps,
        "No ERP financial dimensions are set up for the project's practice",
        "Map the practice to a cost center and department in the ERP, or correct the practice on the project.");

    public static readonly ReasonCode ReconciliationDrift = new(
        "RECONCILIATION_DRIFT", ExceptionOwner.IntegrationSupport,
        "The ERP and the PSA disagree and PsaSync could not safely heal it",
        "Compare the record in both systems (the message says how they differ) and correct the wrong side; the next reconciliation confirms.");

    // Billing readiness. One per failed check, on the project; the workflow re-checks until its deadline.
    public static readonly ReasonCode BillingCustomerNotActive = new(
        "BILLING_CUSTOMER_NOT_ACTIVE", ExceptionOwner.FinanceOps,
        "The project's customer is not an active ERP customer",
        "Sync or reactivate the customer in the ERP; billing re-checks by itself.");

    public static readonly ReasonCode BillingProjectNotActive = new(
        "BILLING_PROJECT_NOT_ACTIVE", ExceptionOwner.Pmo,
        "The project is not active in the ERP",
        "Activate the project in the PSA (project setup syncs it), or take it off hold; billing re-checks by itself.");

    public static readonly ReasonCode BillingPurchaseOrderMissing = new(
        "BILLING_PO_MISSING", ExceptionOwner.Pmo,
        "The customer requires a PO and the project has none",
        "Enter the customer's PO number on the project in the PSA; billing re-checks by itself.");

    public static readonly ReasonCode BillingTaxCodeInvalid = new(
        "BILLING_TAX_CODE_INVALID", ExceptionOwner.FinanceOps,
        "The project's tax code is not valid for the customer's country",
        "Correct the tax code on the project in the PSA; billing re-checks by itself.");

    public static readonly ReasonCode BillingCeilingExceeded = new(
        "BILLING_CEILING_EXCEEDED", ExceptionOwner.Pmo,
        "The invoice would take the project over its contract ceiling",
        "Agree a change order and raise the ceiling in the PSA, or write the excess off; billing re-checks by itself.");

    public static readonly ReasonCode BillingExpensesPending = new(
        "BILLING_EXPENSES_PENDING", ExceptionOwner.Pmo,
        "Expenses of the period still wait for approval",
        "Approve or reject the pending expenses in the PSA; billing re-checks by itself.");

    public static readonly ReasonCode BillingPeriodClosed = new(
        "BILLING_PERIOD_CLOSED", ExceptionOwner.FinanceOps,
        "The ERP fiscal period is closed",
        "Reopen the period in the ERP, or bill in the next period; billing re-checks by itself.");

    public static readonly ReasonCode BillingDueDatePast = new(
        "BILLING_DUE_DATE_PAST", ExceptionOwner.FinanceOps,
        "The invoice would fall due before it is even issued",
        "Invoices are dated at the end of the service period (PsaSync:Billing:InvoiceDating=PeriodEnd), and this period is billed after its payment term ran out. " +
        "Date this run's invoices on the billing day (InvoiceDating=RunDay, the default) and start billing again, or agree a different date with the customer and raise the invoice in the ERP by hand.");

    public static readonly ReasonCode BillingLedgerMismatch = new(
        "BILLING_LEDGER_MISMATCH", ExceptionOwner.IntegrationSupport,
        "PsaSync's ledger and the PSA disagree on what was approved",
        "Find the missing or extra entries with the trace of the project's entries (often one is still in an exception), fix, then resolve.");

    public static readonly ReasonCode BillingRateMissing = new(
        "BILLING_RATE_MISSING", ExceptionOwner.Pmo,
        "Hours were booked for a role with no bill rate on the date",
        "Add the role's rate (effective early enough) to the project's rate card in the PSA; billing re-checks by itself.");

    public static readonly ReasonCode BillingCompensated = new(
        "BILLING_COMPENSATED", ExceptionOwner.IntegrationSupport,
        "Invoicing failed part-way and was undone",
        "Read what failed and what was undone in the message, fix the cause, then start billing for the project and period again.");

    public static readonly ReasonCode BillingRunFailed = new(
        "BILLING_RUN_FAILED", ExceptionOwner.IntegrationSupport,
        "A billing run stopped on an error it could not get past",
        "Read which step failed and why in the message (often the ERP or the ledger store was unreachable for a while), make sure it answers again, then start the next attempt the message names.");

    // Invoice feedback and money-level reconciliation. Finance owns what the ERP holds; integration support owns what PsaSync failed to carry.
    public static readonly ReasonCode ErpInvoiceUnknown = new(
        "ERP_INVOICE_UNKNOWN", ExceptionOwner.FinanceOps,
        "An invoice in the ERP was not made by PsaSync, so the PSA cannot show it against any project",
        "If it was raised by hand on purpose, tell the project's PMO and resolve this item; if it is a mistake, cancel or credit it in the ERP.");

    public static readonly ReasonCode ApprovedNotPostedInTime = new(
        "APPROVED_NOT_POSTED_IN_TIME", ExceptionOwner.IntegrationSupport,
        "Approved billable work has not reached the ERP within the agreed time",
        "Open the trace of the record: it is usually held by another exception (fix that one) or waiting for billing to run for its period.");

    public static readonly ReasonCode InvoiceAmountMismatch = new(
        "INVOICE_AMOUNT_MISMATCH", ExceptionOwner.FinanceOps,
        "What the ERP invoiced for a project and period differs from what PsaSync billed from the approved work",
        "Compare the invoice lines in the ERP with the ledger of the project and period; correct the invoice with a credit memo or re-bill, then resolve.");

    public static readonly ReasonCode TimeCreditCandidate = new(
        "TIME_CREDIT_CANDIDATE", ExceptionOwner.FinanceOps,
        "Time that was already invoiced was revoked or corrected in the PSA",
        "Decide whether the customer gets a credit note for the hours in the message (issue it in the ERP), then resolve; a corrected version is billed with its period's next invoice or by hand.");

    public static readonly ReasonCode TimeOutsideProjectDates = new(
        "TIME_OUTSIDE_PROJECT_DATES", ExceptionOwner.Pmo,
        "The time entry's date is outside the project's start and end dates",
        "Move the entry to the right project or date in the PSA, or extend the project's dates, and approve it again.");

    public static readonly ReasonCode TimeBillableOnFixedFee = new(
        "TIME_BILLABLE_ON_FIXED_FEE", ExceptionOwner.Pmo,
        "Billable hours were approved on a fixed-fee project, which bills its milestones, not hours",
        "Mark the entry non-billable in the PSA (fixed-fee work is billed through milestones) and approve it again.");

    public static readonly ReasonCode TimeRateMissing = new(
        "TIME_RATE_MISSING", ExceptionOwner.Pmo,
        "The project's rate card has no rate for the entry's role on its date",
        "Add the role's rate, effective on or before the entry's date, to the project's rate card in the PSA; then replay this item.");

    public static IReadOnlyList<ReasonCode> All { get; } =
    [
        TimeCreditCandidate, TimeOutsideProjectDates, TimeBillableOnFixedFee, TimeRateMissing, ErpInvoiceUnknown, ApprovedNotPostedInTime, InvoiceAmountMismatch,
        BillingCustomerNotActive, BillingProjectNotActive, BillingPurchaseOrderMissing, BillingTaxCodeInvalid, BillingCeilingExceeded,
        BillingExpensesPending, BillingPeriodClosed, BillingDueDatePast, BillingLedgerMismatch, BillingRateMissing, BillingCompensated, BillingRunFailed,
        HoursOutOfRange, DayOverFull, ProjectNotInErp, WaitingForProject, FiscalPeriodClosed, ErpRejected, DeliveryExhausted, UnreadableMessage, UnsupportedEvent,
        CustomerLegalNameMissing, CustomerCountryInvalid, CustomerLegalEntityUnknown, CustomerCurrencyNotAllowed, CustomerTaxIdInvalid,
        CustomerPaymentTermsUnknown, CustomerLikelyDuplicate, ProjectWaitingForCustomer, ProjectCustomerNeverSynced, ProjectLegalEntityUnknown,
        ProjectCurrencyNotAllowed, ProjectTaxCodeUnknown, ProjectBillingDataMissing, ProjectContractMissing, ProjectPurchaseOrderMissing,
        ProjectPracticeUnknown, ReconciliationDrift,
        ExpenseAmountInvalid, ExpenseCurrencyMismatch, ExpenseMarkupInvalid, MilestoneNotPlanned,
    ];

    public static ReasonCode? Find(string code) => All.FirstOrDefault(r => r.Code == code);
}
