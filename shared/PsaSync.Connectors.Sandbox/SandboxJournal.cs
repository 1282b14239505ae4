using System.Text.Json;
using PsaSync.Core.Events;

namespace PsaSync.Connectors.Sandbox;

/// <summary>
/// Append-only JSON-lines file that gives a sandbox system a memory outside the runtime process, as a real
/// ERP or PSA has: a killed and restarted local runtime finds the sandbox as it left it. No path, no file.
/// </summary>
public sealed class SandboxJournal(string? path)
{
    private readonly Lock _gate = new();

    public void Append<T>(string kind, T record)
    {
        if (path is null)
        {
            return;
        }
        var line = JsonSerializer.Serialize(new JournalLine(kind, JsonSerializer.SerializeToElement(record, PsaSyncJson.Options)), PsaSyncJson.Options);
        lock (_gate)
        {
            File.AppendAllText(path, line + "\n");
        }
    }

    /// <summary>Replays what an earlier process wrote, oldest first. A torn last line (killed mid-write) is skipped.</summary>
    public IEnumerable<(string Kind, JsonElement Record)> Replay()
    {
        if (path is null || !File.Exists(path))
        {
            yield break;
        }
        foreach (var text in File.ReadAllLines(path))
        {
            JournalLine? line;
            try
            {
                line = JsonSerializer.Deserialize<JournalLine>(text, PsaSyncJson.Options);
            }
            catch (JsonException)
            {
                continue;
            }
            if (line is not null)
            {
                yield return (line.Kind, line.Record);
            }
        }
    }

    private sealed record JournalLine(string Kind, JsonElement Record);
}
