namespace PsaSync.Core.Ingress;

/// <summary>What the store of seen signatures knew about a signature when the edge claimed it.</summary>
public enum SignatureSighting
{
    /// <summary>Not seen inside its window: this call goes on (and the signature is now claimed).</summary>
    First,

    /// <summary>The same signed request was already accepted: a replay, answered 202 without queueing anything.</summary>
    SeenAccepted,

    /// <summary>The same signed request is being accepted right now by another call: answered 409.</summary>
    SeenPending,
}

/// <summary>
/// The webhook signatures seen inside the signature window, shared by every instance of the edge (Table Storage,
/// insert-if-absent), so an identical signed request sent again inside the window is recognised as a replay. A
/// claim lasts until <c>expiresAt</c>; after that the verifier refuses the timestamp as stale anyway.
/// </summary>
public interface ISeenSignatures
{
    Task<SignatureSighting> ClaimAsync(string source, string signature, DateTimeOffset expiresAt, CancellationToken cancellationToken);

    /// <summary>The claimed call was queued: later sightings are replays of an accepted call.</summary>
    Task MarkAcceptedAsync(string source, string signature, CancellationToken cancellationToken);

    /// <summary>The claimed call was not accepted: the sender may send the same signed request again.</summary>
    Task ForgetAsync(string source, string signature, CancellationToken cancellationToken);
}
