using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using PsaSync.Core.Events;
using PsaSync.Core.Ingress;

namespace PsaSync.Hosting;

/// <summary>
/// A JSON answer in PsaSync's own JSON dialect that works both as a minimal-API result (local runtime) and as
/// a function's IActionResult (Azure), so both hosts answer byte for byte the same.
/// </summary>
public class JsonHttpResult(int statusCode, object body, string contentType = "application/json", IReadOnlyDictionary<string, string>? headers = null)
    : IResult, IActionResult
{
    public int StatusCode => statusCode;

    public string ContentType => contentType;

    public object Body => body;

    public static JsonHttpResult Ok(object body) => new(200, body);

    public static JsonHttpResult Problem(int status, string reasonCode, string title, string detail) =>
        new(status, Core.Ingress.Problem.Of(status, reasonCode, title, detail), Core.Ingress.Problem.ContentType);

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = statusCode;
        response.ContentType = contentType;
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            response.Headers[name] = value;
        }
        await JsonSerializer.SerializeAsync(response.Body, body, body.GetType(), PsaSyncJson.Options);
    }

    public Task ExecuteResultAsync(ActionContext context) => ExecuteAsync(context.HttpContext);
}
