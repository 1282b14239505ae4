namespace Azure.Data.Tables;

/// <summary>How an update treats properties that the new entity does not carry.</summary>
public enum TableUpdateMode
{
    /// <summary>Keep the stored properties the new entity does not mention.</summary>
    Merge = 0,

    /// <summary>Replace the stored entity as a whole.</summary>
    Replace = 1,
}
