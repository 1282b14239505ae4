namespace Azure.Data.Tables.Models;

/// <summary>A table, as the service lists or creates it.</summary>
public class TableItem
{
    public TableItem(string name)
    {
        Name = name;
    }

    public string Name { get; }
}
