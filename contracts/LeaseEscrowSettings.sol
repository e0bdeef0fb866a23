// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {AccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ILeaseEscrow} from "./interfaces/ILeaseEscrow.sol";

/// @title LeaseEscrowSettings
/// @notice Roles, admin-set parameters and the fee counter of the lease escrow, kept apart from the
///         lease logic. Declared here, the settings follow Pausable's flag in storage and share its slot.
abstract contract LeaseEscrowSettings is ILeaseEscrow, AccessControlDefaultAdminRules, Pausable {
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    bytes32 public constant ARBITER_ROLE = keccak256("ARBITER_ROLE");
    uint16 public constant MAX_FEE_BPS = 1_000;
    /// @dev Keeps every window well inside the 32 bits it is stored in.
    uint64 public constant MAX_WINDOW = 30 days;

    IERC20 internal immutable _token;

    // Everything `book` reads or writes besides the lease shares one slot with Pausable's flag, so a
    // booking pays for a single cold storage read here (the 150k gas budget depends on it).
    uint16 internal _feeBps;
    uint32 internal _acceptWindow;
    uint32 internal _disputeGrace;
    uint32 internal _disputeTimeout;
    bool internal _paymentTokenAllowed;
    uint64 internal _nextLeaseId = 1;
    uint64 internal _notAcceptedSlash;

    address public treasury;
    /// @dev Fees are accrued here and swept to the treasury in bulk: one storage write per payout
    ///      instead of a second token transfer keeps claim under 60k and cancel under 90k gas.
    uint96 public feesAccrued;

    mapping(address token => bool) private _allowedTokens;

    constructor(IERC20 token_, Config memory config) AccessControlDefaultAdminRules(config.adminDelay, config.admin) {
        _token = token_;
        _setTreasury(config.treasury);
        _setFeeBps(config.feeBps);
        _setAcceptWindow(config.acceptWindow);
        _setDisputeGrace(config.disputeGrace);
        _setDisputeTimeout(config.disputeTimeout);
        _notAcceptedSlash = config.notAcceptedSlash;
        _grantRole(PAUSER_ROLE, config.admin);
    }

    // ---------------------------------------------------------------- admin

    function setFeeBps(uint16 newFeeBps) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setFeeBps(newFeeBps);
    }

    function setTreasury(address newTreasury) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setTreasury(newTreasury);
    }

    function setTokenAllowed(address token, bool allowed) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (token == address(0)) revert ZeroAddress();
        _allowedTokens[token] = allowed;
        if (token == address(_token)) _paymentTokenAllowed = allowed;
        emit TokenAllowlistUpdated(token, allowed);
    }

    function setAcceptWindow(uint64 newWindow) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setAcceptWindow(newWindow);
    }

    function setDisputeTimeout(uint64 newTimeout) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setDisputeTimeout(newTimeout);
    }

    function setDisputeGrace(uint64 newGrace) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setDisputeGrace(newGrace);
    }

    function setNotAcceptedSlash(uint64 newAmount) external onlyRole(DEFAULT_ADMIN_ROLE) {
        emit NotAcceptedSlashUpdated(_notAcceptedSlash, newAmount);
        _notAcceptedSlash = newAmount;
    }

    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
    }

    // ---------------------------------------------------------------- views

    function feeBps() external view returns (uint16) {
        return _feeBps;
    }

    function acceptWindow() external view returns (uint64) {
        return _acceptWindow;
    }

    function disputeGrace() external view returns (uint64) {
        return _disputeGrace;
    }

    function disputeTimeout() external view returns (uint64) {
        return _disputeTimeout;
    }

    function notAcceptedSlash() external view returns (uint64) {
        return _notAcceptedSlash;
    }

    function nextLeaseId() external view returns (uint256) {
        return _nextLeaseId;
    }

    function isTokenAllowed(address token) external view returns (bool) {
        return _allowedTokens[token];
    }

    function paymentToken() external view returns (address) {
        return address(_token);
    }

    // ---------------------------------------------------------------- internals

    function _setFeeBps(uint16 newFeeBps) private {
        if (newFeeBps > MAX_FEE_BPS) revert FeeTooHigh(newFeeBps, MAX_FEE_BPS);
        emit FeeUpdated(_feeBps, newFeeBps);
        _feeBps = newFeeBps;
    }

    function _setTreasury(address newTreasury) private {
        if (newTreasury == address(0)) revert ZeroAddress();
        emit TreasuryUpdated(treasury, newTreasury);
        treasury = newTreasury;
    }

    function _setAcceptWindow(uint64 newWindow) private {
        if (newWindow == 0 || newWindow > MAX_WINDOW) revert InvalidDuration("acceptWindow", newWindow);
        emit AcceptWindowUpdated(_acceptWindow, newWindow);
        _acceptWindow = uint32(newWindow);
    }

    function _setDisputeTimeout(uint64 newTimeout) private {
        if (newTimeout == 0 || newTimeout > MAX_WINDOW) revert InvalidDuration("disputeTimeout", newTimeout);
        emit DisputeTimeoutUpdated(_disputeTimeout, newTimeout);
        _disputeTimeout = uint32(newTimeout);
    }

    function _setDisputeGrace(uint64 newGrace) private {
        if (newGrace > MAX_WINDOW) revert InvalidDuration("disputeGrace", newGrace);
        emit DisputeGraceUpdated(_disputeGrace, newGrace);
        _disputeGrace = uint32(newGrace);
    }
}
