// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ILeaseEscrow} from "./ILeaseEscrow.sol";

/// @title Gridlease auto top-up
/// @notice A renter opts a running lease into automatic extensions within a policy it sets: keep at
///         least `minSecondsLeft` of service left, spend at most `maxTotalSpend` in total through this
///         contract, never at a price above `maxPricePerGpuHour`, optionally at most `maxHoursPerTopUp`
///         hours per call. Anyone (a keeper, the notifier, the renter's own bot) may call `topUp`; the
///         money comes from the renter's allowance to this contract and goes straight into the lease's
///         deposit through `LeaseEscrow.extend`, so a caller can only ever buy the renter more time,
///         within the renter's limits. The contract holds no funds between calls.
interface ILeaseTopUps {
    /// @notice A lease's auto top-up policy and what was spent through it.
    /// @param maxTotalSpend cap on everything this contract ever spends for the lease (token units);
    ///        zero when no policy is set or it was revoked
    /// @param spent what this contract has spent for the lease so far (kept across policy changes
    ///        and revocations, so raising or re-setting a cap never resets the count)
    /// @param minSecondsLeft a top-up is due once less than this much time is left; zero when disabled
    /// @param maxHoursPerTopUp most hours one top-up buys; zero for "as many as needed"
    /// @param maxPricePerGpuHour no top-up happens while the offer's price is above this
    struct Policy {
        uint96 maxTotalSpend;
        uint96 spent;
        uint32 minSecondsLeft;
        uint32 maxHoursPerTopUp;
        uint256 maxPricePerGpuHour;
    }

    /// @notice What a renter sets; `spent` is the contract's to keep.
    struct PolicyParams {
        uint32 minSecondsLeft;
        uint32 maxHoursPerTopUp;
        uint96 maxTotalSpend;
        uint256 maxPricePerGpuHour;
    }

    /// @notice The caller is not the renter of the lease (only the renter sets or revokes its policy).
    error NotRenter(uint256 leaseId, address caller);
    /// @notice A policy field that must be non-zero is zero (`field` names it).
    error InvalidPolicy(string field);
    /// @notice A policy can only be set on a pending or running lease.
    error LeaseNotOpen(uint256 leaseId, ILeaseEscrow.LeaseStatus status);
    /// @notice No policy is in force for the lease (never set, or revoked by the renter).
    error TopUpNotEnabled(uint256 leaseId);
    /// @notice Top-ups extend running leases only (not pending, disputed or closed ones).
    error LeaseNotActive(uint256 leaseId, ILeaseEscrow.LeaseStatus status);
    /// @notice The lease's time already ran out; it can no longer be extended.
    error LeaseAlreadyEnded(uint256 leaseId, uint64 endsAt);
    /// @notice Enough time is left: a top-up is due only below `minSecondsLeft`.
    error TopUpNotNeeded(uint256 leaseId, uint256 secondsLeft, uint256 minSecondsLeft);
    /// @notice The offer's current price is above the renter's limit.
    error PriceAboveLimit(uint256 leaseId, uint256 pricePerGpuHour, uint256 maxPricePerGpuHour);
    /// @notice Not even one more hour fits the renter's remaining budget.
    error SpendCapReached(uint256 leaseId, uint256 costOfOneHour, uint256 remaining);
    /// @notice The lease already runs for the offer's maximum hours.
    error OfferMaxHoursReached(uint256 leaseId, uint32 maxHours);
    /// @notice The renter's allowance to this contract does not cover the top-up.
    error AllowanceTooLow(address renter, uint256 allowance, uint256 needed);

    /// @notice The renter set (or replaced) the lease's policy.
    event PolicySet(
        uint256 indexed leaseId,
        address indexed renter,
        uint32 minSecondsLeft,
        uint32 maxHoursPerTopUp,
        uint96 maxTotalSpend,
        uint256 maxPricePerGpuHour
    );
    /// @notice The renter revoked the lease's policy; `spent` is what was spent through it until then.
    event PolicyRevoked(uint256 indexed leaseId, address indexed renter, uint96 spent);
    /// @notice `caller` extended the lease by `extraHours` for `cost`, paid by the renter.
    event LeaseToppedUp(
        uint256 indexed leaseId,
        address indexed caller,
        uint32 extraHours,
        uint256 cost,
        uint96 totalSpent,
        uint64 endsAt
    );

    /// @notice Opts a lease into auto top-up, or replaces its policy.
    /// @dev Requirements:
    ///      - the caller is the lease's renter;
    ///      - the lease is pending or active;
    ///      - `minSecondsLeft`, `maxTotalSpend` and `maxPricePerGpuHour` are non-zero.
    ///      The renter must also approve this contract for the payment token (at least the cap).
    function setPolicy(uint256 leaseId, PolicyParams calldata params) external;

    /// @notice Stops auto top-ups of a lease at once; what was spent stays recorded.
    /// @dev Requirements: the caller is the lease's renter; a policy is in force.
    function revoke(uint256 leaseId) external;

    /// @notice Extends a lease whose time left fell below its policy's threshold, by the whole hours
    ///         that bring it back to at least `minSecondsLeft` (at least one), fewer if the offer's
    ///         maximum hours, `maxHoursPerTopUp` or the remaining budget allow fewer. Pulls exactly
    ///         gpus × hours × current price from the renter. Anyone may call.
    /// @dev Requirements:
    ///      - a policy is in force, the lease is active and has not ended;
    ///      - less than `minSecondsLeft` is left;
    ///      - the offer is on sale at a price not above `maxPricePerGpuHour`;
    ///      - at least one hour fits the offer's maximum and the remaining budget;
    ///      - the renter's allowance and balance cover the cost.
    /// @return extraHours hours bought
    /// @return cost what the renter paid
    function topUp(uint256 leaseId) external returns (uint32 extraHours, uint256 cost);

    /// @notice What `topUp` would buy now, with the same checks (reverts with the same errors), so a
    ///         keeper can tell a due lease from one that is not without sending a transaction.
    function previewTopUp(uint256 leaseId) external view returns (uint32 extraHours, uint256 cost);

    /// @notice The lease's policy and its spend so far (all zero but `spent` when none is in force).
    function policyOf(uint256 leaseId) external view returns (Policy memory);

    function escrow() external view returns (address);
}
