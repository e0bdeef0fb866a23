// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice Test token with an ERC-777-style receive hook: paying `hookedRecipient` calls it back
///         with `payload` before the transfer returns, giving the recipient a chance to re-enter.
contract ReentrantToken is ERC20 {
    address public hookedRecipient;
    bytes public payload;
    bool public revertOnFailedReentry;
    uint256 public reentryAttempts;
    bool public lastReentrySucceeded;
    bool private _inHook;

    error ReentryFailed();

    constructor() ERC20("Reentrant USD", "RUSD") {}

    function decimals() public pure override returns (uint8) {
        return 6;
    }

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function arm(address hookedRecipient_, bytes calldata payload_, bool revertOnFailedReentry_) external {
        hookedRecipient = hookedRecipient_;
        payload = payload_;
        revertOnFailedReentry = revertOnFailedReentry_;
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if (to == hookedRecipient && hookedRecipient != address(0) && !_inHook) {
            _inHook = true;
            reentryAttempts += 1;
            // solhint-disable-next-line avoid-low-level-calls
            (bool ok,) = hookedRecipient.call(payload);
            lastReentrySucceeded = ok;
            if (!ok && revertOnFailedReentry) revert ReentryFailed();
            _inHook = false;
        }
    }
}
