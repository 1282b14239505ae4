using System.Globalization;
using PsaSync.Core.ErpBudget;
using PsaSync.Core.Exceptions;
using PsaSync.Core.Model;
using PsaSync.Core.Ports;
using PsaSync.Core.Scheduling;

namespace PsaSync.Core.TimeExpense;

/// <summary>
/// Posts accepted time to ERP project accounting: aggregates it by project, period, resource and role into cost lines,
/// sends them in batches of the ERP's size within the request budget, and then writes the ledger and the PSA.
/// <para>
/// Idempotent by construction: entries are assigned to their aggregate (stored) before anything is posted, and the
/// aggregate's id is the ERP line's external id, so a rerun after a crash or a failed request posts the same lines
/// again and the ERP returns the ones it already has. A line the ERP refused on its own fails alone; its batch
/// neighbours that succeeded are recorded and never sent again.
/// </para>
/// <para>
/// Before aggregating, it holds back every entry of a day on which one resource has more than 24 hours among the entries
/// it is about to post (a month-end burst, or a timesheet approved at once). Days split over several runs are not
/// added up.
/// </para>
/// </summary>
public sealed class CostPostingJob(
    IPendingCostPostings pending,
    IErpConnector erp,
    PostedTimeRecorder recorder,
    IExceptionStore exceptions,
    ErpBudgetOptions budget,
    CostPostingOptions options) : IScheduledJob
{
    // One run at a time in a process: two runs aggregating the same pending entries could assign an entry twice.
    private readonly SemaphoreSlim _oneRun = new(1, 1);

    public string Name => JobNames.CostPostings;

    public async Task<string> RunAsync(CancellationToken cancellationToken)
    {
        await _oneRun.WaitAsync(cancellationToken);
        try
        {
            return (await PostOpenAsync(cancellationToken)).ToString();
        }
        finally
        {
            _oneRun.Release();
        }
    }

    public async Task<CostPostingRun> PostOpenAsync(CancellationToken cancellationToken)
    {
        var open = await pending.ListOpenAsync(options.MaxEntriesPerRun, cancellationToken);
        var run = new CostPostingRun();
        var accepted = open.Where(p => p.State == CostPostingState.Pending).ToList();
        var heldBack = await HoldBackOverFullDaysAsync(accepted, run, cancellationToken);
        var fresh = CostAggregation.Form(accepted.Where(p => !heldBack.Contains(p.Key)));
        await pending.UpdateAsync([.. fresh.SelectMany(a => a.Members)], cancellationToken);
        var aggregates = CostAggregation.Regroup(open.Where(p => p.State == CostPostingState.Assigned)).Concat(fresh).ToList();

        await Parallel.ForEachAsync(
            aggregates.Chunk(budget.BatchSize),
            new ParallelOptions { MaxDegreeOfParallelism = budget.MaxConcurrency, CancellationToken = cancellationToken },
            async (batch, token) => await PostBatchAsync(batch, run, token));
        return run;
    }

    private async Task PostBatchAsync(CostAggregate[] batch, CostPostingRun run, CancellationToken cancellationToken)
    {
        IReadOnlyList<ErpLineResult> results;
        try
        {
            results = await erp.PostTimeLinesAsync([.. batch.Select(a => a.ToErpLine())], cancellationToken);
            run.AddRequest();
        }
        catch (ErpException ex) when (ex.IsTransient)
        {
            // Nothing is known about the lines; they keep their aggregate ids and the next run sends them again.
            run.AddRequest();
            run.AddRetryLater(batch.Sum(a => a.Members.Count));
            return;
        }

        var byId = results.ToDictionary(r => r.ExternalId, StringComparer.Ordinal);
        var posted = new List<PendingCostPosting>();
        var failed = new List<PendingCostPosting>();
        foreach (var aggregate in batch)
        {
            var result = byId.GetValueOrDefault(aggregate.AggregateId);
            if (result?.Posting is { } posting)
            {
                posted.AddRange(aggregate.Members.Select(m => m with { State = CostPostingState.Posted, ErpDocumentId = posting.ErpDocumentId }));
            }
            else if (result?.Failure is { IsTransient: false } refusal)
            {
                var reason = refusal.Kind == ErpFailureKind.PeriodClosed ? ReasonCodes.FiscalPeriodClosed : ReasonCodes.ErpRejected;
                await RefuseAsync(aggregate.Members, reason, $"the ERP refused its cost line {aggregate.AggregateId}",
                    (member, record) => string.Create(CultureInfo.InvariantCulture, $"The ERP refused the cost line {aggregate.AggregateId} that holds {record} ({member.Entry.Hours} h on {member.Entry.WorkDate:yyyy-MM-dd}): {refusal.Message}"),
                    cancellationToken);
                failed.AddRange(aggregate.Members.Select(m => m with { State = CostPostingState.Failed }));
            }
            else
            {
                run.AddRetryLater(aggregate.Members.Count);
            }
        }

        await recorder.RecordAsync(posted, cancellationToken);
        await pending.UpdateAsync([.. posted, .. failed], cancellationToken);
        run.AddOutcome(posted.Count, failed.Count, batch.Count(a => byId.GetValueOrDefault(a.AggregateId)?.Posting is not null));
    }

    /// <summary>Refuses the entries of over-full days (see the class remarks); returns their keys.</summary>
    private async Task<HashSet<string>> HoldBackOverFullDaysAsync(IReadOnlyList<PendingCostPosting> accepted, CostPostingRun run, CancellationToken cancellationToken)
    {
        var days = CostAggregation.OverFullDays(accepted);
        foreach (var day in days)
        {
            var first = day[0].Entry;
            var detail = string.Join(", ", day.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Entry.EntryId} ({p.Entry.Hours:0.##} h)")));
            await RefuseAsync(day, ReasonCodes.DayOverFull, string.Create(CultureInfo.InvariantCulture, $"its day holds more than {TimeEntry.MaxHoursPerDay:0} hours"),
                (_, record) => string.Create(CultureInfo.InvariantCulture, $"Resource {first.ResourceId} has {day.Sum(p => p.Entry.Hours):0.##} approved hours on {first.WorkDate:yyyy-MM-dd} across {detail}; at most {TimeEntry.MaxHoursPerDay:0} fit in a day, so {record} is not posted."),
                cancellationToken);
        }
        var heldBack = days.SelectMany(day => day).ToList();
        await pending.UpdateAsync([.. heldBack.Select(p => p with { State = CostPostingState.Failed })], cancellationToken);
        run.AddOutcome(0, heldBack.Count, 0);
        return [.. heldBack.Select(p => p.Key)];
    }

    /// <summary>One exception item per refused entry, so each is found under its own record; its timeline ends there.</summary>
    private async Task RefuseAsync(IEnumerable<PendingCostPosting> members, ReasonCode reason, string why, Func<PendingCostPosting, RecordRef, string> message,
        CancellationToken cancellationToken)
    {
        foreach (var member in members)
        {
            var record = PostedTimeRecorder.RecordOf(member.Entry);
            await exceptions.RaiseAsync(new NewException(reason, message(member, record), PostedTimeRecorder.Domain, record, member.CorrelationId, member.IdempotencyKey),
                cancellationToken);
            await recorder.RecordRefusedAsync(member, $"{why} ({reason.Code})", cancellationToken);
        }
    }
}

/// <summary>What one run of the cost posting job did; counted from parallel batches.</summary>
public sealed class CostPostingRun
{
    private int _requests;
    private int _lines;
    private int _posted;
    private int _failed;
    private int _retryLater;

    public int Requests => _requests;

    public int LinesPosted => _lines;

    public int EntriesPosted => _posted;

    public int EntriesFailed => _failed;

    public int EntriesLeftForNextRun => _retryLater;

    internal void AddRequest() => Interlocked.Increment(ref _requests);

    internal void AddRetryLater(int entries) => Interlocked.Add(ref _retryLater, entries);

    internal void AddOutcome(int posted, int failed, int lines)
    {
        Interlocked.Add(ref _posted, posted);
        Interlocked.Add(ref _failed, failed);
        Interlocked.Add(ref _lines, lines);
    }

    public override string ToString() =>
        $"{EntriesPosted} entries posted as {LinesPosted} ERP lines in {Requests} requests, {EntriesFailed} refused (exception items), {EntriesLeftForNextRun} left for the next run.";
}
