using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PsaSync.Core.Ports;

namespace PsaSync.Connectors.Tryton;

/// <summary>Whether a call changes data: only reads are retried, and a write that times out is ambiguous.</summary>
public enum TrytonCallKind
{
    Read,
    Write,
}

/// <summary>
/// Tryton's JSON-RPC over HTTP: <c>POST {url}{database}/</c> with <c>{"id","method","params"}</c>. Logs in once
/// (<c>common.db.login</c>) and sends the session in an <c>Authorization: Session</c> header; when Tryton answers 401
/// or 403 because the session expired (methods such as invoice posting need a fresh one), it logs in again and repeats
/// the call once: a 401 means the call did not run, so repeating a write is safe. Every <c>model.*</c> and
/// <c>wizard.*</c> call gets the user's context (company, language) as its last parameter. Failures become
/// <see cref="ErpException"/>s. The password is only ever in the login request body.
/// </summary>
public sealed class TrytonJsonRpcClient
{
    private readonly HttpClient _http;
    private readonly TrytonOptions _options;
    private readonly ILogger _logger;
    private readonly Uri _endpoint;
    private readonly SemaphoreSlim _loginGate = new(1, 1);
    private Session? _session;
    private long _requestId;

    public TrytonJsonRpcClient(HttpClient http, TrytonOptions options, ILogger<TrytonJsonRpcClient>? logger = null)
    {
        options.Validate();
        _http = http;
        _options = options;
        _logger = logger ?? NullLogger<TrytonJsonRpcClient>.Instance;
        var root = options.Url!.ToString().EndsWith('/') ? options.Url! : new Uri(options.Url! + "/");
        _endpoint = new Uri(root, Uri.EscapeDataString(options.Database) + "/");
    }

    /// <summary>The logged-in user's context, as Tryton gave it (company, language...).</summary>
    public async Task<IReadOnlyDictionary<string, JsonElement>> GetContextAsync(CancellationToken cancellationToken) =>
        (await SessionAsync(null, cancellationToken)).Context;

    /// <summary>
    /// Calls <paramref name="method"/> with <paramref name="parameters"/> and returns its result. For model and wizard
    /// methods the context is appended, merged with <paramref name="extraContext"/> (e.g. a wizard's active record).
    /// </summary>
    public async Task<JsonElement> CallAsync(string method, IReadOnlyList<object?> parameters, TrytonCallKind kind, CancellationToken cancellationToken,
        IReadOnlyDictionary<string, object?>? extraContext = null)
    {
        var attempts = kind == TrytonCallKind.Read ? Math.Max(1, _options.ReadAttempts) : 1;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await CallWithSessionAsync(method, parameters, kind, extraContext, cancellationToken);
            }
            catch (ErpException failure) when (attempt < attempts && failure.Kind is ErpFailureKind.Unavailable or ErpFailureKind.Throttled)
            {
                var delay = failure.RetryAfter ?? TimeSpan.FromMilliseconds(200 * attempt);
                _logger.LogWarning("Tryton read {Method} failed ({Kind}), attempt {Attempt} of {Attempts}; retrying in {Delay}.", method, failure.Kind, attempt, attempts, delay);
                await Task.Delay(delay, cancellationToken);
            }
        }
    }

    public async Task<T> CallAsync<T>(string method, IReadOnlyList<object?> parameters, TrytonCallKind kind, CancellationToken cancellationToken,
        IReadOnlyDictionary<string, object?>? extraContext = null) =>
        TrytonJson.Read<T>(await CallAsync(method, parameters, kind, cancellationToken, extraContext));

    /// <summary><c>model.{model}.search_read</c>: rows matching <paramref name="domain"/> with <paramref name="fields"/>.</summary>
    public Task<List<T>> SearchReadAsync<T>(string model, object domain, IReadOnlyList<string> fields, CancellationToken cancellationToken,
        int? limit = null, object? order = null, int offset = 0) =>
        CallAsync<List<T>>($"model.{model}.search_read", [domain, offset, limit, order, fields], TrytonCallKind.Read, cancellationToken);

    public Task<List<T>> ReadAsync<T>(string model, IReadOnlyList<int> ids, IReadOnlyList<string> fields, CancellationToken cancellationToken) =>
        CallAsync<List<T>>($"model.{model}.read", [ids, fields], TrytonCallKind.Read, cancellationToken);

    public Task<List<int>> SearchAsync(string model, object domain, CancellationToken cancellationToken, int? limit = null, object? order = null) =>
        CallAsync<List<int>>($"model.{model}.search", [domain, 0, limit, order], TrytonCallKind.Read, cancellationToken);

    /// <summary><c>model.{model}.create</c>: one request for all records; returns their ids in order.</summary>
    public Task<List<int>> CreateAsync(string model, IReadOnlyList<object> records, CancellationToken cancellationToken) =>
        CallAsync<List<int>>($"model.{model}.create", [records], TrytonCallKind.Write, cancellationToken);

    public Task WriteAsync(string model, IReadOnlyList<int> ids, object values, CancellationToken cancellationToken) =>
        CallAsync($"model.{model}.write", [ids, values], TrytonCallKind.Write, cancellationToken);

    /// <summary>A button or other record method, e.g. <c>account.invoice.post</c>.</summary>
    public Task<JsonElement> ButtonAsync(string model, string button, IReadOnlyList<int> ids, CancellationToken cancellationToken) =>
        CallAsync($"model.{model}.{button}", [ids], TrytonCallKind.Write, cancellationToken);

    /// <summary>
    /// Runs a wizard on <paramref name="ids"/> of <paramref name="model"/>: create, then <paramref name="run"/> with the
    /// session id and its start state (it calls <c>execute</c> through <see cref="WizardStep"/>), then delete.
    /// </summary>
    public async Task<T> RunWizardAsync<T>(string wizard, string model, IReadOnlyList<int> ids,
        Func<Func<string, object, Task<JsonElement>>, string, Task<T>> run, CancellationToken cancellationToken)
    {
        var active = new Dictionary<string, object?> { ["active_model"] = model, ["active_id"] = ids[0], ["active_ids"] = ids };
        var created = await CallAsync($"wizard.{wizard}.create", [], TrytonCallKind.Write, cancellationToken, active);
        var sessionId = created[0].GetInt32();
        var startState = created[1].GetString() ?? "start";
        try
        {
            return await run((state, data) => CallAsync($"wizard.{wizard}.execute", [sessionId, data, state], TrytonCallKind.Write, cancellationToken, active), startState);
        }
        finally
        {
            await CallAsync($"wizard.{wizard}.delete", [sessionId], TrytonCallKind.Write, CancellationToken.None);
        }
    }

    private async Task<JsonElement> CallWithSessionAsync(string method, IReadOnlyList<object?> parameters, TrytonCallKind kind,
        IReadOnlyDictionary<string, object?>? extraContext, CancellationToken cancellationToken)
    {
        var session = await SessionAsync(null, cancellationToken);
        var answer = await SendAsync(method, WithContext(method, parameters, session, extraContext), kind, session.Header, cancellationToken);
        if (answer.Status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            // The session expired, or the method wants a fresher one than ours: the call did not run. Log in and repeat once.
            _logger.LogInformation("Tryton answered {Status} to {Method}; logging in again.", (int)answer.Status, method);
            session = await SessionAsync(session, cancellationToken);
            answer = await SendAsync(method, WithContext(method, parameters, session, extraContext), kind, session.Header, cancellationToken);
        }
        return answer.Result(method);
    }

    private static IReadOnlyList<object?> WithContext(string method, IReadOnlyList<object?> parameters, Session session, IReadOnlyDictionary<string, object?>? extra)
    {
        if (!method.StartsWith("model.", StringComparison.Ordinal) && !method.StartsWith("wizard.", StringComparison.Ordinal))
        {
            return parameters;
        }
        var context = session.Context.ToDictionary(p => p.Key, p => (object?)p.Value);
        foreach (var (key, value) in extra ?? new Dictionary<string, object?>())
        {
            context[key] = value;
        }
        return [.. parameters, context];
    }

    /// <summary>The current session, or a new one when there is none or <paramref name="stale"/> is the current one.</summary>
    private async Task<Session> SessionAsync(Session? stale, CancellationToken cancellationToken)
    {
        var current = _session;
        if (current is not null && current != stale)
        {
            return current;
        }
        await _loginGate.WaitAsync(cancellationToken);
        try
        {
            if (_session is not null && _session != stale)
            {
                return _session;
            }
            var login = await SendAsync("common.db.login", [_options.User, new Dictionary<string, string> { ["password"] = _options.Password }, "en"],
                TrytonCallKind.Read, authorization: null, cancellationToken);
            if (login.Status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                throw new ErpException(ErpFailureKind.Rejected,
                    $"Tryton refused the login of user '{_options.User}' on database '{_options.Database}': check {TrytonOptions.SectionName}:User and :Password.");
            }
            var result = login.Result("common.db.login");
            var userId = result[0].GetInt32();
            var key = result[1].GetString();
            var header = new AuthenticationHeaderValue("Session", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{_options.User}:{userId}:{key}")));
            // context_only=true: the preferences Tryton expects back as the context of every call.
            var preferences = await SendAsync("model.res.user.get_preferences", [true, new Dictionary<string, object>()], TrytonCallKind.Read, header, cancellationToken);
            var context = TrytonJson.Read<Dictionary<string, JsonElement>>(preferences.Result("model.res.user.get_preferences"));
            _session = new Session(header, context);
            _logger.LogInformation("Logged in to Tryton database {Database} as {User}.", _options.Database, _options.User);
            return _session;
        }
        finally
        {
            _loginGate.Release();
        }
    }

    private async Task<Answer> SendAsync(string method, IReadOnlyList<object?> parameters, TrytonCallKind kind, AuthenticationHeaderValue? authorization, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new { id = Interlocked.Increment(ref _requestId), method, @params = parameters }, TrytonJson.Options);
        using var request = new HttpRequestMessage(HttpMethod.Post, _endpoint) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Authorization = authorization;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.RequestTimeout);
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token);
            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                return new Answer(response.StatusCode, default);
            }
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw TrytonErrors.FromStatus(method, response.StatusCode, response.Headers.RetryAfter?.Delta);
            }
            using var document = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(timeout.Token), cancellationToken: timeout.Token);
            return new Answer(response.StatusCode, document.RootElement.Clone());
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw TrytonErrors.Timeout(method, kind == TrytonCallKind.Write, _options.RequestTimeout);
        }
        catch (HttpRequestException ex)
        {
            // Refused or reset before an answer: for a write we cannot tell whether the server got it, unless it never connected.
            if (kind == TrytonCallKind.Write && ex.HttpRequestError is not HttpRequestError.ConnectionError and not HttpRequestError.NameResolutionError)
            {
                throw new ErpException(ErpFailureKind.Ambiguous, $"The connection to Tryton broke during {method}: the change may or may not have been saved.");
            }
            throw TrytonErrors.Unreachable(method, _endpoint, ex);
        }
        catch (JsonException ex)
        {
            throw new ErpException(ErpFailureKind.Unavailable, $"Tryton answered {method} with something that is not JSON-RPC: {ex.Message}");
        }
    }

    private sealed record Session(AuthenticationHeaderValue Header, IReadOnlyDictionary<string, JsonElement> Context);

    private readonly record struct Answer(HttpStatusCode Status, JsonElement Body)
    {
        public JsonElement Result(string method)
        {
            if (Status != HttpStatusCode.OK)
            {
                throw TrytonErrors.FromStatus(method, Status, retryAfter: null);
            }
            if (Body.TryGetProperty("error", out var error) && error.ValueKind != JsonValueKind.Null)
            {
                throw TrytonErrors.FromRpcError(method, error);
            }
            return Body.TryGetProperty("result", out var result) ? result : default;
        }
    }
}
