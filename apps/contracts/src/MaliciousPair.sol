// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

interface IArbCallee {
    function uniswapV2Call(address sender, uint256 amount0, uint256 amount1, bytes calldata data) external;
}

/// @notice Test fixture, never deployed outside tests: looks like a Uniswap-V2 pair, and on swap calls the executor's
/// callback itself with data of its choosing, as a hostile pool in a route would.
contract MaliciousPair {
    address public immutable token0;
    address public immutable token1;
    uint112 private immutable reserve0;
    uint112 private immutable reserve1;
    bytes private forged;

    constructor(address token0_, address token1_, uint112 reserve0_, uint112 reserve1_, bytes memory forged_) {
        token0 = token0_;
        token1 = token1_;
        reserve0 = reserve0_;
        reserve1 = reserve1_;
        forged = forged_;
    }

    function getReserves() external view returns (uint112, uint112, uint32) {
        return (reserve0, reserve1, 0);
    }

    function swap(uint256 amount0Out, uint256 amount1Out, address to, bytes calldata) external {
        IArbCallee(msg.sender).uniswapV2Call(to, amount0Out, amount1Out, forged);
    }
}
