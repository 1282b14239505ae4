using System.Globalization;
using Microsoft.AspNetCore.Http;
using PsaSync.Core.Billing;

namespace PsaSync.Hosting;

/// <summary>
/// Billing over HTTP, the same in both hosts: <c>POST billing/{projectId}/{period}</c> starts (202, or 200
/// with the existing instance), <c>GET</c> the same route returns its status, <c>POST .../resolved</c> makes a
/// blocked run re-check now. <c>?attempt=N</c> (default 1) names a new attempt after a compensated one.
/// </summary>
public static class BillingHttp
{
    public const string InvalidPeriod = "BILLING_PERIOD_INVALID";

    public const string InvalidAttempt = "BILLING_ATTEMPT_INVALID";

    public const string InvalidProject = "BILLING_PROJECT_INVALID";

    /// <summary>The longest PSA project id a billing run accepts.</summary>
    public const int MaxProjectIdLength = 64;

    /// <summary>How many years back a period may be billed; forward, at most the month after the current one.</summary>
    public const int MaxYearsBack = 10;

    /// <summary>
    /// A PSA project id as billing takes it (it becomes the run's instance id and the invoice's ERP external id): 1 to
    /// <see cref="MaxProjectIdLength"/> characters of ASCII letters, digits, '-', '_' and '.', not starting with '.'.
    /// </summary>
    public static bool IsValidProjectId(string? projectId) =>
        !string.IsNullOrEmpty(projectId) && projectId.Length <= MaxProjectIdLength && projectId[0] != '.'
        && projectId.All(c => c is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_' or '.');

    /// <summary>A yyyy-MM period from <see cref="MaxYearsBack"/> years before the current month to the month after it.</summary>
    public static bool IsValidPeriod(string? period, DateTimeOffset now)
    {
        if (period is null || period.Length != 7
            || !DateOnly.TryParseExact(period + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var first))
        {
            return false;
        }
        var current = new DateOnly(now.UtcDateTime.Year, now.UtcDateTime.Month, 1);
        return first >= current.AddYears(-MaxYearsBack) && first <= current.AddMonths(1);
    }

    public static async Task<JsonHttpResult> StartAsync(IBillingWorkflows workflows, string projectId, string period, HttpRequest request, CancellationToken cancellationToken,
        TimeProvider? clock = null)
    {
        if (Read(projectId, period, request.Query["attempt"].FirstOrDefault(), out var billing, (clock ?? TimeProvider.System).GetUtcNow()) is { } invalid)
        {
            return invalid;
        }
        var (started, status) = await workflows.StartAsync(billing, cancellationToken);
        return new JsonHttpResult(started ? 202 : 200, status);
    }

    public static async Task<JsonHttpResult> GetAsync(IBillingWorkflows workflows, string projectId, string period, HttpRequest request, CancellationToken cancellationToken) =>
        Read(projectId, period, request.Query["attempt"].FirstOrDefault(), out var billing) ?? (await workflows.GetAsync(billing, cancellationToken) is { } status
            ? JsonHttpResult.Ok(status)
            : NotStarted(billing));

    public static async Task<JsonHttpResult> ResolvedAsync(IBillingWorkflows workflows, string projectId, string period, HttpRequest request, CancellationToken cancellationToken) =>
        Read(projectId, period, request.Query["attempt"].FirstOrDefault(), out var billing) ?? (await workflows.RaiseResolvedAsync(billing, cancellationToken)
            ? new JsonHttpResult(202, new { projectId, period, billing.Attempt, recheck = true })
            : NotStarted(billing));

    private static JsonHttpResult NotStarted(BillingRequest request) =>
        JsonHttpResult.Problem(404, OperationsHttp.NotFound, "No billing run",
            $"Billing of {request.ProjectId} for {request.Period}{(request.Attempt > 1 ? $" (attempt {request.Attempt})" : "")} has not been started.");

    private static JsonHttpResult? Read(string projectId, string period, string? attempt, out BillingRequest request, DateTimeOffset? now = null)
    {
        request = new BillingRequest(projectId, period);
        if (!IsValidProjectId(projectId))
        {
            return JsonHttpResult.Problem(400, InvalidProject, "Invalid project id",
                $"A project id is 1 to {MaxProjectIdLength} ASCII letters, digits, '-', '_' or '.', not starting with '.'; this one has {projectId?.Length ?? 0} characters.");
        }
        var shown = period.Length <= 16 && period.All(c => c is > ' ' and < (char)0x7F) ? $"'{period}'" : "the period";
        if (!DateOnly.TryParseExact(period + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _) || period.Length != 7)
        {
            return JsonHttpResult.Problem(400, InvalidPeriod, "Invalid billing period", $"{shown} is not a period of the form yyyy-MM (for example 2026-10).");
        }
        // Starting a run is bounded in time; reading or re-checking an existing one is not.
        if (now is { } at && !IsValidPeriod(period, at))
        {
            return JsonHttpResult.Problem(400, InvalidPeriod, "Invalid billing period",
                $"{shown} is outside what can be billed: from {MaxYearsBack} years before the current month to the month after it.");
        }
        if (attempt is null)
        {
            return null;
        }
        if (!int.TryParse(attempt, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number is < 1 or > 99)
        {
            return JsonHttpResult.Problem(400, InvalidAttempt, "Invalid billing attempt", $"attempt '{attempt}' is not a number from 1 to 99.");
        }
        request = request with { Attempt = number };
        return null;
    }
}
