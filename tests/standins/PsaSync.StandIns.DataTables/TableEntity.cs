using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace Azure.Data.Tables;

/// <summary>
/// A schemaless entity: a dictionary of property values. The system properties live in the dictionary too,
/// under the names the service uses ("PartitionKey", "RowKey", "Timestamp" and "odata.etag").
/// </summary>
public sealed class TableEntity : ITableEntity, IDictionary<string, object>
{
    internal const string PartitionKeyName = "PartitionKey";
    internal const string RowKeyName = "RowKey";
    internal const string TimestampName = "Timestamp";
    internal const string ETagName = "odata.etag";

    private readonly Dictionary<string, object> _properties;

    public TableEntity()
    {
        _properties = new Dictionary<string, object>(StringComparer.Ordinal);
    }

    public TableEntity(string partitionKey, string rowKey)
        : this()
    {
        PartitionKey = partitionKey;
        RowKey = rowKey;
    }

    public TableEntity(IDictionary<string, object> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        _properties = new Dictionary<string, object>(values, StringComparer.Ordinal);
    }

    public string PartitionKey
    {
        get => GetString(PartitionKeyName)!;
        set => _properties[PartitionKeyName] = value;
    }

    public string RowKey
    {
        get => GetString(RowKeyName)!;
        set => _properties[RowKeyName] = value;
    }

    public DateTimeOffset? Timestamp
    {
        get => GetDateTimeOffset(TimestampName);
        set => SetOrRemove(TimestampName, value);
    }

    public ETag ETag
    {
        get => _properties.TryGetValue(ETagName, out var value) && value is not null ? new ETag(value.ToString()!) : default;
        set => SetOrRemove(ETagName, value == default ? null : value.ToString());
    }

    public object this[string key]
    {
        get => _properties[key];
        set => _properties[key] = value;
    }

    public ICollection<string> Keys => _properties.Keys;

    public ICollection<object> Values => _properties.Values;

    public int Count => _properties.Count;

    bool ICollection<KeyValuePair<string, object>>.IsReadOnly => false;

    public string? GetString(string key) => (string?)GetValue(key, typeof(string));

    public int? GetInt32(string key) => (int?)GetValue(key, typeof(int));

    public long? GetInt64(string key) => (long?)GetValue(key, typeof(long));

    public double? GetDouble(string key) => (double?)GetValue(key, typeof(double));

    public bool? GetBoolean(string key) => (bool?)GetValue(key, typeof(bool));

    public DateTimeOffset? GetDateTimeOffset(string key) => (DateTimeOffset?)GetValue(key, typeof(DateTimeOffset));

    public DateTime? GetDateTime(string key) => (DateTime?)GetValue(key, typeof(DateTime));

    public Guid? GetGuid(string key) => (Guid?)GetValue(key, typeof(Guid));

    public byte[]? GetBinary(string key) => (byte[]?)GetValue(key, typeof(byte[]));

    public BinaryData? GetBinaryData(string key) => (BinaryData?)GetValue(key, typeof(BinaryData));

    public void Add(string key, object value) => _properties.Add(key, value);

    public bool ContainsKey(string key) => _properties.ContainsKey(key);

    public bool Remove(string key) => _properties.Remove(key);

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out object value) => _properties.TryGetValue(key, out value);

    public void Clear() => _properties.Clear();

    void ICollection<KeyValuePair<string, object>>.Add(KeyValuePair<string, object> item) => _properties.Add(item.Key, item.Value);

    bool ICollection<KeyValuePair<string, object>>.Contains(KeyValuePair<string, object> item) =>
        ((ICollection<KeyValuePair<string, object>>)_properties).Contains(item);

    void ICollection<KeyValuePair<string, object>>.CopyTo(KeyValuePair<string, object>[] array, int arrayIndex) =>
        ((ICollection<KeyValuePair<string, object>>)_properties).CopyTo(array, arrayIndex);

    bool ICollection<KeyValuePair<string, object>>.Remove(KeyValuePair<string, object> item) =>
        ((ICollection<KeyValuePair<string, object>>)_properties).Remove(item);

    IEnumerator<KeyValuePair<string, object>> IEnumerable<KeyValuePair<string, object>>.GetEnumerator() => _properties.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _properties.GetEnumerator();

    private void SetOrRemove(string key, object? value)
    {
        if (value is null)
        {
            _properties.Remove(key);
        }
        else
        {
            _properties[key] = value;
        }
    }

    private object? GetValue(string key, Type type)
    {
        if (!_properties.TryGetValue(key, out var value) || value is null)
        {
            return null;
        }

        if (EdmValue.TryConvert(value, type, out var converted))
        {
            return converted;
        }

        throw new InvalidOperationException(
            $"Property '{key}' holds a value of type {value.GetType().Name}, which cannot be read as {type.Name}.");
    }
}
