using Azure.Data.Tables;

namespace PsaSync.StandIns.DataTables.Tests;

public sealed class QueryFilterTests
{
    [Fact]
    public void Formats_each_argument_type_as_an_OData_literal()
    {
        var moment = new DateTimeOffset(2024, 3, 4, 5, 6, 7, TimeSpan.FromHours(1)) + TimeSpan.FromTicks(1);
        var id = Guid.Parse("01234567-89ab-cdef-0123-456789abcdef");

        Assert.Equal("Name eq 'O''Brien'", TableClient.CreateQueryFilter($"Name eq {"O'Brien"}"));
        Assert.Equal("N eq 42 and L eq 42L", TableClient.CreateQueryFilter($"N eq {42} and L eq {42L}"));
        Assert.Equal("B eq true or B eq false", TableClient.CreateQueryFilter($"B eq {true} or B eq {false}"));
        Assert.Equal("D eq 1.5", TableClient.CreateQueryFilter($"D eq {1.5}"));
        Assert.Equal("T ge datetime'2024-03-04T04:06:07.0000001Z'", TableClient.CreateQueryFilter($"T ge {moment}"));
        Assert.Equal("T ge datetime'2024-03-04T04:06:07.0000001Z'", TableClient.CreateQueryFilter($"T ge {moment.UtcDateTime}"));
        Assert.Equal("G eq guid'01234567-89ab-cdef-0123-456789abcdef'", TableClient.CreateQueryFilter($"G eq {id}"));
        Assert.Equal("X eq X'00ff10'", TableClient.CreateQueryFilter($"X eq {new byte[] { 0, 255, 16 }}"));
        Assert.Equal("S eq null", TableClient.CreateQueryFilter($"S eq {null}"));
    }

    [Fact]
    public void Formats_numbers_in_the_invariant_culture()
    {
        var previous = System.Globalization.CultureInfo.CurrentCulture;
        try
        {
            System.Globalization.CultureInfo.CurrentCulture = new System.Globalization.CultureInfo("de-DE");
            Assert.Equal("D eq 1.25", TableClient.CreateQueryFilter($"D eq {1.25}"));
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentCulture = previous;
        }
    }

    [Fact]
    public void Rejects_types_without_a_literal_form()
    {
        Assert.Throws<ArgumentException>(() => TableClient.CreateQueryFilter($"X eq {new object()}"));
    }
}
