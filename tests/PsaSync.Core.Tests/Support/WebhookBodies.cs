using System.Text;
using System.Text.Json.Nodes;
using PsaSync.Connectors.Sandbox.Psa;
using PsaSync.Core.Model;

namespace PsaSync.Core.Tests.Support;

/// <summary>PSA time webhook bodies, as the sandbox PSA writes them, and variations of them.</summary>
internal static class WebhookBodies
{
    public static string TimeApproved(params TimeEntry[] entries) =>
        SandboxPsaWebhookWriter.TimeApproved(entries.Length == 0 ? [TestData.TimeEntry()] : entries, TestData.Now);

    /// <summary>A valid body changed by <paramref name="change"/>, e.g. a field of the first entry removed.</summary>
    public static string Altered(Action<JsonObject> change, params TimeEntry[] entries)
    {
        var json = JsonNode.Parse(TimeApproved(entries))!.AsObject();
        change(json);
        return json.ToJsonString();
    }

    public static JsonObject FirstEntry(JsonObject body) => body["timeEntries"]![0]!.AsObject();

    public static ReadOnlyMemory<byte> Utf8(string body) => Encoding.UTF8.GetBytes(body);
}
