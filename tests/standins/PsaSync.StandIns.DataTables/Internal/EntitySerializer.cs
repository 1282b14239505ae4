using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.Serialization;
using System.Text.Json;

namespace Azure.Data.Tables;

/// <summary>
/// Maps entities to and from the service's JSON. A <see cref="TableEntity"/> is written and read as its
/// dictionary; any other <see cref="ITableEntity"/> through its public read/write properties, like the real
/// SDK: [IgnoreDataMember] skips a property and [DataMember(Name = ...)] renames it.
/// </summary>
internal static class EntitySerializer
{
    private static readonly ConcurrentDictionary<Type, MappedProperty[]> s_mappings = new();

    public static byte[] Serialize(ITableEntity entity)
    {
        ArgumentNullException.ThrowIfNull(entity);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            WriteEntity(writer, entity);
        }

        return buffer.ToArray();
    }

    private static void WriteEntity(Utf8JsonWriter writer, ITableEntity entity)
    {
        // The service needs both keys; the real SDK checks them before sending too.
        ArgumentNullException.ThrowIfNull(entity.PartitionKey, "entity.PartitionKey");
        ArgumentNullException.ThrowIfNull(entity.RowKey, "entity.RowKey");
        writer.WriteStartObject();
        if (entity is TableEntity dictionary)
        {
            foreach (var (name, value) in (IEnumerable<KeyValuePair<string, object>>)dictionary)
            {
                // The service keeps Timestamp and the ETag itself; a null means "no such property".
                if (name is not (TableEntity.TimestampName or TableEntity.ETagName) && value is not null)
                {
                    EdmValue.Write(writer, name, value);
                }
            }
        }
        else
        {
            writer.WriteString(TableEntity.PartitionKeyName, entity.PartitionKey);
            writer.WriteString(TableEntity.RowKeyName, entity.RowKey);
            foreach (var property in GetMapping(entity.GetType()))
            {
                var value = property.Info.GetValue(entity);
                if (value is not null)
                {
                    EdmValue.Write(writer, property.Name, value);
                }
            }
        }

        writer.WriteEndObject();
    }

    /// <param name="responseETag">The ETag response header, for responses whose body lacks "odata.etag".</param>
    public static T Deserialize<T>(JsonElement json, string? responseETag = null)
        where T : class, ITableEntity
    {
        var values = EdmValue.ReadProperties(json);
        if (responseETag is not null)
        {
            values.TryAdd(TableEntity.ETagName, responseETag);
        }

        if (typeof(T) == typeof(TableEntity))
        {
            return (T)(ITableEntity)new TableEntity(values);
        }

        T entity;
        try
        {
            entity = (T)Activator.CreateInstance(typeof(T))!;
        }
        catch (MissingMethodException ex)
        {
            throw new InvalidOperationException(
                $"{typeof(T).FullName} needs a public parameterless constructor to be read from a table.", ex);
        }

        entity.PartitionKey = (string)values.GetValueOrDefault(TableEntity.PartitionKeyName)!;
        entity.RowKey = (string)values.GetValueOrDefault(TableEntity.RowKeyName)!;
        entity.Timestamp = values.GetValueOrDefault(TableEntity.TimestampName) as DateTimeOffset?;
        entity.ETag = values.GetValueOrDefault(TableEntity.ETagName) is string etag ? new ETag(etag) : default;

        foreach (var property in GetMapping(typeof(T)))
        {
            if (!values.TryGetValue(property.Name, out var value))
            {
                continue;
            }

            if (!EdmValue.TryConvert(value, property.Info.PropertyType, out var converted))
            {
                throw new InvalidOperationException(
                    $"Property '{property.Name}' of {typeof(T).Name} is a {property.Info.PropertyType.Name}, but the table holds a {value.GetType().Name} for it.");
            }

            property.Info.SetValue(entity, converted);
        }

        return entity;
    }

    private static MappedProperty[] GetMapping(Type type) => s_mappings.GetOrAdd(type, static type =>
    {
        var mapped = new List<MappedProperty>();
        foreach (var info in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (!info.CanRead || !info.CanWrite || info.GetIndexParameters().Length > 0
                || info.GetMethod?.IsPublic != true || info.SetMethod?.IsPublic != true
                || info.IsDefined(typeof(IgnoreDataMemberAttribute))
                || info.Name is nameof(ITableEntity.PartitionKey) or nameof(ITableEntity.RowKey)
                    or nameof(ITableEntity.Timestamp) or nameof(ITableEntity.ETag))
            {
                continue;
            }

            if (!EdmValue.IsSupported(info.PropertyType))
            {
                throw new NotSupportedException(
                    $"Property {type.Name}.{info.Name} has type {info.PropertyType.Name}, which Table Storage cannot store. "
                    + "Mark it [IgnoreDataMember] or use string, int, long, double, bool, DateTimeOffset, DateTime, Guid, byte[], BinaryData or an enum.");
            }

            var name = info.GetCustomAttribute<DataMemberAttribute>()?.Name ?? info.Name;
            mapped.Add(new MappedProperty(name, info));
        }

        return mapped.ToArray();
    });

    private sealed record MappedProperty(string Name, PropertyInfo Info);
}
