// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IProviderRegistry} from "./interfaces/IProviderRegistry.sol";
import {ILeaseEscrow} from "./interfaces/ILeaseEscrow.sol";
import {LeaseEscrowSettings} from "./LeaseEscrowSettings.sol";
import {StoredLease, LeaseTiming} from "./LeaseStorage.sol";
import {LeaseDisputes} from "./LeaseDisputes.sol";
import {LeaseExtensions} from "./LeaseExtensions.sol";
import {LeaseLiveness} from "./LeaseLiveness.sol";

/// @dev Resolves the payment token before the settings constructor needs it.
function _stakeTokenOf(IProviderRegistry registry_) view returns (IERC20) {
    if (address(registry_) == address(0)) revert ILeaseEscrow.ZeroAddress();
    return IERC20(registry_.stakeToken());
}

/// @title LeaseEscrow
/// @notice Prepaid GPU leases streamed to providers per second. Settlement is lazy: nothing is
///         stored per second, the owed amount is computed from the acceptance time when needed.
contract LeaseEscrow is LeaseEscrowSettings, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;

    uint16 private constant BPS = 10_000;
    using LeaseTiming for StoredLease;

    IProviderRegistry private immutable _registry;
    /// @dev Created here and immutable, so no admin can ever point the outage hook at another contract.
    address private immutable _liveness;

    mapping(uint256 leaseId => StoredLease) private _leases;
    mapping(address account => mapping(address token => uint256)) public withdrawable;

    constructor(IProviderRegistry registry_, Config memory config)
        LeaseEscrowSettings(_stakeTokenOf(registry_), config)
    {
        _registry = registry_;
        _liveness = address(new LeaseLiveness(this, _token, config.liveness));
    }

    // ---------------------------------------------------------------- booking

    /// @inheritdoc ILeaseEscrow
    function book(
        uint256 offerId,
        uint16 gpus,
        uint32 durationHours,
        uint256 maxPricePerGpuHour,
        bytes calldata encryptedRequest
    ) external nonReentrant whenNotPaused returns (uint256 leaseId) {
        return _book(offerId, gpus, durationHours, maxPricePerGpuHour, encryptedRequest);
    }

    /// @inheritdoc ILeaseEscrow
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
    ) external nonReentrant whenNotPaused returns (uint256 leaseId) {
        // Saturates like `book`'s guard does (L-4): "any price" must not overflow into a revert here.
        uint256 units = uint256(gpus) * durationHours;
        uint256 maxDeposit = units != 0 && maxPricePerGpuHour > type(uint256).max / units
            ? type(uint256).max
            : units * maxPricePerGpuHour;
        _tryPermit(maxDeposit, deadline, v, r, s);
        return _book(offerId, gpus, durationHours, maxPricePerGpuHour, encryptedRequest);
    }

    function _book(
        uint256 offerId,
        uint16 gpus,
        uint32 durationHours,
        uint256 maxPricePerGpuHour,
        bytes calldata encryptedRequest
    ) private returns (uint256 leaseId) {
        if (!_paymentTokenAllowed) revert TokenNotAllowed(address(_token));
        if (gpus == 0) revert InvalidGpuCount(gpus);
        IProviderRegistry.Reservation memory reservation = _registry.reserveUnits(offerId, gpus);
        if (reservation.pricePerGpuHour > maxPricePerGpuHour) {
            revert PriceAboveMax(reservation.pricePerGpuHour, maxPricePerGpuHour);
        }
        if (durationHours < reservation.minHours || durationHours > reservation.maxHours) {
            revert HoursOutOfRange(durationHours, reservation.minHours, reservation.maxHours);
        }
        uint256 deposit = uint256(gpus) * durationHours * reservation.pricePerGpuHour;
        if (deposit > type(uint96).max) revert DepositTooLarge(deposit);
        _pullExact(deposit);

        leaseId = _nextLeaseId++;
        uint64 acceptDeadline = uint64(block.timestamp) + _acceptWindow;
        StoredLease storage lease = _leases[leaseId];
        lease.renter = msg.sender;
        lease.acceptDeadline = uint40(acceptDeadline);
        lease.gpus = gpus;
        lease.status = LeaseStatus.Pending;
        // The registry caps maxHours at 24 bits, so this cannot truncate.
        lease.durationHours = uint24(durationHours);
        lease.deposit = uint96(deposit);
        lease.offerId = offerId.toUint32();
        lease.feeBps = _feeBps;
        lease.termsId = _termsId;
        _emitBooked(leaseId, lease, reservation, encryptedRequest);
    }

    /// @dev Separate frame: the event has more fields than `_book` has stack slots left.
    function _emitBooked(
        uint256 leaseId,
        StoredLease storage lease,
        IProviderRegistry.Reservation memory reservation,
        bytes calldata encryptedRequest
    ) private {
        emit LeaseBooked(
            leaseId,
            lease.offerId,
            lease.renter,
            reservation.provider,
            address(_token),
            lease.gpus,
            lease.durationHours,
            reservation.pricePerGpuHour,
            lease.deposit,
            lease.acceptDeadline,
            encryptedRequest
        );
    }

    // ---------------------------------------------------------------- pending leases

    /// @inheritdoc ILeaseEscrow
    function accept(uint256 leaseId, bytes calldata encryptedAccess) external nonReentrant {
        StoredLease storage lease = _leaseWithStatus(leaseId, LeaseStatus.Pending);
        address provider = _registry.offerProvider(lease.offerId);
        if (msg.sender != provider) revert NotProvider(leaseId, msg.sender);
        if (block.timestamp > lease.acceptDeadline) revert AcceptWindowClosed(leaseId, lease.acceptDeadline);
        uint64 acceptedAt = uint64(block.timestamp);
        lease.provider = provider;
        lease.acceptedAt = acceptedAt;
        lease.status = LeaseStatus.Active;
        emit LeaseAccepted(leaseId, msg.sender, acceptedAt, _endsAt(lease), encryptedAccess);
    }

    /// @inheritdoc ILeaseEscrow
    function decline(uint256 leaseId) external nonReentrant {
        StoredLease storage lease = _leaseWithStatus(leaseId, LeaseStatus.Pending);
        if (msg.sender != _registry.offerProvider(lease.offerId)) revert NotProvider(leaseId, msg.sender);
        _closePending(leaseId, lease, CloseReason.ProviderFault);
    }

    /// @inheritdoc ILeaseEscrow
    function reclaim(uint256 leaseId) external nonReentrant {
        StoredLease storage lease = _leaseWithStatus(leaseId, LeaseStatus.Pending);
        if (msg.sender != lease.renter) revert NotRenter(leaseId, msg.sender);
        if (block.timestamp <= lease.acceptDeadline) revert AcceptWindowOpen(leaseId, lease.acceptDeadline);
        _closePending(leaseId, lease, CloseReason.NotAccepted);
    }

    /// @dev Within the accept window a pending lease closes for `reason` with a full refund; after it,
    ///      whoever closes it, it is a no-show and the slash applies (M-1).
    function _closePending(uint256 leaseId, StoredLease storage lease, CloseReason reason) private {
        if (block.timestamp <= lease.acceptDeadline) {
            _close(leaseId, lease, reason, 0, 0, 0, 0);
        } else {
            _close(leaseId, lease, CloseReason.NotAccepted, 0, _noShowSlash(lease), 0, 0);
        }
    }

    // ---------------------------------------------------------------- running leases

    /// @inheritdoc ILeaseEscrow
    function claim(uint256 leaseId) external nonReentrant {
        StoredLease storage lease = _leaseWithStatus(leaseId, LeaseStatus.Active);
        if (msg.sender != lease.provider) revert NotProvider(leaseId, msg.sender);
        uint256 endsAt = _endsAt(lease);
        if (block.timestamp >= endsAt) {
            _close(leaseId, lease, CloseReason.Completed, _accruedGross(lease), 0, 0, 0);
            return;
        }
        uint256 owed = _accruedGross(lease);
        uint256 paid = lease.paidGross;
        if (owed == paid) revert NothingToClaim(leaseId);
        lease.paidGross = uint96(owed);
        uint256 fee = _feeOn(owed, lease.feeBps) - _feeOn(paid, lease.feeBps);
        emit EarningsClaimed(leaseId, msg.sender, owed - paid, fee);
        _payProviderAndTreasury(lease.provider, owed - paid - fee, fee);
    }

    /// @inheritdoc ILeaseEscrow
    function extend(uint256 leaseId, uint32 extraHours, uint256 maxPricePerGpuHour)
        external
        nonReentrant
        whenNotPaused
    {
        // Anyone may pay: the money joins the renter's deposit and any refund goes to the renter, so a
        // payer can only give (this is what lets a top-up keeper extend a lease within the renter's cap).
        StoredLease storage lease = _leaseWithStatus(leaseId, LeaseStatus.Active);
        if (extraHours == 0) revert ZeroExtension();
        uint64 endsAt = _endsAt(lease);
        if (block.timestamp >= endsAt) revert LeaseEnded(leaseId, endsAt);
        (uint256 extraDeposit, uint256 totalHours) =
            LeaseExtensions.quote(lease, _registry, extraHours, maxPricePerGpuHour);
        uint256 newDeposit = lease.deposit + extraDeposit;
        if (newDeposit > type(uint96).max) revert DepositTooLarge(newDeposit);
        _pullExact(extraDeposit);
        lease.deposit = uint96(newDeposit);
        lease.durationHours = uint24(totalHours);
        emit LeaseExtended(leaseId, extraHours, extraDeposit, _endsAt(lease));
    }

    /// @inheritdoc ILeaseEscrow
    function cancel(uint256 leaseId) external nonReentrant {
        StoredLease storage lease = _existingLease(leaseId);
        if (msg.sender != lease.renter) revert NotRenter(leaseId, msg.sender);
        if (lease.status == LeaseStatus.Pending) {
            _closePending(leaseId, lease, CloseReason.CancelledByRenter);
            return;
        }
        if (lease.status != LeaseStatus.Active) revert WrongStatus(leaseId, lease.status);
        uint64 endsAt = _endsAt(lease);
        if (block.timestamp >= endsAt) revert LeaseEnded(leaseId, endsAt);
        _close(leaseId, lease, CloseReason.CancelledByRenter, _accruedGross(lease), 0, 0, 0);
    }

    /// @inheritdoc ILeaseEscrow
    function complete(uint256 leaseId) external nonReentrant {
        StoredLease storage lease = _leaseWithStatus(leaseId, LeaseStatus.Active);
        uint64 endsAt = _endsAt(lease);
        if (block.timestamp < endsAt) revert LeaseNotEnded(leaseId, endsAt);
        _close(leaseId, lease, CloseReason.Completed, _accruedGross(lease), 0, 0, 0);
    }

    // ---------------------------------------------------------------- disputes

    // The rules of disputes live in the LeaseDisputes library (its own deployed contract, reached by
    // DELEGATECALL), which keeps this contract under the EIP-170 size limit; money moves only here.

    /// @inheritdoc ILeaseEscrow
    function openDispute(uint256 leaseId, bytes32 evidenceHash, string calldata evidenceURI) external nonReentrant {
        StoredLease storage lease = _leaseWithStatus(leaseId, LeaseStatus.Active);
        uint256 bond = LeaseDisputes.open(lease, _terms[lease.termsId], leaseId, evidenceHash, evidenceURI);
        if (bond != 0) _pullExact(bond);
    }

    /// @inheritdoc ILeaseEscrow
    function answerDispute(uint256 leaseId, bytes32 evidenceHash, string calldata evidenceURI) external {
        LeaseDisputes.answer(_leaseWithStatus(leaseId, LeaseStatus.Disputed), leaseId, evidenceHash, evidenceURI);
    }

    /// @inheritdoc ILeaseEscrow
    function resolveDispute(
        uint256 leaseId,
        uint256 renterAmount,
        uint256 providerAmount,
        uint256 slashAmount,
        bool renterRight
    ) external nonReentrant onlyRole(ARBITER_ROLE) {
        StoredLease storage lease = _leaseWithStatus(leaseId, LeaseStatus.Disputed);
        uint256 bond = LeaseDisputes.resolve(
            lease, _terms[lease.termsId], leaseId, renterAmount, providerAmount, slashAmount, renterRight
        );
        uint256 providerGross = lease.paidGross + providerAmount;
        if (renterRight) _close(leaseId, lease, CloseReason.DisputeResolved, providerGross, slashAmount, bond, 0);
        else _close(leaseId, lease, CloseReason.DisputeResolved, providerGross, slashAmount, 0, bond);
    }

    /// @inheritdoc ILeaseEscrow
    function finalizeDispute(uint256 leaseId) external nonReentrant {
        StoredLease storage lease = _leaseWithStatus(leaseId, LeaseStatus.Disputed);
        uint256 owed = _accruedGross(lease);
        uint256 bond = LeaseDisputes.finalize(lease, _terms[lease.termsId], leaseId, owed);
        _close(leaseId, lease, CloseReason.DisputeResolved, owed, 0, bond, 0);
    }

    // ---------------------------------------------------------------- liveness

    /// @inheritdoc ILeaseEscrow
    function setOutage(uint256 leaseId, OutageAction action, uint64 cutoff)
        external
        nonReentrant
        returns (address renter, address provider, uint256 deposit)
    {
        if (msg.sender != _liveness) revert NotLiveness(msg.sender);
        StoredLease storage lease =
            _leaseWithStatus(leaseId, action == OutageAction.Suspend ? LeaseStatus.Active : LeaseStatus.Suspended);
        renter = lease.renter;
        provider = lease.provider;
        deposit = lease.deposit;
        if (action == OutageAction.Suspend) {
            // An outage may straddle the end (the lease ran out but is not closed yet); one that began
            // after the end cost the renter nothing.
            uint64 endsAt = _endsAt(lease);
            if (cutoff >= endsAt) revert LeaseEnded(leaseId, endsAt);
            lease.status = LeaseStatus.Suspended;
            // The dispute's slot: both freeze accrual there, and a lease is never disputed and suspended at once.
            lease.disputedAt = cutoff;
        } else if (action == OutageAction.Resume) {
            lease.status = LeaseStatus.Active;
            lease.disputedAt = 0;
        } else {
            // Frozen at the cutoff; a provider that claimed after the cutoff but before the report keeps it.
            uint256 owed = _accruedGross(lease);
            uint256 paid = lease.paidGross;
            _close(leaseId, lease, CloseReason.ProviderOffline, owed > paid ? owed : paid, _noShowSlash(lease), 0, 0);
        }
    }

    // ---------------------------------------------------------------- pull payouts

    /// @inheritdoc ILeaseEscrow
    function withdraw(address token) external nonReentrant {
        _withdraw(token, msg.sender);
    }

    /// @inheritdoc ILeaseEscrow
    function withdrawTo(address token, address to) external nonReentrant {
        if (to == address(0)) revert ZeroAddress();
        _withdraw(token, to);
    }

    function _withdraw(address token, address to) private {
        uint256 amount = withdrawable[msg.sender][token];
        if (amount == 0) revert NothingToWithdraw(msg.sender, token);
        withdrawable[msg.sender][token] = 0;
        emit Withdrawn(msg.sender, token, amount);
        IERC20(token).safeTransfer(to, amount);
    }

    /// @inheritdoc ILeaseEscrow
    function sweepFees() external nonReentrant {
        uint256 amount = feesAccrued;
        if (amount == 0) revert NothingToSweep();
        feesAccrued = 0;
        address to = treasury;
        emit FeesSwept(to, amount);
        _pay(to, amount);
    }

    // ---------------------------------------------------------------- views

    function getLease(uint256 leaseId) external view returns (Lease memory) {
        StoredLease storage lease = _existingLease(leaseId);
        address provider = lease.provider == address(0) ? _registry.offerProvider(lease.offerId) : lease.provider;
        return LeaseDisputes.describe(lease, provider, address(_token));
    }

    function accrued(uint256 leaseId) external view returns (uint256) {
        StoredLease storage lease = _existingLease(leaseId);
        if (lease.status == LeaseStatus.Closed) return lease.paidGross;
        return _accruedGross(lease);
    }

    function claimable(uint256 leaseId) external view returns (uint256) {
        StoredLease storage lease = _existingLease(leaseId);
        if (lease.status != LeaseStatus.Active) return 0;
        return _accruedGross(lease) - lease.paidGross;
    }

    function liveness() external view returns (address) {
        return _liveness;
    }

    function registry() external view returns (address) {
        return address(_registry);
    }

    function leaseTerms(uint256 leaseId) external view returns (Terms memory) {
        return _terms[_existingLease(leaseId).termsId];
    }

    function noShowSlash(uint256 leaseId) external view returns (uint256) {
        return _noShowSlash(_existingLease(leaseId));
    }

    function disputeBond(uint256 leaseId) external view returns (uint256) {
        return _existingLease(leaseId).disputeBond;
    }

    // ---------------------------------------------------------------- internals

    /// @dev The moment accrual stops: the end of the lease, or the dispute if one is open.
    ///      Virtual only so that the invariant suite can plant an uncapped variant.
    function _accrualCutoff(StoredLease storage lease) internal view virtual returns (uint256 cutoff) {
        cutoff = block.timestamp;
        uint256 endsAt = _endsAt(lease);
        if (cutoff > endsAt) cutoff = endsAt;
        LeaseStatus status = lease.status;
        if (status == LeaseStatus.Disputed || status == LeaseStatus.Suspended) {
            uint256 disputedAt = lease.disputedAt;
            if (cutoff > disputedAt) cutoff = disputedAt;
        }
    }

    /// @dev gpus × price × elapsed / 3600, written as deposit × elapsed / (hours × 3600), which is equal.
    function _accruedGross(StoredLease storage lease) internal view returns (uint256) {
        uint256 acceptedAt = lease.acceptedAt;
        if (acceptedAt == 0) return 0; // still pending
        uint256 cutoff = _accrualCutoff(lease);
        if (cutoff <= acceptedAt) return 0;
        return (uint256(lease.deposit) * (cutoff - acceptedAt)) / (uint256(lease.durationHours) * 1 hours);
    }

    function _endsAt(StoredLease storage lease) internal view returns (uint64) {
        return lease.endsAt();
    }

    /// @dev Fee is taken on the cumulative gross so that rounding never depends on how often the provider claims.
    function _feeOn(uint256 gross, uint16 bps) private pure returns (uint256) {
        return (gross * bps) / BPS;
    }

    /// @dev Settles a lease: the provider ends up with `providerGross` in total (already paid included),
    ///      the renter gets the rest of the deposit back, units are released, `slashAmount` of stake goes
    ///      to the renter, and the extras (a dispute bond) go to whom the caller says. Every registry
    ///      effect happens before any payout (L-1): a recipient that is called back by the token finds
    ///      the slash already taken and the units already released.
    function _close(
        uint256 leaseId,
        StoredLease storage lease,
        CloseReason reason,
        uint256 providerGross,
        uint256 slashAmount,
        uint256 renterExtra,
        uint256 providerExtra
    ) private {
        uint256 paid = lease.paidGross;
        uint16 bps = lease.feeBps;
        lease.status = LeaseStatus.Closed;
        lease.closeReason = reason;
        lease.paidGross = uint96(providerGross);
        uint256 feeTotal = _feeOn(providerGross, bps);
        uint256 feeNow = feeTotal - _feeOn(paid, bps);
        uint256 refund;
        // providerGross ≤ deposit: accrual is capped at the lease end (and at the dispute), and an
        // arbiter's split is checked against the unpaid remainder. The invariant suite plants an
        // uncapped accrual to show that this bound is what keeps the escrow solvent.
        unchecked {
            refund = lease.deposit - providerGross;
        }
        emit LeaseClosed(leaseId, reason, providerGross - feeTotal, refund, feeTotal);
        _registry.releaseUnits(lease.offerId, lease.gpus);
        if (slashAmount != 0) {
            renterExtra += _registry.slash(_registry.offerProvider(lease.offerId), slashAmount, lease.renter);
        }
        _payProviderAndTreasury(lease.provider, providerGross - paid - feeNow + providerExtra, feeNow);
        _pay(lease.renter, refund + renterExtra);
    }

    /// @dev Proportional to the booking, capped per lease, and nothing at all below the minimum deposit:
    ///      many tiny bookings of an offline provider can no longer drain its stake.
    function _noShowSlash(StoredLease storage lease) private view returns (uint256) {
        Terms storage terms = _terms[lease.termsId];
        uint256 deposit = lease.deposit;
        if (deposit < terms.minSlashableDeposit) return 0;
        uint256 amount = (deposit * terms.noShowSlashBps) / BPS;
        uint256 cap = terms.maxSlashPerLease;
        return amount < cap ? amount : cap;
    }

    function _payProviderAndTreasury(address provider, uint256 net, uint256 fee) private {
        _pay(provider, net);
        if (fee == 0) return;
        uint256 total = feesAccrued + fee;
        // A token with a huge supply could overflow the 96-bit counter; that must never block a close.
        if (total > type(uint96).max) _credit(treasury, fee);
        else feesAccrued = uint96(total);
    }

    /// @dev Push, and fall back to a pull balance if the push fails, so one blocked recipient
    ///      never locks the other party's money.
    function _pay(address to, uint256 amount) private {
        if (amount == 0) return;
        if (!_token.trySafeTransfer(to, amount)) _credit(to, amount);
    }

    function _credit(address to, uint256 amount) private {
        withdrawable[to][address(_token)] += amount;
        emit PayoutDeferred(to, address(_token), amount);
    }

    /// @dev A permit that someone front-ran fails but leaves the allowance in place, so a failed permit
    ///      is not fatal here: the transfer that follows fails anyway if the allowance is missing.
    function _tryPermit(uint256 value, uint256 deadline, uint8 v, bytes32 r, bytes32 s) private returns (bool) {
        try IERC20Permit(address(_token)).permit(msg.sender, address(this), value, deadline, v, r, s) {
            return true;
        } catch {
            return false;
        }
    }

    function _pullExact(uint256 amount) private {
        uint256 before = _token.balanceOf(address(this));
        _token.safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = _token.balanceOf(address(this)) - before;
        if (received != amount) revert UnsupportedToken(address(_token), amount, received);
    }

    function _existingLease(uint256 leaseId) private view returns (StoredLease storage lease) {
        lease = _leases[leaseId];
        if (lease.status == LeaseStatus.None) revert UnknownLease(leaseId);
    }

    function _leaseWithStatus(uint256 leaseId, LeaseStatus expected) private view returns (StoredLease storage lease) {
        lease = _existingLease(leaseId);
        if (lease.status != expected) revert WrongStatus(leaseId, lease.status);
    }
}
