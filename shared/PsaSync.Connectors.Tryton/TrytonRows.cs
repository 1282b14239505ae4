using System.Text.Json.Serialization;

namespace PsaSync.Connectors.Tryton;

// The fields PsaSync reads from Tryton, one record type per model. Property names map to Tryton's snake_case field
// names; a dotted read such as "party.code" comes back as the object "party." holding the sub-field.

internal sealed record NameRow(int Id, string? Name);

internal sealed record CodeRow(int Id, string? Code);

internal sealed record PartyRow(int Id, string? Code, string Name, int? CustomerPaymentTerm, List<int> Categories);

internal sealed record IdentifierRow(int Id, int Party, string Code);

internal sealed record AddressRow(int Id, int Party, [property: JsonPropertyName("country.")] CodeRow? Country);

internal sealed record EmployeeRow(int Id, int Party);

internal sealed record ProjectRow(int Id, string Name, string? Comment, [property: JsonPropertyName("status.")] StatusRow? Status, [property: JsonPropertyName("party.")] CodeRow? Party, List<int> TimesheetWorks)
{
    /// <summary>Open unless its status is a finishing one (Tryton's "Done" requires 100 % progress).</summary>
    public bool IsOpen => Status?.Progress is not >= 1.0;
}

internal sealed record StatusRow(int Id, double? Progress);

internal sealed record TimesheetLineRow(int Id, string? Description);

internal sealed record PaymentTermLineRow(int Id, int Payment);

/// <summary>One step of a payment term line's date rule; Tryton applies a line's steps in sequence to the invoice date.</summary>
internal sealed record PaymentTermDeltaRow(int Id, int Line, int? Day, int? Month, int? Weekday, int Months, int Weeks, int Days)
{
    public const string Fields = "line,day,month,weekday,months,weeks,days";

    /// <summary>Only plain offsets can be written as months plus days; a fixed day, month or weekday cannot.</summary>
    public bool IsPlainOffset => Day is null && Month is null && Weekday is null;
}

internal sealed record PeriodRow(int Id, string Name, string State);

internal sealed record InvoiceRow(
    int Id,
    string? Reference,
    string? Number,
    string State,
    DateOnly? InvoiceDate,
    decimal UntaxedAmount,
    decimal TaxAmount,
    decimal TotalAmount,
    decimal AmountToPay,
    [property: JsonPropertyName("currency.")] CodeRow? Currency,
    DateTime CreateDate,
    DateTime? WriteDate)
{
    public const string Fields = "reference,number,state,invoice_date,untaxed_amount,tax_amount,total_amount,amount_to_pay,currency.code,create_date,write_date";

    /// <summary>When the invoice last changed: Tryton leaves write_date empty until the first write.</summary>
    public DateTime ChangedAt => WriteDate ?? CreateDate;
}

internal sealed record InvoiceLineRow(int Id, int Invoice, string? Description, double Quantity, decimal UnitPrice, decimal Amount);

internal sealed record MoveLineRow(int Id, DateOnly? MaturityDate);
