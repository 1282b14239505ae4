namespace Azure.Data.Tables;

/// <summary>The four system properties every table entity carries.</summary>
public interface ITableEntity
{
    string PartitionKey { get; set; }

    string RowKey { get; set; }

    DateTimeOffset? Timestamp { get; set; }

    ETag ETag { get; set; }
}
