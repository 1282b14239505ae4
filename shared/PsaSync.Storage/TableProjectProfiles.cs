using System.Text.Json;
using Azure.Data.Tables;
using PsaSync.Core.Billing;
using PsaSync.Core.Events;
using PsaSync.Core.Model;

namespace PsaSync.Storage;

/// <summary>The last applied setup of each project, kept whole as JSON (one point read when billing needs it).</summary>
public sealed class TableProjectProfiles(TableProvider tables) : IProjectProfiles
{
    private const string Partition = "project";

    public async Task SaveAsync(Project project, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableSuffixes.Projects, cancellationToken);
        await table.UpsertEntityAsync(new TableEntity(Partition, TableKeys.Escape(project.ProjectId))
        {
            ["Version"] = project.Version,
            ["Project"] = JsonSerializer.Serialize(project, PsaSyncJson.Options),
        }, TableUpdateMode.Replace, cancellationToken);
    }

    public async Task<Project?> GetAsync(string projectId, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableSuffixes.Projects, cancellationToken);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(Partition, TableKeys.Escape(projectId), cancellationToken: cancellationToken);
        return row.HasValue && row.Value?.GetString("Project") is { } json ? JsonSerializer.Deserialize<Project>(json, PsaSyncJson.Options) : null;
    }
}
