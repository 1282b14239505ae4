namespace Azure.Data.Tables;

/// <summary>What one action of an entity group transaction does.</summary>
public enum TableTransactionActionType
{
    Add = 0,
    UpdateMerge = 1,
    UpdateReplace = 2,
    Delete = 3,
    UpsertMerge = 4,
    UpsertReplace = 5,
}

/// <summary>One action of an entity group transaction (see <see cref="TableClient.SubmitTransactionAsync"/>).</summary>
public class TableTransactionAction
{
    public TableTransactionAction(TableTransactionActionType actionType, ITableEntity entity)
        : this(actionType, entity, default)
    {
    }

    /// <param name="etag">
    /// For updates and deletes, the ETag the stored entity must still have; default means any (If-Match: *).
    /// </param>
    public TableTransactionAction(TableTransactionActionType actionType, ITableEntity entity, ETag etag = default)
    {
        ArgumentNullException.ThrowIfNull(entity);
        ActionType = actionType;
        Entity = entity;
        ETag = etag;
    }

    public TableTransactionActionType ActionType { get; }

    public ITableEntity Entity { get; }

    public ETag ETag { get; }
}

/// <summary>
/// A transaction failed as a whole: nothing of it was committed. <see cref="FailedTransactionActionIndex"/>
/// names the action the service rejected, when it said which.
/// </summary>
public class TableTransactionFailedException : RequestFailedException
{
    // Where the client records the failed action's index on the exception it wraps.
    internal const string FailedActionIndexKey = "FailedTransactionActionIndex";

    public TableTransactionFailedException(RequestFailedException requestFailedException)
        : base(
            (requestFailedException ?? throw new ArgumentNullException(nameof(requestFailedException))).Status,
            requestFailedException.Message,
            requestFailedException.ErrorCode,
            requestFailedException)
    {
        FailedTransactionActionIndex = requestFailedException.Data[FailedActionIndexKey] as int?;
    }

    public int? FailedTransactionActionIndex { get; }
}
