// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

import {IERC20Minimal, IUniswapV2PairMinimal} from "./Interfaces.sol";

/// @notice One-transaction swaps for the devnet's simulated traders. v2-core has no router, and paying a pair in one
/// transaction and swapping in the next would let any swap in between take the payment.
contract SimRouter {
    error InsufficientOutput(uint256 amountOut, uint256 minOut);

    function swapExactIn(
        address pair,
        address tokenIn,
        uint256 amountIn,
        uint256 minOut,
        address to
    ) external returns (uint256 amountOut) {
        IUniswapV2PairMinimal p = IUniswapV2PairMinimal(pair);
        bool zeroForOne = tokenIn == p.token0();
        (uint112 reserve0, uint112 reserve1, ) = p.getReserves();
        (uint256 reserveIn, uint256 reserveOut) = zeroForOne ? (reserve0, reserve1) : (reserve1, reserve0);
        // Uniswap-V2 pairs charge 30 bps, fixed in their bytecode.
        uint256 amountInWithFee = amountIn * 997;
        amountOut = (amountInWithFee * reserveOut) / (reserveIn * 1000 + amountInWithFee);
        if (amountOut < minOut) revert InsufficientOutput(amountOut, minOut);
        IERC20Minimal(tokenIn).transferFrom(msg.sender, pair, amountIn);
        p.swap(zeroForOne ? 0 : amountOut, zeroForOne ? amountOut : 0, to, "");
    }
}
