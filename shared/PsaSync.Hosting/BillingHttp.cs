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

    public static async Task<JsonHttpResult> StartAsync(IBillingWorkflows workflows, string projectId, string period, HttpRequest request, CancellationToken cancellationToken)
    {
        if (Read(projectId, period, request.Query["attempt"].FirstOrDefault(), out var billing) is { } invalid)
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

    private static JsonHttpResult? Read(string projectId, string period, string? attempt, out BillingRequest request)
    {
        request = new BillingRequest(projectId, period);
        if (!DateOnly.TryParseExact(period + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _) || string.IsNullOrWhiteSpace(projectId))
        {
            return JsonHttpResult.Problem(400, InvalidPeriod, "Invalid billing period", $"'{period}' is not a period of the form yyyy-MM (for example 2026-10).");
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
