// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {IProviderRegistry} from "../interfaces/IProviderRegistry.sol";
import {ILeaseEscrow} from "../interfaces/ILeaseEscrow.sol";

/// @notice Test provider that is a smart-contract wallet (ERC-1271): its owner's key signs for it, so a
///         liveness proof made by the owner must be accepted for the wallet's leases (SignatureChecker).
contract ContractWalletProvider is IERC1271 {
    error NotOwner(address caller);

    address private immutable _owner;
    IProviderRegistry private immutable _registry;
    ILeaseEscrow private immutable _escrow;

    constructor(address owner_, IProviderRegistry registry_, ILeaseEscrow escrow_, IERC20 token) {
        _owner = owner_;
        _registry = registry_;
        _escrow = escrow_;
        token.approve(address(registry_), type(uint256).max);
    }

    modifier onlyOwner() {
        if (msg.sender != _owner) revert NotOwner(msg.sender);
        _;
    }

    function register(uint256 stake, bytes32 key, IProviderRegistry.OfferSpec calldata spec) external onlyOwner {
        _registry.register(stake, key, "");
        _registry.listOffer(spec);
    }

    function accept(uint256 leaseId) external onlyOwner {
        _escrow.accept(leaseId, "");
    }

    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        (address signer, ECDSA.RecoverError error,) = ECDSA.tryRecover(hash, signature);
        return error == ECDSA.RecoverError.NoError && signer == _owner ? IERC1271.isValidSignature.selector : bytes4(0xffffffff);
    }
}
