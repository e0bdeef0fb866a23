// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {LeaseEscrow} from "../LeaseEscrow.sol";
import {StoredLease} from "../LeaseStorage.sol";
import {IProviderRegistry} from "../interfaces/IProviderRegistry.sol";

/// @notice Planted bug for the invariant suite: accrual is not capped at the lease end, so a
///         provider claiming late is paid more than the deposit. The suite must catch it.
contract LeaseEscrowUncappedAccrual is LeaseEscrow {
    constructor(IProviderRegistry registry_, Config memory config) LeaseEscrow(registry_, config) {}

    function _accrualCutoff(StoredLease storage) internal view override returns (uint256) {
        return block.timestamp;
    }
}
