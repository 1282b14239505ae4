using System.Text;
using System.Text.RegularExpressions;
using PsaSync.Core.Exceptions;
using PsaSync.Core.Messaging;
using PsaSync.Core.Model;
using PsaSync.Core.Ports;

namespace PsaSync.Core.MasterData;

/// <summary>The checks a customer must pass before the ERP sees it, against the ERP's own reference data.</summary>
public static partial class CustomerRules
{
    // ISO 3166-1 alpha-2, officially assigned codes.
    private static readonly HashSet<string> Countries = [.. (
        "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ " +
        "CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR " +
        "GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP " +
        "KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT " +
        "MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW " +
        "SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG " +
        "UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW").Split(' ')];

    /// <summary>Tax id formats for the countries that have one PsaSync knows; other countries are not checked.</summary>
    private static readonly Dictionary<string, (Regex Pattern, string Example)> TaxIdFormats = new()
    {
        ["DE"] = (GermanVat(), "DE123456789"),
        ["GB"] = (BritishVat(), "GB123456789"),
        ["FR"] = (FrenchVat(), "FRAB123456789"),
        ["NL"] = (DutchVat(), "NL123456789B01"),
        ["US"] = (UsEin(), "12-3456789"),
    };

    private static readonly HashSet<string> LegalSuffixes =
    [
        "gmbh", "mbh", "kg", "ag", "ltd", "limited", "inc", "incorporated", "llc", "llp", "sa", "sarl", "srl", "spa",
        "bv", "nv", "plc", "corp", "corporation", "co", "company", "pty", "oy", "ab", "as",
    ];

    public static IReadOnlyList<BusinessProblem> Check(Customer customer, ErpReferenceData reference)
    {
        var problems = new List<BusinessProblem>();
        var who = $"Customer {customer.CustomerKey}";
        if (string.IsNullOrWhiteSpace(customer.LegalName))
        {
            problems.Add(new(ReasonCodes.CustomerLegalNameMissing, $"{who} has no legal name."));
        }
        if (!Countries.Contains(customer.BillingCountry))
        {
            problems.Add(new(ReasonCodes.CustomerCountryInvalid, $"{who} has billing country '{customer.BillingCountry}', which is not an ISO 3166 country code."));
        }
        var entity = reference.LegalEntities.FirstOrDefault(e => e.Code == customer.LegalEntity);
        if (entity is null)
        {
            problems.Add(new(ReasonCodes.CustomerLegalEntityUnknown,
                $"{who} is contracted by legal entity '{customer.LegalEntity}', which the ERP does not have. Known: {string.Join(", ", reference.LegalEntities.Select(e => e.Code))}."));
        }
        else if (!entity.Currencies.Contains(customer.Currency))
        {
            problems.Add(new(ReasonCodes.CustomerCurrencyNotAllowed,
                $"{who} is billed in {customer.Currency}, but legal entity {entity.Code} invoices only in {string.Join(", ", entity.Currencies)}."));
        }
        if (customer.TaxId is { } taxId && TaxIdFormats.TryGetValue(customer.BillingCountry, out var format) && !format.Pattern.IsMatch(CompactTaxId(taxId)))
        {
            problems.Add(new(ReasonCodes.CustomerTaxIdInvalid,
                $"{who} has tax id '{taxId}', which is not a valid {customer.BillingCountry} tax id (expected like {format.Example})."));
        }
        if (!reference.PaymentTerms.Contains(customer.PaymentTerms))
        {
            problems.Add(new(ReasonCodes.CustomerPaymentTermsUnknown,
                $"{who} has payment terms '{customer.PaymentTerms}', which the ERP does not have. Known: {string.Join(", ", reference.PaymentTerms)}."));
        }
        return problems;
    }

    /// <summary>A tax id without spaces, dots and dashes (kept for US EINs), upper case: how two spellings of one id compare.</summary>
    public static string CompactTaxId(string taxId) =>
        new([.. taxId.ToUpperInvariant().Where(c => char.IsLetterOrDigit(c) || c == '-')]);

    /// <summary>
    /// The name a duplicate check compares: lower case, words split at anything that is not a letter or digit,
    /// runs of single letters joined ("S.A." is "sa"), legal forms (GmbH, Ltd, Inc ...) dropped. Normalising
    /// twice changes nothing.
    /// </summary>
    public static string NormalizeName(string legalName)
    {
        var words = new List<string>();
        var letters = new StringBuilder();
        foreach (var word in NonWordCharacters().Split(legalName.ToLowerInvariant()))
        {
            if (word.Length == 1)
            {
                letters.Append(word);
                continue;
            }
            Flush();
            if (word.Length > 0)
            {
                words.Add(word);
            }
        }
        Flush();
        return string.Join(' ', words.Where(w => !LegalSuffixes.Contains(w)));

        void Flush()
        {
            if (letters.Length > 0)
            {
                words.Add(letters.ToString());
                letters.Clear();
            }
        }
    }

    [GeneratedRegex(@"[^\p{L}\p{Nd}]+")]
    private static partial Regex NonWordCharacters();

    [GeneratedRegex(@"^DE\d{9}$")]
    private static partial Regex GermanVat();

    [GeneratedRegex(@"^GB(\d{9}|\d{12})$")]
    private static partial Regex BritishVat();

    [GeneratedRegex(@"^FR[0-9A-Z]{2}\d{9}$")]
    private static partial Regex FrenchVat();

    [GeneratedRegex(@"^NL\d{9}B\d{2}$")]
    private static partial Regex DutchVat();

    [GeneratedRegex(@"^\d{2}-\d{7}$")]
    private static partial Regex UsEin();
}
