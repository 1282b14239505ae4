using System.Text.Json;
using PsaSync.Connectors.Tryton;

namespace PsaSync.Tryton.Tests;

/// <summary>Tryton's wrapped JSON values, both ways, with the shapes its server sends (no server needed).</summary>
public sealed class TrytonJsonTests
{
    [Fact]
    public void A_decimal_is_written_as_Tryton_writes_it_and_read_back_exactly()
    {
        var json = JsonSerializer.Serialize(1234.5600m, TrytonJson.Options);

        Assert.Equal("""{"__class__":"Decimal","decimal":"1234.5600"}""", json);
        Assert.Equal(1234.56m, JsonSerializer.Deserialize<decimal>(json, TrytonJson.Options));
    }

    [Fact]
    public void A_plain_number_is_accepted_where_a_decimal_is_expected()
    {
        Assert.Equal(0m, JsonSerializer.Deserialize<decimal>("0", TrytonJson.Options));
    }

    [Fact]
    public void A_date_round_trips_and_a_null_date_stays_null()
    {
        var json = JsonSerializer.Serialize(new DateOnly(2026, 10, 31), TrytonJson.Options);

        Assert.Equal("""{"__class__":"date","year":2026,"month":10,"day":31}""", json);
        Assert.Equal(new DateOnly(2026, 10, 31), JsonSerializer.Deserialize<DateOnly>(json, TrytonJson.Options));
        Assert.Null(JsonSerializer.Deserialize<DateOnly?>("null", TrytonJson.Options));
    }

    [Fact]
    public void A_datetime_from_Tryton_is_naive_UTC_with_microseconds()
    {
        var value = JsonSerializer.Deserialize<DateTime>(
            """{"__class__":"datetime","year":2026,"month":11,"day":22,"hour":5,"minute":4,"second":3,"microsecond":123456}""", TrytonJson.Options);

        Assert.Equal(DateTimeKind.Utc, value.Kind);
        Assert.Equal(new DateTime(2026, 11, 22, 5, 4, 3, DateTimeKind.Utc).AddTicks(1_234_560), value);
    }

    [Fact]
    public void A_local_datetime_is_sent_as_UTC()
    {
        var local = new DateTime(2026, 11, 22, 12, 0, 0, DateTimeKind.Local);

        var back = JsonSerializer.Deserialize<DateTime>(JsonSerializer.Serialize(local, TrytonJson.Options), TrytonJson.Options);

        Assert.Equal(local.ToUniversalTime(), back);
    }

    [Fact]
    public void A_duration_is_a_timedelta_in_seconds()
    {
        var json = JsonSerializer.Serialize(TimeSpan.FromHours(7.5), TrytonJson.Options);

        Assert.Equal("""{"__class__":"timedelta","seconds":27000}""", json);
        Assert.Equal(TimeSpan.FromSeconds(10800), JsonSerializer.Deserialize<TimeSpan>("""{"__class__":"timedelta","seconds":10800.0}""", TrytonJson.Options));
    }

    [Fact]
    public void A_value_with_the_wrong_class_is_refused_with_what_was_found()
    {
        var error = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<DateOnly>("""{"__class__":"Decimal","decimal":"1"}""", TrytonJson.Options));

        Assert.Contains("Tryton date", error.Message);
        Assert.Contains("Decimal", error.Message);
    }

    [Fact]
    public void The_watermark_orders_by_change_time_then_id_and_survives_its_text_form()
    {
        var earlier = new InvoiceWatermark(new DateTime(2026, 11, 22, 5, 0, 0, DateTimeKind.Utc).AddTicks(10), 9);
        var sameTimeHigherId = earlier with { InvoiceId = 10 };

        Assert.True(earlier.CompareTo(sameTimeHigherId) < 0);
        Assert.Equal(earlier, InvoiceWatermark.Parse(earlier.ToString()));
        Assert.Null(InvoiceWatermark.Parse(null));
    }
}
