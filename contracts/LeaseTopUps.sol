// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ILeaseEscrow} from "./interfaces/ILeaseEscrow.sol";
import {ILeaseTopUps} from "./interfaces/ILeaseTopUps.sol";
import {IProviderRegistry} from "./interfaces/IProviderRegistry.sol";

/// @title LeaseTopUps
/// @notice Auto top-up of running leases within each renter's policy (see ILeaseTopUps). It has no
///         admin and no upgrade path: the only parties are the renter, who sets the limits, and
///         whoever calls `topUp`, who can do nothing but buy the renter time inside them.
contract LeaseTopUps is ILeaseTopUps, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    ILeaseEscrow private immutable _escrow;
    IProviderRegistry private immutable _registry;
    IERC20 private immutable _token;

    mapping(uint256 leaseId => Policy) private _policies;

    /// @dev Plan of one top-up, computed by the checks and carried out by `topUp`.
    struct Plan {
        address renter;
        uint32 extraHours;
        uint256 cost;
        uint64 endsAt;
    }

    constructor(ILeaseEscrow escrow_) {
        if (address(escrow_) == address(0)) revert ILeaseEscrow.ZeroAddress();
        _escrow = escrow_;
        _registry = IProviderRegistry(escrow_.registry());
        _token = IERC20(escrow_.paymentToken());
        // The escrow pulls each extension from this contract, which only ever holds what it pulled
        // from a renter for that same call; one standing approval saves an approval write per top-up.
        _token.forceApprove(address(escrow_), type(uint256).max);
    }

    /// @inheritdoc ILeaseTopUps
    function setPolicy(uint256 leaseId, PolicyParams calldata params) external nonReentrant {
        ILeaseEscrow.Lease memory lease = _escrow.getLease(leaseId);
        if (msg.sender != lease.renter) revert NotRenter(leaseId, msg.sender);
        if (lease.status != ILeaseEscrow.LeaseStatus.Pending && lease.status != ILeaseEscrow.LeaseStatus.Active) {
            revert LeaseNotOpen(leaseId, lease.status);
        }
        if (params.minSecondsLeft == 0) revert InvalidPolicy("minSecondsLeft");
        if (params.maxTotalSpend == 0) revert InvalidPolicy("maxTotalSpend");
        if (params.maxPricePerGpuHour == 0) revert InvalidPolicy("maxPricePerGpuHour");
        Policy storage policy = _policies[leaseId];
        policy.minSecondsLeft = params.minSecondsLeft;
        policy.maxHoursPerTopUp = params.maxHoursPerTopUp;
        policy.maxTotalSpend = params.maxTotalSpend;
        policy.maxPricePerGpuHour = params.maxPricePerGpuHour;
        emit PolicySet(
            leaseId,
            msg.sender,
            params.minSecondsLeft,
            params.maxHoursPerTopUp,
            params.maxTotalSpend,
            params.maxPricePerGpuHour
        );
    }

    /// @inheritdoc ILeaseTopUps
    function revoke(uint256 leaseId) external nonReentrant {
        // A closed lease can still be revoked: the renter's word ends the policy whatever the lease's state.
        address renter = _escrow.getLease(leaseId).renter;
        if (msg.sender != renter) revert NotRenter(leaseId, msg.sender);
        Policy storage policy = _policies[leaseId];
        if (policy.minSecondsLeft == 0) revert TopUpNotEnabled(leaseId);
        uint96 spent = policy.spent;
        // `spent` stays, so a later policy counts what this lease already cost.
        policy.minSecondsLeft = 0;
        policy.maxHoursPerTopUp = 0;
        policy.maxTotalSpend = 0;
        policy.maxPricePerGpuHour = 0;
        emit PolicyRevoked(leaseId, msg.sender, spent);
    }

    /// @inheritdoc ILeaseTopUps
    function topUp(uint256 leaseId) external nonReentrant returns (uint32 extraHours, uint256 cost) {
        Policy storage policy = _policies[leaseId];
        Plan memory plan = _plan(leaseId, policy);
        uint256 maxPrice = policy.maxPricePerGpuHour;
        // Effects before interactions: the spend is recorded before any token moves. The cap check in
        // `_plan` guarantees spent + cost ≤ maxTotalSpend < 2^96.
        uint96 totalSpent = policy.spent + uint96(plan.cost);
        policy.spent = totalSpent;
        emit LeaseToppedUp(leaseId, msg.sender, plan.extraHours, plan.cost, totalSpent, plan.endsAt);
        // A fee-on-transfer token cannot reach this point: the escrow refuses it at booking, so no lease exists.
        _token.safeTransferFrom(plan.renter, address(this), plan.cost);
        // The escrow charges gpus × hours × the current price, the same figure `_plan` read in this
        // transaction, and refunds only ever go to the renter.
        _escrow.extend(leaseId, plan.extraHours, maxPrice);
        return (plan.extraHours, plan.cost);
    }

    /// @inheritdoc ILeaseTopUps
    function previewTopUp(uint256 leaseId) external view returns (uint32 extraHours, uint256 cost) {
        Plan memory plan = _plan(leaseId, _policies[leaseId]);
        return (plan.extraHours, plan.cost);
    }

    /// @inheritdoc ILeaseTopUps
    function policyOf(uint256 leaseId) external view returns (Policy memory) {
        return _policies[leaseId];
    }

    /// @inheritdoc ILeaseTopUps
    function escrow() external view returns (address) {
        return address(_escrow);
    }

    /// @dev Every check of a top-up, in the order a renter would want to read the reason.
    function _plan(uint256 leaseId, Policy storage policy) private view returns (Plan memory plan) {
        uint256 minSecondsLeft = policy.minSecondsLeft;
        if (minSecondsLeft == 0) revert TopUpNotEnabled(leaseId);
        ILeaseEscrow.Lease memory lease = _escrow.getLease(leaseId);
        if (lease.status != ILeaseEscrow.LeaseStatus.Active) revert LeaseNotActive(leaseId, lease.status);
        if (block.timestamp >= lease.endsAt) revert LeaseAlreadyEnded(leaseId, lease.endsAt);
        uint256 secondsLeft = lease.endsAt - block.timestamp;
        if (secondsLeft >= minSecondsLeft) revert TopUpNotNeeded(leaseId, secondsLeft, minSecondsLeft);

        IProviderRegistry.Offer memory offer = _registry.getOffer(lease.offerId);
        if (offer.status != IProviderRegistry.OfferStatus.Active) revert ILeaseEscrow.OfferNotBookable(lease.offerId);
        uint256 price = offer.spec.pricePerGpuHour;
        if (price > policy.maxPricePerGpuHour) revert PriceAboveLimit(leaseId, price, policy.maxPricePerGpuHour);

        // Whole hours back to at least minSecondsLeft (rounded up, so never less than one) ...
        uint256 hoursWanted = (minSecondsLeft - secondsLeft + 1 hours - 1) / 1 hours;
        uint256 perTopUp = policy.maxHoursPerTopUp;
        if (perTopUp != 0 && hoursWanted > perTopUp) hoursWanted = perTopUp;
        // ... within the offer's maximum lease length ...
        if (lease.durationHours >= offer.spec.maxHours) revert OfferMaxHoursReached(leaseId, offer.spec.maxHours);
        uint256 room = offer.spec.maxHours - lease.durationHours;
        if (hoursWanted > room) hoursWanted = room;
        // ... and within the renter's remaining budget: fewer hours if only some fit, none is an error.
        uint256 costOfOneHour = uint256(lease.gpus) * price;
        uint256 remaining = policy.maxTotalSpend > policy.spent ? policy.maxTotalSpend - policy.spent : 0;
        uint256 affordable = remaining / costOfOneHour;
        if (affordable == 0) revert SpendCapReached(leaseId, costOfOneHour, remaining);
        if (hoursWanted > affordable) hoursWanted = affordable;

        plan.renter = lease.renter;
        plan.extraHours = uint32(hoursWanted); // ≤ the offer's maxHours, a uint32
        plan.cost = hoursWanted * costOfOneHour; // ≤ remaining < 2^96
        plan.endsAt = lease.endsAt + uint64(hoursWanted) * 1 hours;
        uint256 allowance = _token.allowance(plan.renter, address(this));
        if (allowance < plan.cost) revert AllowanceTooLow(plan.renter, allowance, plan.cost);
    }
}
