// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

import {TestToken} from "./TestToken.sol";

/// @notice Test fixture: a token whose transfers are taxed (a share burned) or blocked for everyone but its minter,
/// as fee-on-transfer and honeypot tokens behave on real chains. Discovery must flag both.
contract QuirkyToken is TestToken {
    uint256 public immutable taxBps;
    bool public immutable blocking;

    error TransfersBlocked();

    constructor(string memory symbol_, uint256 taxBps_, bool blocking_) TestToken(symbol_, symbol_, 18) {
        taxBps = taxBps_;
        blocking = blocking_;
    }

    function _move(address from, address to, uint256 amount) internal override {
        if (blocking && from != minter) revert TransfersBlocked();
        uint256 tax = (amount * taxBps) / 10_000;
        balanceOf[from] -= amount;
        balanceOf[to] += amount - tax;
        totalSupply -= tax;
        emit Transfer(from, to, amount - tax);
    }
}
