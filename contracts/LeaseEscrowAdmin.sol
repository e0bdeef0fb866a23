// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ILeaseEscrow} from "./interfaces/ILeaseEscrow.sol";

/// @title LeaseEscrowAdmin
/// @notice The checks and bookkeeping behind the escrow's admin setters (fee, treasury, accept window,
///         versioned terms). Deployed once and linked into LeaseEscrow, which runs it by DELEGATECALL
///         (events come from the escrow), as it does LeaseDisputes: admin calls are rare, and keeping
///         their bodies out of the escrow's runtime code keeps it under the EIP-170 size limit (the
///         liveness hook needed the room). The escrow writes the returned values itself.
library LeaseEscrowAdmin {
    uint16 internal constant MAX_FEE_BPS = 1_000;
    /// @dev Keeps every window well inside the 32 bits it is stored in.
    uint64 internal constant MAX_WINDOW = 30 days;
    /// @dev A no-show never costs more than half the booking; a dispute bond never more than a fifth of it.
    uint16 internal constant MAX_NO_SHOW_SLASH_BPS = 5_000;
    uint16 internal constant MAX_DISPUTE_BOND_BPS = 2_000;

    /// @return the new fee, after checking it and announcing the change
    function checkedFeeBps(uint16 oldFeeBps, uint16 newFeeBps) external returns (uint16) {
        if (newFeeBps > MAX_FEE_BPS) revert ILeaseEscrow.FeeTooHigh(newFeeBps, MAX_FEE_BPS);
        emit ILeaseEscrow.FeeUpdated(oldFeeBps, newFeeBps);
        return newFeeBps;
    }

    function checkedTreasury(address oldTreasury, address newTreasury) external returns (address) {
        if (newTreasury == address(0)) revert ILeaseEscrow.ZeroAddress();
        // Fees swept to the escrow itself would sit there unaccounted for, owned by nobody (under
        // DELEGATECALL, address(this) is the escrow).
        if (newTreasury == address(this)) revert ILeaseEscrow.InvalidTreasury(newTreasury);
        emit ILeaseEscrow.TreasuryUpdated(oldTreasury, newTreasury);
        return newTreasury;
    }

    function checkedAcceptWindow(uint32 oldWindow, uint64 newWindow) external returns (uint32) {
        if (newWindow == 0 || newWindow > MAX_WINDOW) revert ILeaseEscrow.InvalidDuration("acceptWindow", newWindow);
        emit ILeaseEscrow.AcceptWindowUpdated(oldWindow, newWindow);
        return uint32(newWindow);
    }

    /// @notice Publishes the first terms version (constructor).
    /// @return id the new terms version
    // The constructor holds its Config in memory, so `slash` cannot be calldata here.
    // solhint-disable-next-line gas-calldata-parameters
    function publishInitialTerms(
        mapping(uint16 => ILeaseEscrow.Terms) storage terms,
        uint64 grace,
        uint64 timeout,
        ILeaseEscrow.SlashTerms memory slash
    ) external returns (uint16 id) {
        ILeaseEscrow.Terms memory next;
        next.disputeGrace = _checkedGrace(grace);
        next.disputeTimeout = _checkedTimeout(timeout);
        _applySlashTerms(next, slash);
        return _publish(terms, 0, next);
    }

    /// @return id the new terms version: the current one with `newTimeout`
    function setDisputeTimeout(mapping(uint16 => ILeaseEscrow.Terms) storage terms, uint16 currentId, uint64 newTimeout)
        external
        returns (uint16 id)
    {
        ILeaseEscrow.Terms memory next = terms[currentId];
        next.disputeTimeout = _checkedTimeout(newTimeout);
        return _publish(terms, currentId, next);
    }

    /// @return id the new terms version: the current one with `newGrace`
    function setDisputeGrace(mapping(uint16 => ILeaseEscrow.Terms) storage terms, uint16 currentId, uint64 newGrace)
        external
        returns (uint16 id)
    {
        ILeaseEscrow.Terms memory next = terms[currentId];
        next.disputeGrace = _checkedGrace(newGrace);
        return _publish(terms, currentId, next);
    }

    /// @return id the new terms version: the current one with `slash`
    function setSlashTerms(
        mapping(uint16 => ILeaseEscrow.Terms) storage terms,
        uint16 currentId,
        ILeaseEscrow.SlashTerms calldata slash
    ) external returns (uint16 id) {
        ILeaseEscrow.Terms memory next = terms[currentId];
        _applySlashTerms(next, slash);
        return _publish(terms, currentId, next);
    }

    function _checkedTimeout(uint64 newTimeout) private pure returns (uint32) {
        if (newTimeout == 0 || newTimeout > MAX_WINDOW) revert ILeaseEscrow.InvalidDuration("disputeTimeout", newTimeout);
        return uint32(newTimeout);
    }

    function _checkedGrace(uint64 newGrace) private pure returns (uint32) {
        if (newGrace > MAX_WINDOW) revert ILeaseEscrow.InvalidDuration("disputeGrace", newGrace);
        return uint32(newGrace);
    }

    function _applySlashTerms(ILeaseEscrow.Terms memory terms, ILeaseEscrow.SlashTerms memory slash) private pure {
        if (slash.noShowSlashBps > MAX_NO_SHOW_SLASH_BPS) revert ILeaseEscrow.InvalidBps("noShowSlashBps", slash.noShowSlashBps);
        if (slash.disputeBondBps > MAX_DISPUTE_BOND_BPS) revert ILeaseEscrow.InvalidBps("disputeBondBps", slash.disputeBondBps);
        terms.noShowSlashBps = slash.noShowSlashBps;
        terms.disputeBondBps = slash.disputeBondBps;
        terms.maxSlashPerLease = slash.maxSlashPerLease;
        terms.minSlashableDeposit = slash.minSlashableDeposit;
    }

    /// @dev Writes a new version rather than editing the current one, which open leases point at.
    function _publish(mapping(uint16 => ILeaseEscrow.Terms) storage terms, uint16 currentId, ILeaseEscrow.Terms memory next)
        private
        returns (uint16 id)
    {
        id = currentId + 1;
        terms[id] = next;
        emit ILeaseEscrow.TermsUpdated(id, next);
    }
}
