using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using PsaSync.Core.Ports;

namespace PsaSync.Connectors.Tryton;

/// <summary>
/// Translates what Tryton answers when a call fails into the ERP failure taxonomy. A business error comes back as
/// HTTP 200 with <c>"error": ["UserError", [message, description, domain]]</c> (or UserWarning, ConcurrencyException...);
/// any other server exception as <c>"error": ["&lt;text&gt;", "&lt;traceback&gt;"]</c>. The traceback is never
/// copied into a message: it is server internals, not something a person can act on.
/// </summary>
internal static partial class TrytonErrors
{
    /// <summary>Tryton's wording when a move, tax line or journal is in a closed period.</summary>
    [GeneratedRegex(@"closed period|period\b[^.]*\bis closed", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ClosedPeriod();

    public static ErpException FromRpcError(string method, JsonElement error)
    {
        if (error.ValueKind != JsonValueKind.Array || error.GetArrayLength() == 0)
        {
            return new ErpException(ErpFailureKind.Rejected, $"Tryton refused {method}: {Text(error)}");
        }
        var name = Text(error[0]);
        var args = error.GetArrayLength() > 1 ? error[1] : default;
        switch (name)
        {
            case "UserError":
                {
                    var message = Join(Part(args, 0), Part(args, 1));
                    var kind = ClosedPeriod().IsMatch(message) ? ErpFailureKind.PeriodClosed : ErpFailureKind.Rejected;
                    return new ErpException(kind, $"Tryton refused {method}: {message}");
                }
            case "UserWarning":
                // A warning waits for a person to confirm it in Tryton; the API user must not confirm on their behalf.
                return new ErpException(ErpFailureKind.Rejected,
                    $"Tryton did not do this ({method}) because it wants a person to confirm a warning first: \"{Join(Part(args, 1), Part(args, 2))}\" " +
                    "PsaSync never confirms a warning on someone's behalf: remove its cause, or confirm and finish the step in Tryton yourself.");
            case "ConcurrencyException":
                // Someone changed the record between our read and our write; nothing was written, so trying again is safe.
                return new ErpException(ErpFailureKind.Unavailable, $"Tryton reported a concurrent change on {method}: {Text(args)}");
            case "LoginException":
                return new ErpException(ErpFailureKind.Rejected, $"Tryton asks for more login information ({Part(args, 1)}); the API user must log in with a password only.");
        }
        if (name.Contains("database is locked", StringComparison.OrdinalIgnoreCase))
        {
            return new ErpException(ErpFailureKind.Unavailable, $"Tryton's database was busy on {method}: {name}");
        }
        return new ErpException(ErpFailureKind.Rejected, $"Tryton failed on {method}: {name}");
    }

    /// <summary>An HTTP status other than 200 (401 and 403 are handled by logging in again before they get here).</summary>
    public static ErpException FromStatus(string method, HttpStatusCode status, TimeSpan? retryAfter)
    {
        var code = (int)status;
        return code switch
        {
            429 => new ErpException(ErpFailureKind.Throttled, $"Tryton throttled {method} (HTTP 429).", retryAfter ?? TimeSpan.FromSeconds(1)),
            401 => new ErpException(ErpFailureKind.Rejected, $"Tryton refused the session for {method} (HTTP 401): check the user and password settings."),
            403 => new ErpException(ErpFailureKind.Rejected, $"Tryton does not allow {method} over RPC for this user (HTTP 403)."),
            >= 500 => new ErpException(ErpFailureKind.Unavailable, $"Tryton is unavailable: {method} answered HTTP {code}."),
            _ => new ErpException(ErpFailureKind.Rejected, $"Tryton refused {method} with HTTP {code}."),
        };
    }

    /// <summary>No answer in time: a read just failed, but a write may have committed on the server.</summary>
    public static ErpException Timeout(string method, bool isWrite, TimeSpan timeout) => isWrite
        ? new ErpException(ErpFailureKind.Ambiguous, string.Create(CultureInfo.InvariantCulture, $"Tryton did not answer {method} within {timeout.TotalSeconds:0.#} s: the change may or may not have been saved."))
        : new ErpException(ErpFailureKind.Unavailable, string.Create(CultureInfo.InvariantCulture, $"Tryton did not answer {method} within {timeout.TotalSeconds:0.#} s."));

    public static ErpException Unreachable(string method, Uri server, Exception cause) =>
        new(ErpFailureKind.Unavailable, $"Tryton at {server.GetLeftPart(UriPartial.Authority)} could not be reached for {method}: {cause.Message}");

    private static string Part(JsonElement args, int index) =>
        args.ValueKind == JsonValueKind.Array && args.GetArrayLength() > index ? Text(args[index]) : "";

    private static string Text(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString() ?? "",
        JsonValueKind.Undefined or JsonValueKind.Null => "",
        _ => value.GetRawText(),
    };

    private static string Join(string message, string description) =>
        string.IsNullOrWhiteSpace(description) ? message.Trim() : $"{message.Trim()} {description.Trim()}";
}
