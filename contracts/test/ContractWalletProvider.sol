// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @notice Test provider that is a smart-contract wallet (ERC-1271): its owner's key signs for it, so a
///         liveness proof made by the owner must be accepted for the wallet's leases (SignatureChecker).
contract ContractWalletProvider is IERC1271 {
    address private immutable _owner;

    constructor(address owner_) {
        _owner = owner_;
    }

    /// @notice Runs any call as the wallet (register, list, accept, approve), for its owner only.
    function execute(address target, bytes calldata data) external returns (bytes memory result) {
        require(msg.sender == _owner, "not the owner");
        bool ok;
        (ok, result) = target.call(data);
        if (!ok) {
            assembly {
                revert(add(result, 32), mload(result))
            }
        }
    }

    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        (address signer, ECDSA.RecoverError error,) = ECDSA.tryRecover(hash, signature);
        return error == ECDSA.RecoverError.NoError && signer == _owner ? IERC1271.isValidSignature.selector : bytes4(0xffffffff);
    }
}
