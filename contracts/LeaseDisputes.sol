// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ILeaseEscrow} from "./interfaces/ILeaseEscrow.sol";
import {StoredLease, LeaseTiming} from "./LeaseStorage.sol";

/// @title LeaseDisputes
/// @notice The dispute rules of the lease escrow (and its lease view): who may open, answer, resolve and finalize, the bond,
///         the per-lease slash cap. Deployed once and linked into LeaseEscrow, which runs it by
///         DELEGATECALL on its own storage (so events come from the escrow). It never moves tokens:
///         it returns the bond and the escrow settles, registry effects first.
library LeaseDisputes {
    using LeaseTiming for StoredLease;

    uint16 private constant BPS = 10_000;

    /// @return bond what the escrow must pull from the renter
    function open(
        StoredLease storage lease,
        ILeaseEscrow.Terms storage terms,
        uint256 leaseId,
        bytes32 evidenceHash,
        string calldata evidenceURI
    ) external returns (uint256 bond) {
        if (msg.sender != lease.renter) revert ILeaseEscrow.NotRenter(leaseId, msg.sender);
        uint64 closesAt = lease.endsAt() + terms.disputeGrace;
        if (block.timestamp > closesAt) revert ILeaseEscrow.DisputeWindowClosed(leaseId, closesAt);
        // A dispute freezes the provider's units and earnings; the bond makes that cost something in
        // proportion to the lease, and comes back when the arbiter agrees.
        bond = (uint256(lease.deposit) * terms.disputeBondBps) / BPS;
        lease.status = ILeaseEscrow.LeaseStatus.Disputed;
        lease.disputedAt = uint64(block.timestamp);
        lease.disputeBond = uint96(bond);
        emit ILeaseEscrow.DisputeOpened(leaseId, msg.sender, evidenceHash, evidenceURI, bond);
    }

    function answer(StoredLease storage lease, uint256 leaseId, bytes32 evidenceHash, string calldata evidenceURI)
        external
    {
        if (msg.sender != lease.provider) revert ILeaseEscrow.NotProvider(leaseId, msg.sender);
        emit ILeaseEscrow.DisputeAnswered(leaseId, msg.sender, evidenceHash, evidenceURI);
    }

    /// @return bond the dispute bond, to the renter if `renterRight`, else to the provider
    function resolve(
        StoredLease storage lease,
        ILeaseEscrow.Terms storage terms,
        uint256 leaseId,
        uint256 renterAmount,
        uint256 providerAmount,
        uint256 slashAmount,
        bool renterRight
    ) external returns (uint256 bond) {
        uint256 remaining = lease.deposit - lease.paidGross;
        if (renterAmount + providerAmount != remaining) {
            revert ILeaseEscrow.SplitMismatch(renterAmount, providerAmount, remaining);
        }
        // One renter's dispute must not be able to take a provider's whole stake.
        uint256 cap = terms.maxSlashPerLease;
        if (slashAmount > cap) revert ILeaseEscrow.SlashAboveCap(leaseId, slashAmount, cap);
        emit ILeaseEscrow.DisputeResolved(leaseId, msg.sender, renterAmount, providerAmount, slashAmount);
        bond = _takeBond(lease, leaseId, renterRight ? lease.renter : lease.provider);
    }

    /// @param owed the provider's gross at the dispute, computed by the escrow
    /// @return bond the dispute bond, back to the renter: nobody ruled against them
    function finalize(StoredLease storage lease, ILeaseEscrow.Terms storage terms, uint256 leaseId, uint256 owed)
        external
        returns (uint256 bond)
    {
        uint64 finalizableAt = lease.disputedAt + terms.disputeTimeout;
        if (block.timestamp < finalizableAt) revert ILeaseEscrow.DisputeTimeoutNotReached(leaseId, finalizableAt);
        // owed ≤ deposit because accrual is capped at the dispute.
        emit ILeaseEscrow.DisputeFinalized(leaseId, lease.deposit - owed, owed - lease.paidGross);
        bond = _takeBond(lease, leaseId, lease.renter);
    }

    /// @notice The outside view of a lease (here rather than in the escrow for the same size reason).
    function describe(StoredLease storage lease, address provider, address token)
        external
        view
        returns (ILeaseEscrow.Lease memory view_)
    {
        view_.offerId = lease.offerId;
        view_.renter = lease.renter;
        view_.provider = provider;
        view_.token = token;
        view_.gpus = lease.gpus;
        view_.durationHours = lease.durationHours;
        // After an extension at another price this is the blended rate the lease streams at.
        view_.pricePerGpuHour = lease.deposit / lease.durationHours / lease.gpus;
        view_.deposit = lease.deposit;
        view_.paidGross = lease.paidGross;
        view_.feeBps = lease.feeBps;
        view_.acceptDeadline = lease.acceptDeadline;
        view_.acceptedAt = lease.acceptedAt;
        view_.endsAt = lease.acceptedAt == 0 ? 0 : lease.endsAt();
        view_.disputedAt = lease.disputedAt;
        view_.status = lease.status;
        view_.closeReason = lease.closeReason;
    }

    function _takeBond(StoredLease storage lease, uint256 leaseId, address to) private returns (uint256 bond) {
        bond = lease.disputeBond;
        lease.disputeBond = 0;
        emit ILeaseEscrow.DisputeBondSettled(leaseId, to, bond);
    }
}
