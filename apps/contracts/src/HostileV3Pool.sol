// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

interface IV3SwapCallee {
    function uniswapV3SwapCallback(int256 amount0Delta, int256 amount1Delta, bytes calldata data) external;
}

/// @notice Test fixture, never deployed outside tests: looks like a Uniswap-V3 pool to a route, and when swapped on
/// asks its caller to pay in a way a real pool never would.
contract HostileV3Pool {
    enum Mode {
        ForgedData, // calls back with data of its own instead of the data it was sent
        Twice, // calls back twice with the data it was sent (re-entry, replay)
        Overcharge, // calls back with the data it was sent but asks for more than the swap's input
        Silent // never calls back
    }

    address public immutable token0;
    address public immutable token1;
    Mode private immutable mode;
    bytes private forged;

    constructor(address token0_, address token1_, Mode mode_, bytes memory forged_) {
        token0 = token0_;
        token1 = token1_;
        mode = mode_;
        forged = forged_;
    }

    function swap(
        address,
        bool zeroForOne,
        int256 amountSpecified,
        uint160,
        bytes calldata data
    ) external returns (int256 amount0, int256 amount1) {
        int256 owed = mode == Mode.Overcharge ? amountSpecified + 1 : amountSpecified;
        (amount0, amount1) = zeroForOne ? (owed, int256(-1)) : (int256(-1), owed);
        if (mode == Mode.Silent) return (amount0, amount1);
        bytes memory sent = data;
        if (mode == Mode.ForgedData) sent = forged;
        IV3SwapCallee(msg.sender).uniswapV3SwapCallback(amount0, amount1, sent);
        if (mode == Mode.Twice) IV3SwapCallee(msg.sender).uniswapV3SwapCallback(amount0, amount1, data);
    }
}
