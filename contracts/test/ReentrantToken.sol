// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice Test token with a transfer hook (like ERC-777) that re-enters a target with arbitrary
///         calldata whenever it pays the configured victim address.
contract ReentrantToken is ERC20 {
    address public target;
    address public hookedRecipient;
    bytes public payload;
    bool public lastReentrySucceeded;
    uint256 public reentryAttempts;
    bool private _inHook;

    constructor() ERC20("Reentrant USD", "RUSD") {}

    function decimals() public pure override returns (uint8) {
        return 6;
    }

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function arm(address target_, address hookedRecipient_, bytes calldata payload_) external {
        target = target_;
        hookedRecipient = hookedRecipient_;
        payload = payload_;
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if (to == hookedRecipient && target != address(0) && !_inHook) {
            _inHook = true;
            reentryAttempts += 1;
            // solhint-disable-next-line avoid-low-level-calls
            (bool ok,) = target.call(payload);
            lastReentrySucceeded = ok;
            // Propagate the failure so the caller sees a failed transfer, as a hostile token would.
            if (!ok) revert("reentry failed");
            _inHook = false;
        }
    }
}
