// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IProviderRegistry} from "../interfaces/IProviderRegistry.sol";
import {ILeaseEscrow} from "../interfaces/ILeaseEscrow.sol";

/// @notice Test provider that is a contract, so a token receive hook (ReentrantToken) can make it act
///         from inside a payout, e.g. withdraw its stake before the escrow slashes it (finding L-1).
contract ReentrantProvider {
    IProviderRegistry private immutable _registry;
    ILeaseEscrow private immutable _escrow;

    constructor(IProviderRegistry registry_, ILeaseEscrow escrow_, IERC20 token) {
        _registry = registry_;
        _escrow = escrow_;
        token.approve(address(registry_), type(uint256).max);
    }

    function register(uint256 stake, bytes32 key, IProviderRegistry.OfferSpec calldata spec) external {
        _registry.register(stake, key, "");
        _registry.listOffer(spec);
    }

    function accept(uint256 leaseId) external {
        _escrow.accept(leaseId, "");
    }

    function requestUnstake(uint256 amount) external {
        _registry.requestUnstake(amount);
    }

    function withdrawStake() external {
        _registry.withdrawStake();
    }
}
