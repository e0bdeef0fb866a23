// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title Gridlease lease liveness
/// @notice Stops billing for a lease whose provider went dark, with no arbiter: the renter (or a
///         watcher it approved) reports an outage with a bond, which freezes accrual at the cutoff
///         (the last heartbeat plus a grace); the provider's agent refutes it within a challenge
///         window with a proof only it can make after the report (an EIP-712 signature over the lease
///         and a block hash newer than the report), or anyone settles it after the window: the lease
///         closes as ProviderOffline, the renter gets everything from the cutoff back, and the
///         provider pays the lease's no-show slash. A refuted report's bond goes to the provider.
///         Created by the LeaseEscrow in its constructor, so the escrow's hook only ever answers this
///         contract. See docs/protocol.md, "Liveness".
interface ILeaseLiveness {
    enum OutageStatus {
        None,
        /// Reported and awaiting refutation; the lease is Suspended, accrual frozen at the cutoff.
        Reported,
        /// The provider proved it was alive; the lease runs again and the bond went to the provider.
        Refuted,
        /// Unrefuted after the window; the lease closed as ProviderOffline, the bond went back.
        Settled
    }

    /// @notice Windows and bond, fixed at deployment (immutables).
    /// @param challengeWindow seconds after the report in which the provider may refute
    /// @param grace seconds after the last heartbeat that the provider is still paid for
    /// @param maxOutageAge how far back `lastSeen` may lie: the most pay a lying renter can take
    ///        from a provider that really is dark (a live one refutes)
    /// @param bondBps the report bond as a share of the lease deposit
    /// @param minBond the least bond, whatever the deposit, so that griefing reports always cost
    struct Config {
        uint32 challengeWindow;
        uint32 grace;
        uint32 maxOutageAge;
        uint16 bondBps;
        uint96 minBond;
    }

    /// @notice The latest outage report of a lease (one open at a time; a refuted one may be followed
    ///         by a new report).
    struct Outage {
        address reporter;
        uint64 lastSeen;
        address provider;
        /// lastSeen + grace: the moment accrual stops
        uint64 cutoff;
        /// the report time plus the challenge window
        uint64 refutableUntil;
        uint96 bond;
        /// the block the report landed in: a proof must be over a later block
        uint64 reportBlock;
        OutageStatus status;
    }

    /// @notice The caller is neither the lease's renter nor a reporter the renter approved.
    error NotReporter(uint256 leaseId, address caller);
    /// @notice An outage of this lease is already reported and not yet refuted or settled.
    error OutageAlreadyReported(uint256 leaseId);
    /// @notice No outage of this lease awaits refutation or settlement.
    error NoOpenOutage(uint256 leaseId);
    /// @notice `lastSeen` lies further back than `maxOutageAge`.
    error OutageTooOld(uint64 lastSeen, uint64 oldestAllowed);
    /// @notice `lastSeen + grace` is still in the future: the provider is within its grace.
    error CutoffInFuture(uint64 cutoff);
    /// @notice The provider may still refute until `refutableUntil`; settle after it.
    error ChallengeWindowOpen(uint256 leaseId, uint64 refutableUntil);
    /// @notice The challenge window closed at `refutableUntil`; the report can only be settled.
    error ChallengeWindowClosed(uint256 leaseId, uint64 refutableUntil);
    /// @notice The proof is over a block at or before the report's, so it could predate the report.
    error StaleProof(uint256 blockNumber, uint256 reportBlock);
    /// @notice The chain no longer (or not yet) knows this block's hash: only the last 256 blocks count.
    error UnknownBlockHash(uint256 blockNumber);
    /// @notice The signature is not the lease provider's (`signer` is the address it must come from).
    error InvalidLivenessProof(uint256 leaseId, address signer);
    /// @notice A deployment parameter is out of range.
    error InvalidLivenessConfig(string name, uint256 value);
    /// @notice The caller has no deferred bond payout to withdraw.
    error NoBondToWithdraw(address account);
    /// @notice The zero address was given where an account is needed.
    error ZeroRecipient();

    /// @notice `renter` let `reporter` report outages of all its leases (or revoked it).
    event ReporterApproved(address indexed renter, address indexed reporter, bool approved);
    /// @notice An outage was reported: the lease is Suspended, accrual frozen at `cutoff`.
    event OutageReported(
        uint256 indexed leaseId,
        address indexed reporter,
        uint64 lastSeen,
        uint64 cutoff,
        uint256 bond,
        uint64 refutableUntil
    );
    /// @notice The provider proved it was alive after the report: the lease runs again, the bond went to it.
    event OutageRefuted(uint256 indexed leaseId, address indexed provider, uint256 proofBlock, uint256 bond);
    /// @notice The report stood: the lease closed as ProviderOffline, the bond went back to the reporter.
    event OutageSettled(uint256 indexed leaseId, address indexed reporter, uint256 bondReturned);
    /// @notice A bond could not be pushed to `account` (e.g. a blocklisted address); it can be withdrawn.
    event BondPayoutDeferred(address indexed account, uint256 amount);
    /// @notice `account` withdrew its deferred bond payouts to `to`.
    event BondWithdrawn(address indexed account, address indexed to, uint256 amount);

    /// @notice Lets `reporter` (e.g. the Gridlease watcher) report outages of every lease of the caller.
    /// @dev Requirements: `reporter` is not the zero address.
    function approveReporter(address reporter, bool approved) external;

    /// @notice Reports that the provider of `leaseId` has not been seen since `lastSeen`. Pulls the bond
    ///         (`bondOf(leaseId)`, approve it first) from the caller and suspends the lease: accrual
    ///         stops at `lastSeen + grace` unless the provider refutes within the challenge window.
    /// @dev Requirements:
    ///      - the caller is the renter or a reporter the renter approved;
    ///      - the lease is Active (not pending, disputed, suspended or closed) and no report is open;
    ///      - `lastSeen >= now - maxOutageAge` and `lastSeen + grace <= now`;
    ///      - `lastSeen + grace` is before the lease's end (an outage may straddle the end: a lease past
    ///        its end but not yet closed can still be reported for the dark time before the end).
    function reportOutage(uint256 leaseId, uint64 lastSeen) external;

    /// @notice Refutes an open report with the provider's liveness proof: an EIP-712
    ///         `Liveness(uint256 leaseId,uint256 blockNumber,bytes32 blockHash)` signature by the lease's
    ///         provider (an EOA or an ERC-1271 contract) in this contract's domain. Anyone may submit it.
    ///         The lease runs again and the bond goes to the provider.
    /// @dev Requirements:
    ///      - a report is open and the challenge window has not closed (`now <= refutableUntil`);
    ///      - `blockNumber` is after the report's block and among the last 256 blocks;
    ///      - `signature` is the provider's over this lease, `blockNumber` and that block's hash.
    function refuteOutage(uint256 leaseId, uint256 blockNumber, bytes calldata signature) external;

    /// @notice Settles an unrefuted report after the challenge window; anyone may call it. The lease
    ///         closes as ProviderOffline: the provider keeps what accrued until the cutoff (or what it
    ///         already claimed, if more), the renter gets the rest plus the lease's no-show slash, and
    ///         the bond goes back to the reporter.
    /// @dev Requirements: a report is open and `now > refutableUntil`.
    function settleOutage(uint256 leaseId) external;

    /// @notice Pulls bond payouts that could not be pushed to the caller, to `to`.
    /// @dev Requirements: `to` is not the zero address; the caller has a deferred payout.
    function withdrawBond(address to) external;

    /// @notice The latest outage report of `leaseId` (status None if there never was one).
    function outage(uint256 leaseId) external view returns (Outage memory);

    /// @notice The bond a report on `leaseId` costs now: `bondBps` of the deposit, at least `minBond`.
    function bondOf(uint256 leaseId) external view returns (uint256);

    function isApprovedReporter(address renter, address reporter) external view returns (bool);

    /// @notice Bond payouts waiting for `account` (pushes that failed).
    function withdrawableBond(address account) external view returns (uint256);

    /// @notice The EIP-712 digest the provider signs for a proof over `blockNumber` (its hash as now known).
    function livenessDigest(uint256 leaseId, uint256 blockNumber) external view returns (bytes32);

    function escrow() external view returns (address);

    function token() external view returns (address);

    function challengeWindow() external view returns (uint64);

    function grace() external view returns (uint64);

    function maxOutageAge() external view returns (uint64);

    function bondBps() external view returns (uint16);

    function minBond() external view returns (uint256);
}
