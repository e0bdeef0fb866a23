// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

/// @title GridleaseTimelock
/// @notice The admin of ProviderRegistry and LeaseEscrow: every admin call (escrow wiring, fee, treasury,
///         slash and dispute terms, allowlist, role grants) waits `minDelay` in public view before it can
///         run. Plain OpenZeppelin TimelockController; see docs/protocol.md, "Trust model".
contract GridleaseTimelock is TimelockController {
    constructor(uint256 minDelay, address[] memory proposers, address[] memory executors)
        TimelockController(minDelay, proposers, executors, address(0))
    {}
}
