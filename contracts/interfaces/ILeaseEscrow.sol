// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ILeaseLiveness} from "./ILeaseLiveness.sol";

/// @title Gridlease lease escrow
/// @notice Holds renters' prepayments and streams them to providers per second, with disputes,
///         a protocol fee and pull balances for payouts that could not be pushed.
interface ILeaseEscrow {
    enum LeaseStatus {
        None,
        Pending,
        Active,
        Disputed,
        Closed,
        /// An outage is reported (LeaseLiveness) and awaits refutation; accrual is frozen at its cutoff.
        Suspended
    }

    enum CloseReason {
        None,
        Completed,
        CancelledByRenter,
        NotAccepted,
        DisputeResolved,
        ProviderFault,
        /// An outage report stood unrefuted through its challenge window (LeaseLiveness).
        ProviderOffline
    }

    /// @notice What LeaseLiveness asks of the escrow through `setOutage`.
    enum OutageAction {
        None,
        /// Active → Suspended, accrual frozen at the cutoff.
        Suspend,
        /// Suspended → Active (the provider refuted): accrual runs again as if never frozen.
        Resume,
        /// Suspended → Closed as ProviderOffline, paid up to the cutoff, the no-show slash to the renter.
        Close
    }

    /// @notice A lease as seen from outside; `pricePerGpuHour` and `endsAt` are derived.
    struct Lease {
        uint256 offerId;
        address renter;
        address provider;
        address token;
        uint16 gpus;
        uint32 durationHours;
        uint256 pricePerGpuHour;
        uint256 deposit;
        uint256 paidGross;
        uint16 feeBps;
        uint64 acceptDeadline;
        uint64 acceptedAt;
        uint64 endsAt;
        uint64 disputedAt;
        LeaseStatus status;
        CloseReason closeReason;
    }

    /// @notice Constructor parameters.
    struct Config {
        address admin;
        uint48 adminDelay;
        address treasury;
        uint16 feeBps;
        uint64 acceptWindow;
        uint64 disputeGrace;
        uint64 disputeTimeout;
        SlashTerms slash;
        /// Windows and bond of the LeaseLiveness the escrow creates (immutable there).
        ILeaseLiveness.Config liveness;
    }

    /// @notice Terms fixed per lease at booking (L-5): a later admin change never reaches open leases.
    /// @param noShowSlashBps share of the deposit slashed when the provider lets the accept window pass
    /// @param disputeBondBps share of the deposit a renter puts up to open a dispute
    /// @param maxSlashPerLease most one lease can take from a stake, whatever the reason
    /// @param minSlashableDeposit bookings below this deposit never trigger the no-show slash
    struct SlashTerms {
        uint16 noShowSlashBps;
        uint16 disputeBondBps;
        uint64 maxSlashPerLease;
        uint64 minSlashableDeposit;
    }

    /// @notice A lease's fixed terms as stored (one slot).
    struct Terms {
        uint32 disputeGrace;
        uint32 disputeTimeout;
        uint16 noShowSlashBps;
        uint16 disputeBondBps;
        uint64 maxSlashPerLease;
        uint64 minSlashableDeposit;
    }

    error ZeroAddress();
    error TokenNotAllowed(address token);
    error UnsupportedToken(address token, uint256 expected, uint256 received);
    error InvalidGpuCount(uint16 gpus);
    error HoursOutOfRange(uint32 durationHours, uint32 minHours, uint32 maxHours);
    error PriceAboveMax(uint256 pricePerGpuHour, uint256 maxPricePerGpuHour);
    error DepositTooLarge(uint256 deposit);
    error UnknownLease(uint256 leaseId);
    error WrongStatus(uint256 leaseId, LeaseStatus status);
    error NotRenter(uint256 leaseId, address caller);
    error NotProvider(uint256 leaseId, address caller);
    error AcceptWindowClosed(uint256 leaseId, uint64 acceptDeadline);
    error AcceptWindowOpen(uint256 leaseId, uint64 acceptDeadline);
    error LeaseEnded(uint256 leaseId, uint64 endsAt);
    error LeaseNotEnded(uint256 leaseId, uint64 endsAt);
    error NothingToClaim(uint256 leaseId);
    error ZeroExtension();
    error DisputeWindowClosed(uint256 leaseId, uint64 closesAt);
    error DisputeTimeoutNotReached(uint256 leaseId, uint64 finalizableAt);
    error SplitMismatch(uint256 renterAmount, uint256 providerAmount, uint256 remaining);
    error NothingToWithdraw(address account, address token);
    error NothingToSweep();
    error FeeTooHigh(uint16 feeBps, uint16 maxFeeBps);
    error InvalidDuration(string name, uint64 value);
    error InvalidBps(string name, uint16 value);
    error SlashAboveCap(uint256 leaseId, uint256 slashAmount, uint256 maxSlashPerLease);
    error OfferNotBookable(uint256 offerId);
    error InvalidTreasury(address treasury);
    /// @notice Only the escrow's own LeaseLiveness may call the outage hook.
    error NotLiveness(address caller);

    event LeaseBooked(
        uint256 indexed leaseId,
        uint256 indexed offerId,
        address indexed renter,
        address provider,
        address token,
        uint16 gpus,
        uint32 durationHours,
        uint256 pricePerGpuHour,
        uint256 deposit,
        uint64 acceptDeadline,
        bytes encryptedRequest
    );
    event LeaseAccepted(
        uint256 indexed leaseId,
        address indexed provider,
        uint64 acceptedAt,
        uint64 endsAt,
        bytes encryptedAccess
    );
    event LeaseExtended(uint256 indexed leaseId, uint32 extraHours, uint256 extraDeposit, uint64 endsAt);
    event EarningsClaimed(uint256 indexed leaseId, address indexed provider, uint256 gross, uint256 fee);
    /// @notice Lifetime totals: providerTotal (net of fee) + renterRefund + feeTotal == deposit.
    event LeaseClosed(
        uint256 indexed leaseId,
        CloseReason reason,
        uint256 providerTotal,
        uint256 renterRefund,
        uint256 feeTotal
    );
    event DisputeOpened(
        uint256 indexed leaseId, address indexed renter, bytes32 evidenceHash, string evidenceURI, uint256 bond
    );
    event DisputeResolved(
        uint256 indexed leaseId,
        address indexed arbiter,
        uint256 renterAmount,
        uint256 providerAmount,
        uint256 slashAmount
    );
    event DisputeFinalized(uint256 indexed leaseId, uint256 renterAmount, uint256 providerAmount);
    /// @notice The provider's answer to a dispute, for the arbiter.
    event DisputeAnswered(uint256 indexed leaseId, address indexed provider, bytes32 evidenceHash, string evidenceURI);
    /// @notice Where a dispute bond went: back to the renter (arbiter agreed, or nobody ruled) or to the provider.
    event DisputeBondSettled(uint256 indexed leaseId, address indexed to, uint256 amount);
    event PayoutDeferred(address indexed account, address indexed token, uint256 amount);
    event Withdrawn(address indexed account, address indexed token, uint256 amount);
    event FeeUpdated(uint16 oldBps, uint16 newBps);
    event TreasuryUpdated(address oldTreasury, address newTreasury);
    event TokenAllowlistUpdated(address token, bool allowed);
    event AcceptWindowUpdated(uint64 oldWindow, uint64 newWindow);
    /// @notice New terms for leases booked from now on; open leases keep the version they were booked under.
    event TermsUpdated(uint256 indexed termsId, Terms terms);
    event FeesSwept(address indexed treasury, uint256 amount);

    /// @notice Books `gpus` units of an offer for `durationHours`, pulling gpus × price × hours into escrow.
    /// @param maxPricePerGpuHour reverts if the offer's price is higher when the transaction lands
    /// @param encryptedRequest sealed box for the provider (see docs/protocol.md)
    function book(
        uint256 offerId,
        uint16 gpus,
        uint32 durationHours,
        uint256 maxPricePerGpuHour,
        bytes calldata encryptedRequest
    ) external returns (uint256 leaseId);

    /// @notice `book` with an EIP-2612 permit for the deposit, in one transaction.
    function bookWithPermit(
        uint256 offerId,
        uint16 gpus,
        uint32 durationHours,
        uint256 maxPricePerGpuHour,
        bytes calldata encryptedRequest,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external returns (uint256 leaseId);

    /// @notice Provider accepts a pending lease up to and including its accept deadline; billing starts now.
    function accept(uint256 leaseId, bytes calldata encryptedAccess) external;

    /// @notice Provider declines a pending lease; the renter gets everything back. After the accept
    ///         window this closes as NotAccepted and applies the no-show slash, as `reclaim` would (M-1).
    function decline(uint256 leaseId) external;

    /// @notice Renter takes back a lease the provider did not accept in time; the provider is slashed.
    function reclaim(uint256 leaseId) external;

    /// @notice Provider collects accrued earnings (minus fee); after the end this also closes the lease.
    function claim(uint256 leaseId) external;

    /// @notice Prepays more hours at the offer's *current* price, which must not exceed
    ///         `maxPricePerGpuHour`, while the offer is active and before the lease ends. The lease then
    ///         streams its whole deposit evenly over its whole duration (a blended rate).
    ///         Requirements: none on the caller. Whoever pays (the renter, or a keeper such as
    ///         LeaseTopUps acting within the renter's cap) adds to the renter's deposit; every refund goes
    ///         to the renter, whose refund at any moment is never smaller than without the extension.
    function extend(uint256 leaseId, uint32 extraHours, uint256 maxPricePerGpuHour) external;

    /// @notice Renter ends a pending or running lease: the provider keeps what accrued, the renter gets the rest.
    ///         A pending lease is withdrawn with a full refund; after its accept window it closes as
    ///         NotAccepted with the no-show slash instead.
    function cancel(uint256 leaseId) external;

    /// @notice Anyone closes a lease whose time ran out, paying the provider the remainder.
    function complete(uint256 leaseId) external;

    /// @notice Renter disputes a running lease (or one that ended less than `disputeGrace` ago); accrual freezes.
    ///         Pulls the dispute bond (`disputeBondBps` of the deposit, fixed at booking) from the renter.
    function openDispute(uint256 leaseId, bytes32 evidenceHash, string calldata evidenceURI) external;

    /// @notice Provider answers an open dispute with its own evidence (an event for the arbiter).
    function answerDispute(uint256 leaseId, bytes32 evidenceHash, string calldata evidenceURI) external;

    /// @notice Arbiter splits the unpaid remainder, optionally slashes the provider's stake to the renter
    ///         (at most the lease's `maxSlashPerLease`), and sends the bond back to the renter when it
    ///         agrees with the renter (`renterRight`), to the provider otherwise.
    function resolveDispute(
        uint256 leaseId,
        uint256 renterAmount,
        uint256 providerAmount,
        uint256 slashAmount,
        bool renterRight
    ) external;

    /// @notice Anyone settles a dispute no arbiter resolved within `disputeTimeout`, as if cancelled when
    ///         opened; the bond goes back to the renter (nobody ruled against them).
    function finalizeDispute(uint256 leaseId) external;

    /// @notice Anyone moves the accrued protocol fees to the treasury (push, or its pull balance if blocked).
    function sweepFees() external;

    /// @notice Pulls payouts that could not be pushed to the caller.
    function withdraw(address token) external;

    /// @notice Pulls the caller's payouts to another address (L-2: a blocklisted account can still recover them).
    function withdrawTo(address token, address to) external;

    /// @notice The outage hook, callable only by `liveness()` (see ILeaseLiveness).
    /// @dev Requirements: the caller is `liveness()`;
    ///      - Suspend: the lease is Active and `cutoff` is before its end (it may be past its end, not yet
    ///        closed); the lease becomes Suspended with accrual frozen at `cutoff`;
    ///      - Resume: the lease is Suspended; it becomes Active again (accrual no longer frozen);
    ///      - Close: the lease is Suspended; it closes as ProviderOffline, the provider keeping the
    ///        larger of what accrued until the cutoff and what it already claimed, and the renter
    ///        receiving the rest and the lease's no-show slash.
    /// @return renter the lease's renter
    /// @return provider the lease's provider
    /// @return deposit the lease's deposit (LeaseLiveness sizes the report bond by it)
    function setOutage(uint256 leaseId, OutageAction action, uint64 cutoff)
        external
        returns (address renter, address provider, uint256 deposit);

    /// @notice The LeaseLiveness this escrow created in its constructor; the only caller of `setOutage`.
    function liveness() external view returns (address);

    function getLease(uint256 leaseId) external view returns (Lease memory);

    /// @notice Gross amount earned by the provider so far (including what was already claimed).
    function accrued(uint256 leaseId) external view returns (uint256);

    /// @notice Gross amount the provider could claim now.
    function claimable(uint256 leaseId) external view returns (uint256);

    function withdrawable(address account, address token) external view returns (uint256);

    function nextLeaseId() external view returns (uint256);

    function feeBps() external view returns (uint16);

    function treasury() external view returns (address);

    function acceptWindow() external view returns (uint64);

    function disputeTimeout() external view returns (uint64);

    function disputeGrace() external view returns (uint64);

    /// @notice Terms that leases booked now get.
    function currentTerms() external view returns (Terms memory);

    /// @notice Terms a lease was booked under.
    function leaseTerms(uint256 leaseId) external view returns (Terms memory);

    /// @notice What the no-show slash of this lease would take (before the stake bound).
    function noShowSlash(uint256 leaseId) external view returns (uint256);

    /// @notice The bond held for a lease's open dispute (zero when none).
    function disputeBond(uint256 leaseId) external view returns (uint256);

    /// @notice Fees taken so far and not yet swept to the treasury.
    function feesAccrued() external view returns (uint96);

    function isTokenAllowed(address token) external view returns (bool);

    function paymentToken() external view returns (address);

    function registry() external view returns (address);
}
