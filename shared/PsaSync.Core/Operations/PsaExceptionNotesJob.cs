using PsaSync.Core.Exceptions;
using PsaSync.Core.Model;
using PsaSync.Core.Ports;
using PsaSync.Core.Scheduling;

namespace PsaSync.Core.Operations;

/// <summary>
/// Shows delivery teams, on their own PSA records, the exception items PsaSync holds open against them (a time entry
/// refused for its hours, a project waiting for its customer...). Each run sends the whole open set, so resolved
/// items disappear from the PSA on the next run.
/// </summary>
public sealed class PsaExceptionNotesJob(IExceptionStore exceptions, IPsaConnector psa) : IScheduledJob
{
    public string Name => JobNames.PsaExceptionNotes;

    public async Task<string> RunAsync(CancellationToken cancellationToken)
    {
        var open = await exceptions.ListAsync(new ExceptionQuery(Status: ExceptionStatus.Open), cancellationToken);
        var notes = open
            .Where(i => i.SourceRecord.System == SystemNames.Psa)
            .Select(i => new PsaExceptionNote(i.SourceRecord.Kind, i.SourceRecord.Id, i.ReasonCode, i.Title, i.Owner.ToString(), i.HowToFix, i.FirstSeen))
            .OrderBy(n => n.RecordKind, StringComparer.Ordinal).ThenBy(n => n.RecordId, StringComparer.Ordinal).ThenBy(n => n.ReasonCode, StringComparer.Ordinal)
            .ToList();
        await psa.ShowOpenExceptionsAsync(notes, cancellationToken);
        return $"{notes.Count} open exception item(s) shown on {notes.Select(n => (n.RecordKind, n.RecordId)).Distinct().Count()} PSA record(s); "
            + $"{open.Count - notes.Count} other open item(s) concern ERP or CRM records.";
    }
}
