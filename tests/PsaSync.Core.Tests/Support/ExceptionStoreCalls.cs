using NSubstitute;
using PsaSync.Core.Exceptions;

namespace PsaSync.Core.Tests.Support;

/// <summary>What handler tests read off a substituted exception store.</summary>
internal static class ExceptionStoreCalls
{
    /// <summary>The one exception item the handler raised; fails when it raised none or several.</summary>
    public static NewException SingleRaised(this IExceptionStore substitute)
    {
        var call = Assert.Single(substitute.ReceivedCalls(), c => c.GetMethodInfo().Name == nameof(IExceptionStore.RaiseAsync));
        return (NewException)call.GetArguments()[0]!;
    }
}
