namespace Azure.Data.Tables;

/// <summary>A storage account name and key, used to sign requests with SharedKey.</summary>
public class TableSharedKeyCredential
{
    private string _accountKey;

    public TableSharedKeyCredential(string accountName, string accountKey)
    {
        ArgumentException.ThrowIfNullOrEmpty(accountName);
        ArgumentException.ThrowIfNullOrEmpty(accountKey);
        AccountName = accountName;
        _accountKey = accountKey;
    }

    public string AccountName { get; }

    /// <summary>Replaces the key, e.g. after a rotation; requests signed afterwards use the new key.</summary>
    public void SetAccountKey(string accountKey)
    {
        ArgumentException.ThrowIfNullOrEmpty(accountKey);
        Volatile.Write(ref _accountKey, accountKey);
    }

    internal string AccountKey => Volatile.Read(ref _accountKey);
}
