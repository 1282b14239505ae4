using System.Globalization;
using PsaSync.Core.Billing;

namespace PsaSync.Hosting;

/// <summary>
/// Billing over HTTP, the same in both hosts: <c>POST billing/{projectId}/{period}</c> starts (202, or 200
/// with the existing instance), <c>GET</c> the same route returns its status, <c>POST .../resolved</c> makes a
/// blocked run re-check now.
/// </summary>
public static class BillingHttp
{
    public const string InvalidPeriod = "BILLING_PERIOD_INVALID";

    public static async Task<JsonHttpResult> StartAsync(IBillingWorkflows workflows, string projectId, string period, CancellationToken cancellationToken)
    {
        if (Validate(projectId, period) is { } invalid)
        {
            return invalid;
        }
        var (started, status) = await workflows.StartAsync(new BillingRequest(projectId, period), cancellationToken);
        return new JsonHttpResult(started ? 202 : 200, status);
    }

    public static async Task<JsonHttpResult> GetAsync(IBillingWorkflows workflows, string projectId, string period, CancellationToken cancellationToken) =>
        Validate(projectId, period) ?? (await workflows.GetAsync(new BillingRequest(projectId, period), cancellationToken) is { } status
            ? JsonHttpResult.Ok(status)
            : JsonHttpResult.Problem(404, OperationsHttp.NotFound, "No billing run", $"Billing of {projectId} for {period} has not been started."));

    public static async Task<JsonHttpResult> ResolvedAsync(IBillingWorkflows workflows, string projectId, string period, CancellationToken cancellationToken) =>
        Validate(projectId, period) ?? (await workflows.RaiseResolvedAsync(new BillingRequest(projectId, period), cancellationToken)
            ? new JsonHttpResult(202, new { projectId, period, recheck = true })
            : JsonHttpResult.Problem(404, OperationsHttp.NotFound, "No billing run", $"Billing of {projectId} for {period} has not been started."));

    private static JsonHttpResult? Validate(string projectId, string period) =>
        DateOnly.TryParseExact(period + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _) && !string.IsNullOrWhiteSpace(projectId)
            ? null
            : JsonHttpResult.Problem(400, InvalidPeriod, "Invalid billing period", $"'{period}' is not a period of the form yyyy-MM (for example 2026-10).");
}
