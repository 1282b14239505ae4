using System.Runtime.Serialization;
using Azure;
using Azure.Data.Tables;

namespace PsaSync.StandIns.DataTables.Tests;

public sealed class EntityRoundTripTests(AzuriteFixture azurite) : TableTestBase(azurite)
{
    private static readonly DateTimeOffset SomeMoment = new DateTimeOffset(2024, 2, 29, 13, 14, 15, TimeSpan.FromHours(2)) + TimeSpan.FromTicks(1234567);
    private static readonly Guid SomeGuid = Guid.Parse("9b2f4a8e-61c3-4d0e-9a5b-2c7d8e1f3a4b");

    public enum Colour
    {
        Red,
        Blue,
    }

    [Fact]
    public async Task TableEntity_round_trips_every_supported_type()
    {
        var entity = new TableEntity("pk", "rk")
        {
            ["Text"] = "hello 'world' ünïcødé",
            ["Int32"] = int.MinValue,
            ["Int64"] = long.MaxValue,
            ["WholeDouble"] = 2.0,
            ["Double"] = 3.25,
            ["NaN"] = double.NaN,
            ["Infinity"] = double.PositiveInfinity,
            ["Flag"] = true,
            ["Moment"] = SomeMoment,
            ["UtcDate"] = new DateTime(2001, 1, 2, 3, 4, 5, DateTimeKind.Utc),
            ["Id"] = SomeGuid,
            ["Bytes"] = new byte[] { 0, 1, 2, 254, 255 },
            ["Data"] = BinaryData.FromString("binary data"),
            ["Enum"] = Colour.Blue,
        };

        var added = await Table.AddEntityAsync(entity);
        Assert.Equal(204, added.Status);
        Assert.True(added.Headers.ETag.HasValue);

        var read = (await Table.GetEntityAsync<TableEntity>("pk", "rk")).Value;

        Assert.Equal("pk", read.PartitionKey);
        Assert.Equal("rk", read.RowKey);
        Assert.Equal("hello 'world' ünïcødé", read.GetString("Text"));
        Assert.Equal(int.MinValue, read.GetInt32("Int32"));
        Assert.IsType<int>(read["Int32"]);
        Assert.Equal(long.MaxValue, read.GetInt64("Int64"));
        Assert.IsType<long>(read["Int64"]);
        Assert.Equal(2.0, read.GetDouble("WholeDouble"));
        Assert.IsType<double>(read["WholeDouble"]);
        Assert.Equal(3.25, read.GetDouble("Double"));
        Assert.True(double.IsNaN(read.GetDouble("NaN")!.Value));
        Assert.Equal(double.PositiveInfinity, read.GetDouble("Infinity"));
        Assert.True(read.GetBoolean("Flag"));
        Assert.Equal(SomeMoment, read.GetDateTimeOffset("Moment"));
        Assert.Equal(TimeSpan.Zero, read.GetDateTimeOffset("Moment")!.Value.Offset);
        Assert.Equal(new DateTime(2001, 1, 2, 3, 4, 5, DateTimeKind.Utc), read.GetDateTime("UtcDate"));
        Assert.Equal(DateTimeKind.Utc, read.GetDateTime("UtcDate")!.Value.Kind);
        Assert.Equal(SomeGuid, read.GetGuid("Id"));
        Assert.Equal(new byte[] { 0, 1, 2, 254, 255 }, read.GetBinary("Bytes"));
        Assert.Equal("binary data", read.GetBinaryData("Data")!.ToString());
        Assert.Equal("Blue", read.GetString("Enum"));
        Assert.NotNull(read.Timestamp);
        Assert.InRange(read.Timestamp!.Value, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(5));
        Assert.Equal(added.Headers.ETag, read.ETag);
        Assert.Equal(read.ETag.ToString(), read.GetString("odata.etag"));
    }

    [Fact]
    public async Task Poco_round_trips_every_supported_type()
    {
        var entity = new Everything
        {
            PartitionKey = "pk",
            RowKey = "rk",
            Text = "text",
            Int32 = 42,
            Int64 = 1L << 40,
            Double = 0.1,
            Flag = true,
            Moment = SomeMoment,
            Date = new DateTime(1999, 12, 31, 23, 59, 59, DateTimeKind.Utc),
            Id = SomeGuid,
            Bytes = [9, 8, 7],
            Data = BinaryData.FromBytes(new byte[] { 1, 2 }),
            Colour = Colour.Blue,
            NullableInt32 = 7,
            NullableInt64 = -7,
            NullableDouble = 1.5,
            NullableFlag = false,
            NullableMoment = SomeMoment,
            NullableDate = new DateTime(2020, 5, 6, 7, 8, 9, DateTimeKind.Utc),
            NullableId = SomeGuid,
            NullableColour = Colour.Red,
            Renamed = "stored under another name",
            Ignored = "never stored",
        };

        await Table.AddEntityAsync(entity);
        var read = (await Table.GetEntityAsync<Everything>("pk", "rk")).Value;

        Assert.Equal("pk", read.PartitionKey);
        Assert.Equal("rk", read.RowKey);
        Assert.Equal(entity.Text, read.Text);
        Assert.Equal(entity.Int32, read.Int32);
        Assert.Equal(entity.Int64, read.Int64);
        Assert.Equal(entity.Double, read.Double);
        Assert.Equal(entity.Flag, read.Flag);
        Assert.Equal(entity.Moment, read.Moment);
        Assert.Equal(entity.Date, read.Date);
        Assert.Equal(entity.Id, read.Id);
        Assert.Equal(entity.Bytes, read.Bytes);
        Assert.Equal(entity.Data.ToArray(), read.Data!.ToArray());
        Assert.Equal(entity.Colour, read.Colour);
        Assert.Equal(entity.NullableInt32, read.NullableInt32);
        Assert.Equal(entity.NullableInt64, read.NullableInt64);
        Assert.Equal(entity.NullableDouble, read.NullableDouble);
        Assert.Equal(entity.NullableFlag, read.NullableFlag);
        Assert.Equal(entity.NullableMoment, read.NullableMoment);
        Assert.Equal(entity.NullableDate, read.NullableDate);
        Assert.Equal(entity.NullableId, read.NullableId);
        Assert.Equal(entity.NullableColour, read.NullableColour);
        Assert.Equal(entity.Renamed, read.Renamed);
        Assert.Null(read.Ignored);
        Assert.NotNull(read.Timestamp);
        Assert.NotEqual(default, read.ETag);

        // The rename and the ignore are visible in the stored entity too.
        var raw = (await Table.GetEntityAsync<TableEntity>("pk", "rk")).Value;
        Assert.Equal(entity.Renamed, raw.GetString("other_name"));
        Assert.False(raw.ContainsKey("Renamed"));
        Assert.False(raw.ContainsKey("Ignored"));
        Assert.Equal("Blue", raw.GetString("Colour"));
    }

    [Fact]
    public async Task Null_poco_properties_are_not_stored_and_read_back_as_null()
    {
        await Table.AddEntityAsync(new Everything { PartitionKey = "pk", RowKey = "rk" });

        var read = (await Table.GetEntityAsync<Everything>("pk", "rk")).Value;
        Assert.Null(read.Text);
        Assert.Null(read.NullableInt32);
        Assert.Null(read.NullableMoment);
        Assert.Null(read.Bytes);
    }

    [Fact]
    public async Task Select_returns_only_the_chosen_properties()
    {
        await Table.AddEntityAsync(new TableEntity("pk", "rk") { ["A"] = "a", ["B"] = "b" });

        var read = (await Table.GetEntityAsync<TableEntity>("pk", "rk", select: ["A"])).Value;

        Assert.Equal("a", read.GetString("A"));
        Assert.False(read.ContainsKey("B"));
    }

    [Theory]
    [InlineData("it's")]
    [InlineData("with space")]
    [InlineData("per%cent+plus&amp=eq")]
    [InlineData("ünïcødé ☃")]
    [InlineData("(parens),comma")]
    public async Task Keys_with_special_characters_work_for_every_operation(string key)
    {
        await Table.AddEntityAsync(new TableEntity(key, key) { ["V"] = 1 });
        await Table.UpsertEntityAsync(new TableEntity(key, key) { ["V"] = 2 });

        var read = (await Table.GetEntityAsync<TableEntity>(key, key)).Value;
        Assert.Equal(key, read.PartitionKey);
        Assert.Equal(key, read.RowKey);
        Assert.Equal(2, read.GetInt32("V"));

        var filtered = await QueryAllAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {key} and RowKey eq {key}"));
        Assert.Single(filtered);

        Assert.Equal(204, (await Table.DeleteEntityAsync(key, key, read.ETag)).Status);
    }

    [Fact]
    public async Task Getters_convert_losslessly_between_numeric_and_date_types()
    {
        await Table.AddEntityAsync(new TableEntity("pk", "rk") { ["Small"] = 5, ["Big"] = 6L, ["Moment"] = SomeMoment });
        var read = (await Table.GetEntityAsync<TableEntity>("pk", "rk")).Value;

        Assert.Equal(5L, read.GetInt64("Small"));
        Assert.Equal(6, read.GetInt32("Big"));
        Assert.Equal(5.0, read.GetDouble("Small"));
        Assert.Equal(SomeMoment.UtcDateTime, read.GetDateTime("Moment"));
        Assert.Null(read.GetString("Missing"));
        Assert.Null(read.GetInt32("Missing"));
        Assert.Throws<InvalidOperationException>(() => read.GetString("Small"));
        Assert.Throws<InvalidOperationException>(() => read.GetBoolean("Moment"));
        Assert.Throws<InvalidOperationException>(() => new TableEntity { ["Huge"] = long.MaxValue }.GetInt32("Huge"));
    }

    [Fact]
    public async Task GetEntity_on_a_missing_row_throws_404()
    {
        var error = await Assert.ThrowsAsync<RequestFailedException>(() => Table.GetEntityAsync<TableEntity>("pk", "missing"));
        Assert.Equal(404, error.Status);
        Assert.Equal("ResourceNotFound", error.ErrorCode);
    }

    [Fact]
    public async Task GetEntityIfExists_on_a_missing_row_has_no_value()
    {
        var missing = await Table.GetEntityIfExistsAsync<Everything>("pk", "missing");
        Assert.False(missing.HasValue);
        Assert.Equal(404, missing.GetRawResponse().Status);
        Assert.Throws<InvalidOperationException>(() => missing.Value);

        await Table.AddEntityAsync(new Everything { PartitionKey = "pk", RowKey = "present", Int32 = 3 });
        var present = await Table.GetEntityIfExistsAsync<Everything>("pk", "present");
        Assert.True(present.HasValue);
        Assert.Equal(3, present.Value!.Int32);
    }

    [Fact]
    public async Task Poco_without_parameterless_constructor_fails_clearly()
    {
        await Table.AddEntityAsync(new TableEntity("pk", "rk"));
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Table.GetEntityAsync<NoDefaultConstructor>("pk", "rk"));
        Assert.Contains("parameterless constructor", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unsupported_property_type_fails_before_sending()
    {
        await Assert.ThrowsAsync<NotSupportedException>(() => Table.AddEntityAsync(new TableEntity("pk", "rk") { ["Money"] = 1.5m }));
        await Assert.ThrowsAsync<NotSupportedException>(() => Table.AddEntityAsync(new WithUnsupportedProperty { PartitionKey = "pk", RowKey = "rk" }));
    }

    [Fact]
    public async Task Dates_before_1601_are_rejected_as_Azure_does()
    {
        var error = await Assert.ThrowsAsync<RequestFailedException>(() => Table.AddEntityAsync(new TableEntity("pk", "rk") { ["When"] = default(DateTime) }));
        Assert.Equal(400, error.Status);
        Assert.Equal("OutOfRangeInput", error.ErrorCode);

        await Assert.ThrowsAsync<RequestFailedException>(() => Table.UpsertEntityAsync(new Everything { PartitionKey = "pk", RowKey = "rk", Moment = default }));
        await Table.AddEntityAsync(new TableEntity("pk", "rk") { ["When"] = new DateTime(1601, 1, 1, 0, 0, 0, DateTimeKind.Utc) });
    }

    [Fact]
    public async Task Entities_need_both_keys()
    {
        await Assert.ThrowsAsync<ArgumentNullException>(() => Table.AddEntityAsync(new TableEntity { ["V"] = 1 }));
        await Assert.ThrowsAsync<ArgumentNullException>(() => Table.UpsertEntityAsync(new Everything { PartitionKey = "pk", RowKey = null! }));
    }

    public sealed class Everything : ITableEntity
    {
        public string PartitionKey { get; set; } = string.Empty;

        public string RowKey { get; set; } = string.Empty;

        public DateTimeOffset? Timestamp { get; set; }

        public ETag ETag { get; set; }

        public string? Text { get; set; }

        public int Int32 { get; set; }

        public long Int64 { get; set; }

        public double Double { get; set; }

        public bool Flag { get; set; }

        // Table Storage rejects dates before 1601, such as an unset DateTime: give them a storable default.
        public DateTimeOffset Moment { get; set; } = DateTimeOffset.UnixEpoch;

        public DateTime Date { get; set; } = DateTime.UnixEpoch;

        public Guid Id { get; set; }

        public byte[]? Bytes { get; set; }

        public BinaryData? Data { get; set; }

        public Colour Colour { get; set; }

        public int? NullableInt32 { get; set; }

        public long? NullableInt64 { get; set; }

        public double? NullableDouble { get; set; }

        public bool? NullableFlag { get; set; }

        public DateTimeOffset? NullableMoment { get; set; }

        public DateTime? NullableDate { get; set; }

        public Guid? NullableId { get; set; }

        public Colour? NullableColour { get; set; }

        [DataMember(Name = "other_name")]
        public string? Renamed { get; set; }

        [IgnoreDataMember]
        public string? Ignored { get; set; }

        // Read-only: neither stored nor read.
        public string Computed => PartitionKey + RowKey;
    }

    public sealed class NoDefaultConstructor(string partitionKey) : ITableEntity
    {
        public string PartitionKey { get; set; } = partitionKey;

        public string RowKey { get; set; } = string.Empty;

        public DateTimeOffset? Timestamp { get; set; }

        public ETag ETag { get; set; }
    }

    public sealed class WithUnsupportedProperty : ITableEntity
    {
        public string PartitionKey { get; set; } = string.Empty;

        public string RowKey { get; set; } = string.Empty;

        public DateTimeOffset? Timestamp { get; set; }

        public ETag ETag { get; set; }

        public List<string> Tags { get; set; } = [];
    }
}
