// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ILeaseEscrow} from "./interfaces/ILeaseEscrow.sol";

/// @dev A lease as the escrow stores it, shared with the LeaseDisputes library that works on it.
///      A booking writes two fresh slots (0 and 2); that is what keeps `book` under 150k gas.
///      The provider is copied in at acceptance (the registry knows it until then), the per-hour
///      rate is deposit / durationHours (exact, as deposit = gpus × price × hours), the end is derived.
struct StoredLease {
    // slot 0: written at booking
    address renter;
    uint40 acceptDeadline;
    uint16 gpus;
    ILeaseEscrow.LeaseStatus status;
    ILeaseEscrow.CloseReason closeReason;
    uint24 durationHours;
    // slot 1: written at acceptance
    address provider;
    uint64 acceptedAt;
    // slot 2: written at booking; termsId fixes the dispute and slash terms of this lease (L-5)
    uint96 deposit;
    uint96 paidGross;
    uint32 offerId;
    uint16 feeBps;
    uint16 termsId;
    // slot 3: written only when a dispute opens
    uint64 disputedAt;
    uint96 disputeBond;
}

library LeaseTiming {
    function endsAt(StoredLease storage lease) internal view returns (uint64) {
        return lease.acceptedAt + uint64(lease.durationHours) * 1 hours;
    }
}
