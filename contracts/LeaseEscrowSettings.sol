// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {AccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ILeaseEscrow} from "./interfaces/ILeaseEscrow.sol";
import {LeaseEscrowAdmin} from "./LeaseEscrowAdmin.sol";

/// @title LeaseEscrowSettings
/// @notice Roles, admin-set parameters and the fee counter of the lease escrow, kept apart from the
///         lease logic. Declared here, the settings follow Pausable's flag in storage and share its slot.
abstract contract LeaseEscrowSettings is ILeaseEscrow, AccessControlDefaultAdminRules, Pausable {
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    bytes32 public constant ARBITER_ROLE = keccak256("ARBITER_ROLE");
    // The bounds live in LeaseEscrowAdmin, which checks them (see there for why).
    uint16 public constant MAX_FEE_BPS = LeaseEscrowAdmin.MAX_FEE_BPS;
    uint64 public constant MAX_WINDOW = LeaseEscrowAdmin.MAX_WINDOW;
    uint16 public constant MAX_NO_SHOW_SLASH_BPS = LeaseEscrowAdmin.MAX_NO_SHOW_SLASH_BPS;
    uint16 public constant MAX_DISPUTE_BOND_BPS = LeaseEscrowAdmin.MAX_DISPUTE_BOND_BPS;

    IERC20 internal immutable _token;

    // Everything `book` reads or writes besides the lease shares one slot with Pausable's flag, so a
    // booking pays for a single cold storage read here (the 150k gas budget depends on it).
    uint16 internal _feeBps;
    uint32 internal _acceptWindow;
    bool internal _paymentTokenAllowed;
    uint64 internal _nextLeaseId = 1;
    /// @dev Version of the terms new leases get; each lease stores the version it was booked under (L-5).
    uint16 internal _termsId;

    address public treasury;
    /// @dev Fees are accrued here and swept to the treasury in bulk: one storage write per payout
    ///      instead of a second token transfer keeps claim under 60k and cancel under 90k gas.
    ///      Packed with the treasury so that the first fee after a sweep is not a fresh-slot write;
    ///      a fee that would overflow it is credited to the treasury's pull balance instead.
    uint96 public feesAccrued;

    /// @dev Append-only: a version, once written, never changes, so an admin change never reaches a lease
    ///      booked under an older one.
    mapping(uint16 termsId => Terms) internal _terms;

    constructor(IERC20 token_, Config memory config) AccessControlDefaultAdminRules(config.adminDelay, config.admin) {
        _token = token_;
        _setTreasury(config.treasury);
        _setFeeBps(config.feeBps);
        _setAcceptWindow(config.acceptWindow);
        _termsId = LeaseEscrowAdmin.publishInitialTerms(_terms, config.disputeGrace, config.disputeTimeout, config.slash);
        _grantRole(PAUSER_ROLE, config.admin);
    }

    // ---------------------------------------------------------------- admin

    function setFeeBps(uint16 newFeeBps) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setFeeBps(newFeeBps);
    }

    function setTreasury(address newTreasury) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setTreasury(newTreasury);
    }

    /// @notice Switches bookings in the payment token on or off. The escrow settles in one token only,
    ///         so any other token is refused rather than "allowed" to no effect.
    function setTokenAllowed(address token, bool allowed) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (token != address(_token)) revert TokenNotAllowed(token);
        _paymentTokenAllowed = allowed;
        emit TokenAllowlistUpdated(token, allowed);
    }

    function setAcceptWindow(uint64 newWindow) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setAcceptWindow(newWindow);
    }

    function setDisputeTimeout(uint64 newTimeout) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _termsId = LeaseEscrowAdmin.setDisputeTimeout(_terms, _termsId, newTimeout);
    }

    function setDisputeGrace(uint64 newGrace) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _termsId = LeaseEscrowAdmin.setDisputeGrace(_terms, _termsId, newGrace);
    }

    function setSlashTerms(SlashTerms calldata slash) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _termsId = LeaseEscrowAdmin.setSlashTerms(_terms, _termsId, slash);
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
        return _terms[_termsId].disputeGrace;
    }

    function disputeTimeout() external view returns (uint64) {
        return _terms[_termsId].disputeTimeout;
    }

    function currentTerms() external view returns (Terms memory) {
        return _terms[_termsId];
    }

    function nextLeaseId() external view returns (uint256) {
        return _nextLeaseId;
    }

    function isTokenAllowed(address token) external view returns (bool) {
        return token == address(_token) && _paymentTokenAllowed;
    }

    function paymentToken() external view returns (address) {
        return address(_token);
    }

    // ---------------------------------------------------------------- internals

    function _setFeeBps(uint16 newFeeBps) private {
        _feeBps = LeaseEscrowAdmin.checkedFeeBps(_feeBps, newFeeBps);
    }

    function _setTreasury(address newTreasury) private {
        treasury = LeaseEscrowAdmin.checkedTreasury(treasury, newTreasury);
    }

    function _setAcceptWindow(uint64 newWindow) private {
        _acceptWindow = LeaseEscrowAdmin.checkedAcceptWindow(_acceptWindow, newWindow);
    }
}
