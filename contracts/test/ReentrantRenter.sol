// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ILeaseEscrow} from "../interfaces/ILeaseEscrow.sol";

/// @notice Hostile renter: when its refund arrives (via the token's receive hook) it tries to
///         cancel or withdraw again from inside the payout.
contract ReentrantRenter {
    ILeaseEscrow public immutable escrow;
    IERC20 public immutable token;

    constructor(ILeaseEscrow escrow_, IERC20 token_) {
        escrow = escrow_;
        token = token_;
        token_.approve(address(escrow_), type(uint256).max);
    }

    function book(uint256 offerId, uint16 gpus, uint32 durationHours, uint256 maxPrice) external returns (uint256) {
        return escrow.book(offerId, gpus, durationHours, maxPrice, "");
    }

    function cancel(uint256 leaseId) external {
        escrow.cancel(leaseId);
    }

    function withdraw() external {
        escrow.withdraw(address(token));
    }
}
