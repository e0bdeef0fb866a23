// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ILeaseEscrow} from "./interfaces/ILeaseEscrow.sol";
import {ILeaseLiveness} from "./interfaces/ILeaseLiveness.sol";

/// @title LeaseLiveness
/// @notice Outage reports, refutations and settlements of leases (see ILeaseLiveness and
///         docs/protocol.md, "Liveness"). Holds only report bonds; every lease's money stays in the
///         escrow, which this contract drives through its `setOutage` hook. Created by the escrow in
///         its constructor, so the pair is fixed for life: no admin, no settings, nothing to point
///         elsewhere.
contract LeaseLiveness is ILeaseLiveness, EIP712, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    bytes32 public constant LIVENESS_TYPEHASH =
        keccak256("Liveness(uint256 leaseId,uint256 blockNumber,bytes32 blockHash)");
    uint16 private constant BPS = 10_000;
    /// @dev Same bound as the escrow's windows; keeps `now + window` far from overflowing 64 bits.
    uint32 private constant MAX_WINDOW = 30 days;
    /// @dev A report bond above a fifth of the deposit would price renters out of reporting.
    uint16 private constant MAX_BOND_BPS = 2_000;

    ILeaseEscrow private immutable _escrow;
    IERC20 private immutable _token;
    uint32 private immutable _challengeWindow;
    uint32 private immutable _grace;
    uint32 private immutable _maxOutageAge;
    uint16 private immutable _bondBps;
    uint96 private immutable _minBond;

    mapping(uint256 leaseId => Outage) private _outages;
    mapping(address renter => mapping(address reporter => bool)) private _approved;
    mapping(address account => uint256) private _withdrawable;

    /// @param escrow_ the escrow that creates this contract and whose leases it reports on
    /// @param token_ the escrow's payment token, in which bonds are paid
    /// @dev Requirements: `challengeWindow` in (0, 30 days]; `grace < maxOutageAge <= 30 days` (else no
    ///      `lastSeen` could ever be reported); `bondBps <= 2,000`; `minBond > 0` (a report always costs).
    constructor(ILeaseEscrow escrow_, IERC20 token_, Config memory config) EIP712("Gridlease Liveness", "1") {
        if (config.challengeWindow == 0 || config.challengeWindow > MAX_WINDOW) {
            revert InvalidLivenessConfig("challengeWindow", config.challengeWindow);
        }
        if (config.maxOutageAge > MAX_WINDOW) revert InvalidLivenessConfig("maxOutageAge", config.maxOutageAge);
        if (config.grace >= config.maxOutageAge) revert InvalidLivenessConfig("grace", config.grace);
        if (config.bondBps > MAX_BOND_BPS) revert InvalidLivenessConfig("bondBps", config.bondBps);
        if (config.minBond == 0) revert InvalidLivenessConfig("minBond", 0);
        _escrow = escrow_;
        _token = token_;
        _challengeWindow = config.challengeWindow;
        _grace = config.grace;
        _maxOutageAge = config.maxOutageAge;
        _bondBps = config.bondBps;
        _minBond = config.minBond;
    }

    // ---------------------------------------------------------------- renters

    /// @inheritdoc ILeaseLiveness
    function approveReporter(address reporter, bool approved) external {
        if (reporter == address(0)) revert ZeroRecipient();
        _approved[msg.sender][reporter] = approved;
        emit ReporterApproved(msg.sender, reporter, approved);
    }

    /// @inheritdoc ILeaseLiveness
    function reportOutage(uint256 leaseId, uint64 lastSeen) external nonReentrant {
        Outage storage current = _outages[leaseId];
        if (current.status == OutageStatus.Reported) revert OutageAlreadyReported(leaseId);
        uint64 nowTs = uint64(block.timestamp);
        uint64 oldest = nowTs > _maxOutageAge ? nowTs - _maxOutageAge : 0;
        if (lastSeen < oldest) revert OutageTooOld(lastSeen, oldest);
        uint64 cutoff = lastSeen + _grace;
        if (cutoff > nowTs) revert CutoffInFuture(cutoff);

        // The escrow checks the lease (Active, cutoff before its end) and freezes accrual at the cutoff.
        // It is the trusted contract that created this one and makes no outside call here, so asking it
        // first (and reverting the whole report if the caller turns out not to be allowed) is safe.
        (address renter, address provider, uint256 deposit) =
            _escrow.setOutage(leaseId, ILeaseEscrow.OutageAction.Suspend, cutoff);
        if (msg.sender != renter && !_approved[renter][msg.sender]) revert NotReporter(leaseId, msg.sender);

        uint256 bond = _bondFor(deposit);
        uint64 refutableUntil = nowTs + _challengeWindow;
        _outages[leaseId] = Outage({
            reporter: msg.sender,
            lastSeen: lastSeen,
            provider: provider,
            cutoff: cutoff,
            refutableUntil: refutableUntil,
            bond: uint96(bond),
            reportBlock: uint64(block.number),
            status: OutageStatus.Reported
        });
        emit OutageReported(leaseId, msg.sender, lastSeen, cutoff, bond, refutableUntil);
        _pullExact(bond);
    }

    // ---------------------------------------------------------------- providers

    /// @inheritdoc ILeaseLiveness
    function refuteOutage(uint256 leaseId, uint256 blockNumber, bytes calldata signature) external nonReentrant {
        Outage storage report = _openOutage(leaseId);
        uint64 refutableUntil = report.refutableUntil;
        if (block.timestamp > refutableUntil) revert ChallengeWindowClosed(leaseId, refutableUntil);
        // A block at or before the report's could have been signed before the report existed (or for an
        // older, already refuted one): only a later block shows the provider alive *after* being reported.
        uint256 reportBlock = report.reportBlock;
        if (blockNumber <= reportBlock) revert StaleProof(blockNumber, reportBlock);
        bytes32 blockHash = blockhash(blockNumber); // zero for the current block, future ones and > 256 back
        if (blockHash == bytes32(0)) revert UnknownBlockHash(blockNumber);
        address provider = report.provider;
        bytes32 digest = _hashTypedDataV4(keccak256(abi.encode(LIVENESS_TYPEHASH, leaseId, blockNumber, blockHash)));
        if (!SignatureChecker.isValidSignatureNow(provider, digest, signature)) {
            revert InvalidLivenessProof(leaseId, provider);
        }

        uint256 bond = report.bond;
        report.status = OutageStatus.Refuted;
        emit OutageRefuted(leaseId, provider, blockNumber, bond);
        _escrow.setOutage(leaseId, ILeaseEscrow.OutageAction.Resume, 0);
        _pay(provider, bond);
    }

    // ---------------------------------------------------------------- anyone

    /// @inheritdoc ILeaseLiveness
    function settleOutage(uint256 leaseId) external nonReentrant {
        Outage storage report = _openOutage(leaseId);
        uint64 refutableUntil = report.refutableUntil;
        if (block.timestamp <= refutableUntil) revert ChallengeWindowOpen(leaseId, refutableUntil);
        uint256 bond = report.bond;
        address reporter = report.reporter;
        report.status = OutageStatus.Settled;
        emit OutageSettled(leaseId, reporter, bond);
        _escrow.setOutage(leaseId, ILeaseEscrow.OutageAction.Close, 0);
        _pay(reporter, bond);
    }

    /// @inheritdoc ILeaseLiveness
    function withdrawBond(address to) external nonReentrant {
        if (to == address(0)) revert ZeroRecipient();
        uint256 amount = _withdrawable[msg.sender];
        if (amount == 0) revert NoBondToWithdraw(msg.sender);
        _withdrawable[msg.sender] = 0;
        emit BondWithdrawn(msg.sender, to, amount);
        _token.safeTransfer(to, amount);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc ILeaseLiveness
    function outage(uint256 leaseId) external view returns (Outage memory) {
        return _outages[leaseId];
    }

    /// @inheritdoc ILeaseLiveness
    function bondOf(uint256 leaseId) external view returns (uint256) {
        return _bondFor(_escrow.getLease(leaseId).deposit);
    }

    function isApprovedReporter(address renter, address reporter) external view returns (bool) {
        return _approved[renter][reporter];
    }

    function withdrawableBond(address account) external view returns (uint256) {
        return _withdrawable[account];
    }

    /// @inheritdoc ILeaseLiveness
    function livenessDigest(uint256 leaseId, uint256 blockNumber) external view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(LIVENESS_TYPEHASH, leaseId, blockNumber, blockhash(blockNumber))));
    }

    function escrow() external view returns (address) {
        return address(_escrow);
    }

    function token() external view returns (address) {
        return address(_token);
    }

    function challengeWindow() external view returns (uint64) {
        return _challengeWindow;
    }

    function grace() external view returns (uint64) {
        return _grace;
    }

    function maxOutageAge() external view returns (uint64) {
        return _maxOutageAge;
    }

    function bondBps() external view returns (uint16) {
        return _bondBps;
    }

    function minBond() external view returns (uint256) {
        return _minBond;
    }

    // ---------------------------------------------------------------- internals

    function _openOutage(uint256 leaseId) private view returns (Outage storage report) {
        report = _outages[leaseId];
        if (report.status != OutageStatus.Reported) revert NoOpenOutage(leaseId);
    }

    function _bondFor(uint256 deposit) private view returns (uint256) {
        uint256 bond = (deposit * _bondBps) / BPS;
        return bond > _minBond ? bond : _minBond;
    }

    /// @dev Push, and fall back to a pull balance if the push fails, so a blocked recipient can never
    ///      hold a settlement (and with it the other party's refund) hostage.
    function _pay(address to, uint256 amount) private {
        if (amount == 0) return;
        if (!_token.trySafeTransfer(to, amount)) {
            _withdrawable[to] += amount;
            emit BondPayoutDeferred(to, amount);
        }
    }

    function _pullExact(uint256 amount) private {
        uint256 before = _token.balanceOf(address(this));
        _token.safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = _token.balanceOf(address(this)) - before;
        if (received != amount) revert ILeaseEscrow.UnsupportedToken(address(_token), amount, received);
    }
}
