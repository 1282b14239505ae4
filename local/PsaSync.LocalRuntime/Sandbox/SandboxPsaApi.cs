using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using PsaSync.Connectors.Sandbox.Psa;
using PsaSync.Core.Events;
using PsaSync.Core.Ingress;
using PsaSync.Core.Model;
using PsaSync.Hosting;

namespace PsaSync.LocalRuntime.Sandbox;

/// <summary>A time entry as a PSA user approves it; the PSA gives it its version.</summary>
public sealed record SandboxTimeApproval(string EntryId, string ProjectId, string ResourceId, DateOnly WorkDate, decimal Hours, bool Billable = true, string? Role = null);

/// <summary>What a PSA user changes on an approved entry; what is left out stays as it was.</summary>
public sealed record SandboxTimeCorrection(decimal? Hours = null, DateOnly? WorkDate = null, string? ProjectId = null, bool? Billable = null, string? Role = null);

/// <summary>An expense as a PSA user approves it; the PSA gives it its version.</summary>
public sealed record SandboxExpenseApproval(string ExpenseId, string ProjectId, string ResourceId, DateOnly IncurredOn, string Category, decimal Amount, string Currency,
    bool Billable = true, decimal MarkupPercent = 0m, string? ReceiptReference = null);

/// <summary>What a call of the sandbox PSA's API did: the records as the PSA now holds them, and how PsaSync answered the webhook.</summary>
public sealed record SandboxPsaAction(string Event, IReadOnlyList<object> Records, int Deliveries, int WebhookStatus, string WebhookAnswer);

/// <summary>
/// The sandbox PSA's own small HTTP API, for a person (or the demo) driving the local runtime: what PSA users do (set a
/// project up, approve and revoke time, correct an entry, approve an expense, complete a milestone). Each call changes the
/// sandbox PSA's state first, then sends the signed webhook the real PSA would send to PsaSync's ingress on this same
/// runtime, so billing readiness later finds in the PSA what its webhooks said. <c>?deliveries=2</c> sends the webhook
/// twice, as a PSA does that retries after a timeout. A webhook PsaSync refuses leaves the PSA's change in place (as in the
/// real PSA) and answers 502 with PsaSync's answer.
/// </summary>
public static class SandboxPsaApi
{
    private static readonly HttpClient Sender = new() { Timeout = TimeSpan.FromSeconds(30) };

    public static void Map(WebApplication app)
    {
        app.MapPost("/sandbox/psa/projects", async (HttpRequest request, SandboxPsa psa, IOptions<PsaSyncOptions> options, CancellationToken ct) =>
        {
            var project = await ReadAsync<Project>(request, ct);
            if (project is null)
            {
                return Invalid("The body must be a project: projectId, version, customerKey, name, status, legalEntity, currency, billingModel, startDate, rateCard, ...");
            }
            psa.AddProject(project);
            return await SendAsync(request, options, "psa/projects", SandboxPsaWebhookWriter.ProjectChanged(project, DateTimeOffset.UtcNow), "project.changed", [project], ct);
        });

        app.MapPost("/sandbox/psa/time/approve", async (HttpRequest request, SandboxPsa psa, IOptions<PsaSyncOptions> options, CancellationToken ct) =>
        {
            var approvals = await ReadAsync<List<SandboxTimeApproval>>(request, ct);
            if (approvals is not { Count: > 0 } || approvals.Any(a => string.IsNullOrWhiteSpace(a.EntryId)))
            {
                return Invalid("The body must be a non-empty array of time entries: entryId, projectId, resourceId, workDate, hours, billable, role.");
            }
            var approved = psa.ApproveTime(approvals.Select(a => new TimeEntry(a.EntryId, 0, a.ProjectId, a.ResourceId, a.WorkDate, a.Hours, a.Billable, a.Role)));
            return await SendAsync(request, options, "psa/time", SandboxPsaWebhookWriter.TimeApproved(approved, DateTimeOffset.UtcNow), "time.approved", [.. approved], ct);
        });

        app.MapPost("/sandbox/psa/time/{entryId}/revoke", async (string entryId, HttpRequest request, SandboxPsa psa, IOptions<PsaSyncOptions> options, CancellationToken ct) =>
        {
            if (!psa.ApprovedTimeEntries.TryGetValue(entryId, out var entry))
            {
                return NotFound($"Time entry {entryId} is not approved in the PSA.");
            }
            psa.RevokeApproval(entryId);
            return await SendAsync(request, options, "psa/time", SandboxPsaWebhookWriter.TimeApprovalRevoked([entry], DateTimeOffset.UtcNow), "time_entry.approval_revoked", [entry], ct);
        });

        app.MapPost("/sandbox/psa/time/{entryId}/correct", async (string entryId, HttpRequest request, SandboxPsa psa, IOptions<PsaSyncOptions> options, CancellationToken ct) =>
        {
            if (psa.LatestTimeEntry(entryId) is not { } current)
            {
                return NotFound($"The PSA has no time entry {entryId}.");
            }
            var change = await ReadAsync<SandboxTimeCorrection>(request, ct);
            if (change is null)
            {
                return Invalid("The body must say what changes: hours, workDate, projectId, billable, role.");
            }
            var corrected = psa.ApproveTime([current with
            {
                Hours = change.Hours ?? current.Hours,
                WorkDate = change.WorkDate ?? current.WorkDate,
                ProjectId = change.ProjectId ?? current.ProjectId,
                Billable = change.Billable ?? current.Billable,
                Role = change.Role ?? current.Role,
            }]);
            return await SendAsync(request, options, "psa/time", SandboxPsaWebhookWriter.TimeApproved(corrected, DateTimeOffset.UtcNow), "time.approved", [.. corrected], ct);
        });

        app.MapPost("/sandbox/psa/expenses/approve", async (HttpRequest request, SandboxPsa psa, IOptions<PsaSyncOptions> options, CancellationToken ct) =>
        {
            var approvals = await ReadAsync<List<SandboxExpenseApproval>>(request, ct);
            if (approvals is not { Count: > 0 } || approvals.Any(a => string.IsNullOrWhiteSpace(a.ExpenseId)))
            {
                return Invalid("The body must be a non-empty array of expenses: expenseId, projectId, resourceId, incurredOn, category, amount, currency, billable, markupPercent, receiptReference.");
            }
            var approved = psa.ApproveExpenses(approvals.Select(a =>
                new Expense(a.ExpenseId, 0, a.ProjectId, a.ResourceId, a.IncurredOn, a.Category, a.Amount, a.Currency, a.Billable, a.MarkupPercent, a.ReceiptReference)));
            return await SendAsync(request, options, "psa/expenses", SandboxPsaWebhookWriter.ExpensesApproved(approved, DateTimeOffset.UtcNow), "expense.approved", [.. approved], ct);
        });

        app.MapPost("/sandbox/psa/milestones/complete", async (HttpRequest request, IOptions<PsaSyncOptions> options, CancellationToken ct) =>
        {
            var milestone = await ReadAsync<Milestone>(request, ct);
            if (milestone is null)
            {
                return Invalid("The body must be a milestone: milestoneId, projectId, name, amount, currency, completedOn.");
            }
            return await SendAsync(request, options, "psa/milestones", SandboxPsaWebhookWriter.MilestoneCompleted(milestone, DateTimeOffset.UtcNow), "milestone.completed", [milestone], ct);
        });
    }

    private static async Task<T?> ReadAsync<T>(HttpRequest request, CancellationToken cancellationToken) where T : class
    {
        try
        {
            return await JsonSerializer.DeserializeAsync<T>(request.Body, PsaSyncJson.Strict, cancellationToken);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Signs the body as the PSA does and posts it to PsaSync's ingress on this runtime.</summary>
    private static async Task<IResult> SendAsync(HttpRequest request, IOptions<PsaSyncOptions> options, string route, string body, string eventName,
        IReadOnlyList<object> records, CancellationToken cancellationToken)
    {
        if (!options.Value.Webhooks.Secrets.TryGetValue(WebhookIngress.SourceOf(route), out var secret) || string.IsNullOrEmpty(secret))
        {
            return Problem(409, "SANDBOX_PSA_NO_SECRET", "No webhook secret", "PsaSync:Webhooks:Secrets:psa is not set, so the PSA cannot sign its webhooks.");
        }
        var deliveries = int.TryParse(request.Query["deliveries"], out var n) ? Math.Clamp(n, 1, 5) : 1;
        var self = new Uri($"{request.Scheme}://{request.Host}/");
        var status = 0;
        var answer = "";
        for (var d = 0; d < deliveries; d++)
        {
            using var webhook = WebhookSignature.CreateRequest(new Uri(self, $"api/webhooks/{route}").ToString(), body, secret, DateTimeOffset.UtcNow);
            using var response = await Sender.SendAsync(webhook, cancellationToken);
            status = (int)response.StatusCode;
            answer = await response.Content.ReadAsStringAsync(cancellationToken);
            if (status != StatusCodes.Status202Accepted)
            {
                break;
            }
        }
        var action = new SandboxPsaAction(eventName, records, deliveries, status, answer);
        return Results.Json(action, PsaSyncJson.Options, statusCode: status == StatusCodes.Status202Accepted ? StatusCodes.Status200OK : StatusCodes.Status502BadGateway);
    }

    private static IResult Invalid(string detail) => Problem(400, "SANDBOX_PSA_REQUEST_INVALID", "Invalid request", detail);

    private static IResult NotFound(string detail) => Problem(404, "SANDBOX_PSA_RECORD_UNKNOWN", "Unknown record", detail);

    private static IResult Problem(int status, string code, string title, string detail)
    {
        var problem = PsaSync.Core.Ingress.Problem.Of(status, code, title, detail);
        return Results.Json(problem, PsaSyncJson.Options, PsaSync.Core.Ingress.Problem.ContentType, problem.Status);
    }
}
