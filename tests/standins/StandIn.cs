namespace PsaSync.StandIns;

/// <summary>The one message every declaration-only member throws with.</summary>
internal static class StandIn
{
    public const string Message =
        "PsaSync offline profile: this is a declaration-only stand-in for an Azure package. It compiles the function apps for CI; " +
        "it cannot run them. Run the local runtime (./psasync demo), or build the production profile on a machine whose NuGet source has the Azure packages.";

    public static NotSupportedException NotAvailable() => new(Message);
}
