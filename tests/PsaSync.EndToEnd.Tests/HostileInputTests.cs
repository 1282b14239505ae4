using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using PsaSync.Connectors.Sandbox.Crm;
using PsaSync.Connectors.Sandbox.Erp;
using PsaSync.Connectors.Sandbox.Psa;
using PsaSync.Core.Ingress;
using PsaSync.Core.Model;
using PsaSync.Core.Ports;
using PsaSync.Testing;
using Xunit.Abstractions;

namespace PsaSync.EndToEnd.Tests;

/// <summary>
/// Throws thousands of malformed, truncated, oversized, wrongly typed and mis-signed calls (seeded, so a failure
/// reproduces) at every webhook route of the local runtime over real HTTP. Each must get a 4xx problem+json with the
/// reason code its kind calls for; afterwards nothing is queued, the ERP is untouched, and valid calls still go through.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class HostileInputTests(AzuriteFixture azurite, ITestOutputHelper output)
{
    /// <summary>Requests in CI; PSASYNC_FUZZ_REQUESTS raises it for a longer run.</summary>
    private static readonly int Requests = int.TryParse(Environment.GetEnvironmentVariable("PSASYNC_FUZZ_REQUESTS"), out var n) ? n : 2_450;
    private const int Seed = 20261122;
    private const int MaxPayloadBytes = 64 * 1024;
    private const int MaxRecordsPerCall = 50;

    private static readonly Dictionary<string, string> Secrets = new()
    {
        ["psa"] = "fuzz-psa-secret-Q3c9",
        ["crm"] = "fuzz-crm-secret-W7p2",
        ["erp"] = "fuzz-erp-secret-Z1k8",
    };

    private static readonly DateOnly Today = DateOnly.FromDateTime(DateTime.UtcNow);

    /// <summary>A valid body for each route, and the field that carries its event type.</summary>
    private static readonly IReadOnlyList<(string Route, string EventField, Func<int, string> ValidBody)> Routes =
    [
        ("psa/time", "eventType", n => SandboxPsaWebhookWriter.TimeApproved(
            Enumerable.Range(0, n).Select(i => new TimeEntry($"TE-F{i}", 1, "PRJ-F1", "RES-1", Today.AddDays(-1), 7.5m, true, "Consultant")), DateTimeOffset.UtcNow)),
        ("psa/expenses", "eventType", n => SandboxPsaWebhookWriter.ExpensesApproved(
            Enumerable.Range(0, n).Select(i => new Expense($"EX-F{i}", 1, "PRJ-F1", "RES-1", Today.AddDays(-2), "travel", 120.5m, "EUR", true, 10m, "R-1")), DateTimeOffset.UtcNow)),
        ("psa/milestones", "eventType", _ => SandboxPsaWebhookWriter.MilestoneCompleted(new Milestone("MS-F1", "PRJ-F1", "Go-live", 5000m, "EUR", Today), DateTimeOffset.UtcNow)),
        ("psa/projects", "eventType", _ => SandboxPsaWebhookWriter.ProjectChanged(new Project(
            "PRJ-F1", 1, "ACC-F1", "Fuzz project", ProjectStatus.Active, "PSDE", "EUR", BillingModel.TimeAndMaterials, Today.AddMonths(-1), Today.AddMonths(6),
            "MSA-F1", "PO-F1", "DE-VAT-19", "Advisory", [new RoleRate("Consultant", 150m, Today.AddMonths(-1))], [new PlannedMilestone("MS-F1", "Go-live", 5000m, Today)], 90_000m),
            DateTimeOffset.UtcNow)),
        ("crm/accounts", "event", _ => SandboxCrmWebhookWriter.ClosedWon(
            new Customer("ACC-F1", "Fuzz GmbH", "DE", "EUR", "DE123456789", "NET30", "PSDE", RequiresPurchaseOrder: false), 1, DateTimeOffset.UtcNow)),
        ("erp/customers", "type", _ => SandboxErpWebhookWriter.CustomerChanged(
            new ErpCustomer("CUST-F1", "ACC-F1", "Fuzz GmbH", "DE", "EUR", "DE123456789", "NET30", "PSDE", false), 1, DateTimeOffset.UtcNow)),
        ("erp/invoices", "type", _ => SandboxErpWebhookWriter.InvoiceChanged(
            new ErpInvoiceChange("INV-F1", 2, "", ErpDocumentKind.Invoice, "billing-PRJ-F1-2026-10", "INV-2026-00001", ErpInvoiceStatus.Posted,
                Today.AddDays(-3), Today.AddDays(27), 1000m, 190m, 1190m, 400m, 0m, 790m, "EUR", null), DateTimeOffset.UtcNow)),
    ];

    /// <summary>One hostile call: <see cref="Target"/> is the route it was made from, <see cref="Route"/> where it is sent (they differ for an unknown route).</summary>
    private sealed record Attack(string Kind, string Target, byte[] Body, string? ContentType, IReadOnlyDictionary<string, string> Headers, string[] Expected)
    {
        public string Route { get; init; } = Target;
    }

    [Fact]
    public async Task Thousands_of_hostile_calls_each_get_a_4xx_problem_with_its_reason_and_nothing_is_queued()
    {
        await using var runtime = await LocalRuntimeHarness.StartAsync(azurite, new Dictionary<string, string?>
        {
            ["PsaSync:Webhooks:Secrets:psa"] = Secrets["psa"],
            ["PsaSync:Webhooks:Secrets:crm"] = Secrets["crm"],
            ["PsaSync:Webhooks:Secrets:erp"] = Secrets["erp"],
            ["PsaSync:Webhooks:MaxPayloadBytes"] = MaxPayloadBytes.ToString(CultureInfo.InvariantCulture),
            ["PsaSync:Webhooks:MaxRecordsPerCall"] = MaxRecordsPerCall.ToString(CultureInfo.InvariantCulture),
        });
        var servedRoutes = runtime.App.Services.GetRequiredService<WebhookIngress>().Routes.Order(StringComparer.Ordinal).ToList();
        Assert.Equal(servedRoutes, Routes.Select(r => r.Route).Order(StringComparer.Ordinal));

        var random = new Random(Seed);
        var attacks = Enumerable.Range(0, Requests).Select(i => Make(random, Routes[i % Routes.Count])).ToList();
        var stopwatch = Stopwatch.StartNew();
        var answers = new (int Status, string? ContentType, string? Reason)[attacks.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, attacks.Count), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
        {
            using var request = ToRequest(attacks[i]);
            using var response = await runtime.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync(ct);
            answers[i] = ((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, ReasonOf(body));
        });
        stopwatch.Stop();

        Print(attacks, answers, stopwatch.Elapsed);
        var wrong = attacks.Select((a, i) => (Attack: a, Answer: answers[i]))
            .Where(x => x.Answer.Status is < 400 or > 499 || x.Answer.ContentType != Problem.ContentType || !x.Attack.Expected.Contains(x.Answer.Reason))
            .Select(x => $"{x.Attack.Kind} on {x.Attack.Route}: {x.Answer.Status} {x.Answer.Reason} (expected {string.Join("|", x.Attack.Expected)})")
            .ToList();
        Assert.True(wrong.Count == 0, $"{wrong.Count} answers were not the expected 4xx problem:\n{string.Join("\n", wrong.Distinct().Take(30))}");
        // Every route takes its share (round-robin), so no endpoint escapes the test.
        Assert.All(Routes, r => Assert.InRange(attacks.Count(a => a.Target == r.Route), Requests / Routes.Count, Requests / Routes.Count + 1));

        // Nothing got through: no queued message, no ERP effect.
        Assert.Equal(0, await runtime.QueuedAsync());
        Assert.Empty(runtime.Erp.Customers);
        Assert.Empty(runtime.Erp.Projects);
        Assert.Empty(runtime.Erp.TimeLines);

        // The process is still up and a valid call on every route is accepted.
        foreach (var (route, _, validBody) in Routes)
        {
            using var response = await runtime.SendAsync(route, validBody(1), Secrets[WebhookIngress.SourceOf(route)]);
            Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{route}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
        Assert.True(await runtime.QueuedAsync() > 0);
    }

    /// <summary>The figures, to the test output (shown with --logger "console;verbosity=detailed", and kept in CI's .trx files).</summary>
    private void Print(List<Attack> attacks, (int Status, string? ContentType, string? Reason)[] answers, TimeSpan elapsed)
    {
        var lines = new List<string> { $"Hostile calls: {attacks.Count} (seed {Seed}) in {elapsed.TotalSeconds:0.0} s, {attacks.Count / elapsed.TotalSeconds:0} per second", "By kind:" };
        lines.AddRange(attacks.GroupBy(a => a.Kind).OrderByDescending(g => g.Count()).Select(g => $"  {g.Key,-26} {g.Count(),5}"));
        lines.Add("By route:");
        lines.AddRange(attacks.GroupBy(a => a.Target).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"  {g.Key,-26} {g.Count(),5}"));
        lines.Add("Answers by status and reason:");
        lines.AddRange(answers.GroupBy(a => (a.Status, a.Reason)).OrderBy(g => g.Key.Status).ThenByDescending(g => g.Count())
            .Select(g => $"  {g.Key.Status} {g.Key.Reason,-34} {g.Count(),5}"));
        foreach (var line in lines)
        {
            output.WriteLine(line);
        }
    }

    private static HttpRequestMessage ToRequest(Attack attack)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"api/webhooks/{attack.Route}") { Content = new ByteArrayContent(attack.Body) };
        if (attack.ContentType is not null)
        {
            request.Content.Headers.TryAddWithoutValidation("Content-Type", attack.ContentType);
        }
        foreach (var (name, value) in attack.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        return request;
    }

    private static string? ReasonOf(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.TryGetProperty("reasonCode", out var reason) ? reason.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>One hostile call on <paramref name="route"/>: a kind drawn at random, built from the route's valid body.</summary>
    private static Attack Make(Random random, (string Route, string EventField, Func<int, string> ValidBody) route)
    {
        var source = WebhookIngress.SourceOf(route.Route);
        var secret = Secrets[source];
        var valid = Encoding.UTF8.GetBytes(route.ValidBody(1));
        var now = DateTimeOffset.UtcNow;

        // A body signed correctly: only the body (or the content type) is wrong.
        Attack Signed(string kind, byte[] body, params string[] expected) =>
            new(kind, route.Route, body, WebhookSignature.JsonContentType, WebhookSignature.Headers(secret, now, body), expected);

        // A valid body whose signature headers are wrong.
        Attack MisSigned(string kind, string? timestamp, string? signature, string expected)
        {
            var headers = new Dictionary<string, string>();
            if (timestamp is not null)
            {
                headers[WebhookSignature.TimestampHeader] = timestamp;
            }
            if (signature is not null)
            {
                headers[WebhookSignature.SignatureHeader] = signature;
            }
            return new(kind, route.Route, valid, WebhookSignature.JsonContentType, headers, [expected]);
        }

        Attack Mutated(string kind, Func<JsonObject, bool> mutate, params string[] expected)
        {
            var json = JsonNode.Parse(valid)!.AsObject();
            return mutate(json) ? Signed(kind, Encoding.UTF8.GetBytes(json.ToJsonString()), expected) : Signed("truncated", Truncate(random, valid), IngressReasons.NotJson);
        }

        var unix = now.ToUnixTimeSeconds();
        switch (random.Next(22))
        {
            case 0:
                return Signed("truncated", Truncate(random, valid), IngressReasons.NotJson);
            case 1:
                var garbage = new byte[random.Next(1, 2000)];
                random.NextBytes(garbage);
                garbage[0] = (byte)'~'; // never the start of a JSON value
                return Signed("random-bytes", garbage, IngressReasons.NotJson);
            case 2:
                return Signed("empty-body", [], IngressReasons.NotJson);
            case 3:
                var notObject = new[] { "[]", "null", "42", "\"text\"", "true", "[{}]" }[random.Next(6)];
                return Signed("json-not-an-object", Encoding.UTF8.GetBytes(notObject), IngressReasons.SchemaInvalid);
            case 4:
                var depth = random.Next(40, 500);
                return Signed("too-deep", Encoding.UTF8.GetBytes(new string('[', depth) + new string(']', depth)), IngressReasons.NotJson);
            case 5:
                var oversized = new byte[MaxPayloadBytes + 1 + random.Next(100_000)];
                Array.Fill(oversized, (byte)' ');
                return Signed("oversized", oversized, IngressReasons.PayloadTooLarge);
            case 6:
                var contentType = new[] { "text/plain", "application/xml", "application/x-www-form-urlencoded", "application/json; charset=iso-8859-1", "multipart/form-data", "" }[random.Next(6)];
                return Signed("wrong-content-type", valid, IngressReasons.ContentTypeUnsupported) with { ContentType = contentType.Length == 0 ? null : contentType };
            case 7:
                return MisSigned("unsigned", null, null, IngressReasons.SignatureMissing);
            case 8:
                return MisSigned("bad-signature", unix.ToString(CultureInfo.InvariantCulture), "v1=" + RandomHex(random, 64), IngressReasons.SignatureInvalid);
            case 9:
                var malformed = new[] { "v1=" + RandomHex(random, 63), "sha256=" + RandomHex(random, 64), RandomHex(random, 64), "v1=" + new string('g', 64), "v1=" }[random.Next(5)];
                return MisSigned("malformed-signature", unix.ToString(CultureInfo.InvariantCulture), malformed, IngressReasons.SignatureMalformed);
            case 10:
                var old = unix - 301 - random.Next(1_000_000);
                return MisSigned("stale-timestamp", old.ToString(CultureInfo.InvariantCulture), WebhookSignature.Compute(secret, old, valid), IngressReasons.TimestampStale);
            case 11:
                var ahead = unix + 301 + random.Next(1_000_000);
                return MisSigned("future-timestamp", ahead.ToString(CultureInfo.InvariantCulture), WebhookSignature.Compute(secret, ahead, valid), IngressReasons.TimestampInFuture);
            case 12:
                var timestamp = new[] { "yesterday", "-1", "1.7e9", "", "99999999999999999999999" }[random.Next(5)];
                return MisSigned("invalid-timestamp", timestamp, WebhookSignature.Compute(secret, unix, valid), timestamp.Length == 0 ? IngressReasons.SignatureMissing : IngressReasons.TimestampInvalid);
            case 13:
                var otherSource = Secrets.Keys.Where(k => k != source).ElementAt(random.Next(2));
                return MisSigned("another-sources-secret", unix.ToString(CultureInfo.InvariantCulture), WebhookSignature.Compute(Secrets[otherSource], unix, valid), IngressReasons.SignatureInvalid);
            case 14:
                // Signed, then tampered with: the signature no longer covers the body sent.
                var tampered = Signed("tampered-body", Truncate(random, valid), IngressReasons.SignatureInvalid);
                return tampered with { Headers = WebhookSignature.Headers(secret, now, valid) };
            case 15:
                return Mutated("unknown-field", json =>
                {
                    RandomObject(random, json)[$"x{random.Next(1000)}"] = "surprise";
                    return true;
                }, IngressReasons.SchemaInvalid);
            case 16:
                return Mutated("wrong-type", json =>
                {
                    var leaves = Leaves(json).ToList();
                    var (parent, name) = leaves[random.Next(leaves.Count)];
                    parent[name] = new JsonObject { ["unexpected"] = 1 };
                    return true;
                }, IngressReasons.SchemaInvalid);
            case 17:
                return Mutated("unknown-event-type", json =>
                {
                    json[route.EventField] = random.Next(2) == 0 ? null : $"thing.{random.Next(1000)}";
                    return true;
                }, IngressReasons.UnknownEventType);
            case 18:
                return Mutated("negative-number", json =>
                {
                    var numbers = Leaves(json).Where(l => l.Parent[l.Name]!.GetValueKind() == JsonValueKind.Number).ToList();
                    if (numbers.Count == 0)
                    {
                        return false;
                    }
                    var (parent, name) = numbers[random.Next(numbers.Count)];
                    parent[name] = -1 - random.Next(1000);
                    return true;
                }, IngressReasons.SchemaInvalid, IngressReasons.ValueOutOfRange);
            case 19:
                return Mutated("absurd-date", json =>
                {
                    var dates = Leaves(json).Where(l => l.Parent[l.Name]!.GetValueKind() == JsonValueKind.String
                        && DateOnly.TryParseExact(l.Parent[l.Name]!.GetValue<string>(), "yyyy-MM-dd", out _)).ToList();
                    if (dates.Count == 0)
                    {
                        return false;
                    }
                    var (parent, name) = dates[random.Next(dates.Count)];
                    parent[name] = random.Next(2) == 0 ? "1901-01-01" : "2999-12-31";
                    return true;
                }, IngressReasons.DateOutOfRange);
            case 20:
                return Mutated("bad-currency", json =>
                {
                    var currencies = Leaves(json).Where(l => l.Name == "currency").ToList();
                    if (currencies.Count == 0)
                    {
                        return false;
                    }
                    var (parent, name) = currencies[random.Next(currencies.Count)];
                    parent[name] = new[] { "EURO", "eur", "XYZ", "", "€", new string('A', 500) }[random.Next(6)];
                    return true;
                }, IngressReasons.CurrencyUnknown);
            default:
                if (route.Route is "psa/time" or "psa/expenses")
                {
                    var many = Encoding.UTF8.GetBytes(route.ValidBody(MaxRecordsPerCall + 1 + random.Next(100)));
                    return Signed("too-many-records", many, IngressReasons.TooManyRecords, IngressReasons.PayloadTooLarge);
                }
                return Signed("unknown-route", valid, IngressReasons.UnknownRoute) with { Route = $"{source}/unknown-{random.Next(100)}" };
        }
    }

    /// <summary>A strict prefix of a JSON object: never valid JSON.</summary>
    private static byte[] Truncate(Random random, byte[] body) => body[..random.Next(0, body.Length - 1)];

    private static string RandomHex(Random random, int length) =>
        string.Concat(Enumerable.Range(0, length).Select(_ => "0123456789abcdef"[random.Next(16)]));

    /// <summary>Every property holding a value (not an object or array), with the object that holds it.</summary>
    private static IEnumerable<(JsonObject Parent, string Name)> Leaves(JsonNode node) => node switch
    {
        JsonObject o => o.ToList().SelectMany(p => p.Value is JsonObject or JsonArray ? Leaves(p.Value) : p.Value is null ? [] : [(o, p.Key)]),
        JsonArray a => a.SelectMany(e => e is null ? [] : Leaves(e)),
        _ => [],
    };

    private static JsonObject RandomObject(Random random, JsonObject root)
    {
        var objects = Objects(root).ToList();
        return objects[random.Next(objects.Count)];

        static IEnumerable<JsonObject> Objects(JsonNode node) => node switch
        {
            JsonObject o => [o, .. o.Select(p => p.Value).OfType<JsonNode>().SelectMany(Objects)],
            JsonArray a => a.OfType<JsonNode>().SelectMany(Objects),
            _ => [],
        };
    }
}
