using System.Net;
using System.Text;
using System.Text.Json;
using PsaSync.Connectors.Tryton;
using PsaSync.Core.Ports;

namespace PsaSync.Tryton.Tests;

/// <summary>The JSON-RPC client's session handling, retries and error mapping, against a scripted HTTP handler.</summary>
public sealed class TrytonClientTests
{
    private const string Password = "s3cret-Do-Not-Leak";

    private static readonly TrytonOptions Settings = new()
    {
        Url = new Uri("http://tryton.test:8000"),
        Database = "psa",
        User = "psa_sync",
        Password = Password,
        RequestTimeout = TimeSpan.FromMilliseconds(300),
        ReadAttempts = 3,
    };

    [Fact]
    public async Task Calls_go_to_the_database_with_the_session_and_the_context_appended()
    {
        var server = new ScriptedTryton();
        server.Answer("model.party.party.search", """{"id":1,"result":[4,5]}""");
        var client = server.Client();

        var ids = await client.SearchAsync("party.party", Array.Empty<object>(), CancellationToken.None);

        Assert.Equal([4, 5], ids);
        var call = server.Calls.Single(c => c.Method == "model.party.party.search");
        Assert.Equal("http://tryton.test:8000/psa/", call.Uri.ToString());
        Assert.StartsWith("Session ", call.Authorization);
        Assert.Equal(1, call.Params[^1].GetProperty("company").GetInt32());
    }

    [Fact]
    public async Task An_expired_session_logs_in_again_and_repeats_the_call_once()
    {
        var server = new ScriptedTryton();
        server.Answer("model.account.invoice.post", HttpStatusCode.Unauthorized);
        server.Answer("model.account.invoice.post", """{"id":1,"result":null}""");
        var client = server.Client();

        await client.ButtonAsync("account.invoice", "post", [7], CancellationToken.None);

        Assert.Equal(2, server.Calls.Count(c => c.Method == "common.db.login"));
        Assert.Equal(2, server.Calls.Count(c => c.Method == "model.account.invoice.post"));
    }

    [Fact]
    public async Task A_wrong_password_is_rejected_without_the_password_in_the_message()
    {
        var server = new ScriptedTryton();
        server.Answer("common.db.login", HttpStatusCode.Unauthorized);
        var client = server.Client();

        var error = await Assert.ThrowsAsync<ErpException>(() => client.SearchAsync("party.party", Array.Empty<object>(), CancellationToken.None));

        Assert.Equal(ErpFailureKind.Rejected, error.Kind);
        Assert.Contains("psa_sync", error.Message);
        Assert.DoesNotContain(Password, error.ToString());
    }

    [Fact]
    public async Task A_user_error_about_a_closed_period_is_PeriodClosed_with_Trytons_words()
    {
        var server = new ScriptedTryton();
        server.Answer("model.account.move.post", """{"id":1,"error":["UserError",["You cannot add/modify/delete tax lines in closed period \"2026-10\".","",null]]}""");

        var error = await Assert.ThrowsAsync<ErpException>(() => server.Client().ButtonAsync("account.move", "post", [1], CancellationToken.None));

        Assert.Equal(ErpFailureKind.PeriodClosed, error.Kind);
        Assert.Contains("closed period \"2026-10\"", error.Message);
    }

    [Fact]
    public async Task Another_user_error_is_Rejected_with_its_message_and_description()
    {
        var server = new ScriptedTryton();
        server.Answer("model.timesheet.line.create", """{"id":1,"error":["UserError",["A value is required for field \"Employee\" in \"Timesheet Line\".","Fill it in.",null]]}""");

        var error = await Assert.ThrowsAsync<ErpException>(() => server.Client().CreateAsync("timesheet.line", [new { }], CancellationToken.None));

        Assert.Equal(ErpFailureKind.Rejected, error.Kind);
        Assert.Contains("A value is required for field \"Employee\"", error.Message);
        Assert.Contains("Fill it in.", error.Message);
    }

    [Fact]
    public async Task A_server_exception_is_Rejected_without_its_traceback()
    {
        var server = new ScriptedTryton();
        server.Answer("model.party.party.read", """{"id":1,"error":["'nonexistent_field'","Traceback (most recent call last): secret internals"]}""");

        var error = await Assert.ThrowsAsync<ErpException>(() => server.Client().ReadAsync<NameRow>("party.party", [1], ["nonexistent_field"], CancellationToken.None));

        Assert.Equal(ErpFailureKind.Rejected, error.Kind);
        Assert.Contains("nonexistent_field", error.Message);
        Assert.DoesNotContain("Traceback", error.Message);
    }

    [Fact]
    public async Task A_warning_waiting_for_confirmation_is_Rejected_and_not_confirmed()
    {
        var server = new ScriptedTryton();
        // Tryton 6.0's words when a customer invoice's payment date is already past (account_invoice, get_move).
        server.Answer("model.account.invoice.post",
            """{"id":1,"error":["UserWarning",["invoice_payment_term_7","The invoice \"INV 7\" generates a payment date \"11/30/2026\" in the past.",""]]}""");

        var error = await Assert.ThrowsAsync<ErpException>(() => server.Client().ButtonAsync("account.invoice", "post", [3], CancellationToken.None));

        Assert.Equal(ErpFailureKind.Rejected, error.Kind);
        Assert.Contains("generates a payment date \"11/30/2026\" in the past.", error.Message, StringComparison.Ordinal);
        Assert.Contains("wants a person to confirm a warning", error.Message, StringComparison.Ordinal);
        Assert.Contains("never confirms a warning", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("invoice_payment_term_7", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, server.Calls.Count(c => c.Method == "model.account.invoice.post"));
    }

    [Fact]
    public async Task Too_many_requests_is_Throttled_with_the_servers_Retry_After()
    {
        var server = new ScriptedTryton();
        server.Answer("model.party.party.create", () =>
        {
            var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
            response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(7));
            return response;
        });

        var error = await Assert.ThrowsAsync<ErpException>(() => server.Client().CreateAsync("party.party", [new { name = "x" }], CancellationToken.None));

        Assert.Equal((ErpFailureKind.Throttled, TimeSpan.FromSeconds(7)), (error.Kind, error.RetryAfter));
    }

    [Fact]
    public async Task A_concurrent_change_is_transient()
    {
        var server = new ScriptedTryton();
        server.Answer("model.party.party.write", """{"id":1,"error":["ConcurrencyException","Records were modified in the meanwhile"]}""");

        var error = await Assert.ThrowsAsync<ErpException>(() => server.Client().WriteAsync("party.party", [1], new { name = "x" }, CancellationToken.None));

        Assert.Equal(ErpFailureKind.Unavailable, error.Kind);
        Assert.True(error.IsTransient);
    }

    [Fact]
    public async Task A_read_is_retried_after_a_5xx_but_a_write_is_not()
    {
        var server = new ScriptedTryton();
        server.Answer("model.party.party.search", HttpStatusCode.ServiceUnavailable);
        server.Answer("model.party.party.search", """{"id":1,"result":[9]}""");
        server.Answer("model.party.party.create", HttpStatusCode.BadGateway);
        var client = server.Client();

        Assert.Equal([9], await client.SearchAsync("party.party", Array.Empty<object>(), CancellationToken.None));
        var error = await Assert.ThrowsAsync<ErpException>(() => client.CreateAsync("party.party", [new { name = "x" }], CancellationToken.None));

        Assert.Equal(ErpFailureKind.Unavailable, error.Kind);
        Assert.Equal(2, server.Calls.Count(c => c.Method == "model.party.party.search"));
        Assert.Equal(1, server.Calls.Count(c => c.Method == "model.party.party.create"));
    }

    [Fact]
    public async Task A_write_that_times_out_is_ambiguous_and_a_read_that_times_out_is_unavailable()
    {
        var server = new ScriptedTryton();
        server.Hang("model.timesheet.line.create");
        server.Hang("model.timesheet.line.search");
        var client = server.Client();

        var write = await Assert.ThrowsAsync<ErpException>(() => client.CreateAsync("timesheet.line", [new { }], CancellationToken.None));
        var read = await Assert.ThrowsAsync<ErpException>(() => client.SearchAsync("timesheet.line", Array.Empty<object>(), CancellationToken.None));

        Assert.Equal(ErpFailureKind.Ambiguous, write.Kind);
        Assert.Equal(ErpFailureKind.Unavailable, read.Kind);
        Assert.Equal(3, server.Calls.Count(c => c.Method == "model.timesheet.line.search"));
    }

    [Fact]
    public async Task A_refused_connection_is_Unavailable_and_names_the_server()
    {
        var client = new TrytonJsonRpcClient(new HttpClient(), new TrytonOptions
        {
            Url = new Uri("http://127.0.0.1:1/"),
            Password = Password,
            ReadAttempts = 1,
        });

        var error = await Assert.ThrowsAsync<ErpException>(() => client.SearchAsync("party.party", Array.Empty<object>(), CancellationToken.None));

        Assert.Equal(ErpFailureKind.Unavailable, error.Kind);
        Assert.Contains("127.0.0.1:1", error.Message);
        Assert.DoesNotContain(Password, error.ToString());
    }

    [Fact]
    public void Missing_settings_are_named_without_their_values()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new TrytonJsonRpcClient(new HttpClient(), new TrytonOptions { Url = null, Password = "" }));

        Assert.Contains("PsaSync:Erp:Tryton:Url", error.Message);
        Assert.Contains("PsaSync:Erp:Tryton:Password", error.Message);
    }

    [Fact]
    public void The_credit_note_id_is_read_from_the_credit_wizards_final_action()
    {
        using var result = JsonDocument.Parse("""{"actions":[[{"id":12,"type":"ir.action.act_window"},{"res_id":[31]}]]}""");

        Assert.Equal(31, TrytonErp.CreatedRecordOf(result.RootElement));
    }

    /// <summary>An HTTP handler that answers like Tryton: login and preferences by default, then queued answers per method.</summary>
    private sealed class ScriptedTryton : HttpMessageHandler
    {
        private readonly Dictionary<string, Queue<Func<HttpResponseMessage?>>> _answers = [];

        public List<(Uri Uri, string Method, string? Authorization, JsonElement[] Params)> Calls { get; } = [];

        public TrytonJsonRpcClient Client() => new(new HttpClient(this), Settings);

        public void Answer(string method, string json) => Enqueue(method, () => Json(json));

        public void Answer(string method, Func<HttpResponseMessage> response) => Enqueue(method, response);

        public void Answer(string method, HttpStatusCode status) => Enqueue(method, () => new HttpResponseMessage(status) { Content = new StringContent("<html/>") });

        /// <summary>Never answers: the client's own timeout must end the call.</summary>
        public void Hang(string method) => Enqueue(method, () => null);

        private void Enqueue(string method, Func<HttpResponseMessage?> answer)
        {
            if (!_answers.TryGetValue(method, out var queue))
            {
                _answers[method] = queue = new Queue<Func<HttpResponseMessage?>>();
            }
            queue.Enqueue(answer);
        }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            using var body = JsonDocument.Parse(await request.Content!.ReadAsStringAsync(cancellationToken));
            var method = body.RootElement.GetProperty("method").GetString()!;
            Calls.Add((request.RequestUri!, method, request.Headers.Authorization?.ToString(),
                [.. body.RootElement.GetProperty("params").EnumerateArray().Select(p => p.Clone())]));
            var answer = _answers.TryGetValue(method, out var queue) && queue.Count > 0
                ? (queue.Count > 1 ? queue.Dequeue() : queue.Peek())()
                : Default(method);
            if (answer is null)
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            return answer!;
        }

        private static HttpResponseMessage Default(string method) => method switch
        {
            "common.db.login" => Json("""{"id":1,"result":[2,"key"]}"""),
            "model.res.user.get_preferences" => Json("""{"id":1,"result":{"company":1,"language":"en"}}"""),
            _ => Json("""{"id":1,"result":null}"""),
        };

        private static HttpResponseMessage Json(string json) => new(HttpStatusCode.OK) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
    }
}
