// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";

/// @title MockUSDC
/// @notice Local-only 6-decimal stablecoin with EIP-2612 permit and a capped faucet.
contract MockUSDC is ERC20, ERC20Permit {
    uint256 public constant FAUCET_MAX = 1_000_000 * 1e6;

    error FaucetAmountTooLarge(uint256 amount, uint256 max);

    constructor() ERC20("Mock USD Coin", "USDC") ERC20Permit("Mock USD Coin") {}

    function decimals() public pure override returns (uint8) {
        return 6;
    }

    /// @notice Mints up to `FAUCET_MAX` to `to`; anyone can call it (local chains only).
    function faucet(address to, uint256 amount) external {
        if (amount > FAUCET_MAX) revert FaucetAmountTooLarge(amount, FAUCET_MAX);
        _mint(to, amount);
    }
}
