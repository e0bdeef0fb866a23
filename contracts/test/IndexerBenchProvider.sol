// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IProviderRegistry} from "../interfaces/IProviderRegistry.sol";

/// @notice Benchmark-only provider (scripts/bench-indexer.ts): a contract, so one transaction can emit
///         many real registry events (OfferPriceUpdated) for the indexer to backfill. Test-only, never deployed.
contract IndexerBenchProvider {
    IProviderRegistry private immutable _registry;
    uint256[] private _offers;

    constructor(IProviderRegistry registry) {
        _registry = registry;
    }

    /// @notice Registers this contract as a provider with `stake` and lists `count` offers.
    function setup(IERC20 token, uint256 stake, uint256 count, bytes32 gpuModel, bytes32 region) external {
        token.approve(address(_registry), stake);
        _registry.register(stake, keccak256("bench"), "bench");
        for (uint256 i; i < count; i++) {
            _offers.push(_registry.listOffer(IProviderRegistry.OfferSpec(gpuModel, 8, 80, 128, 1024, 8000, 10000, region, 2000000 + i, 1, 720)));
        }
    }

    /// @notice Changes prices `updates` times across the offers; `salt` varies the offers and prices per call.
    function pump(uint256 updates, uint256 salt) external {
        uint256 n = _offers.length;
        for (uint256 i; i < updates; i++) {
            _registry.updatePrice(_offers[(i + salt) % n], 1000000 + ((i * 7919 + salt * 104729) % 3000000));
        }
    }
}
