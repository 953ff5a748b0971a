// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

import {IERC20Minimal} from "./Interfaces.sol";
import {IUniswapV3PoolMinimal} from "./InterfacesV3.sol";

/// @notice Swaps and liquidity positions in Uniswap-V3 pools for the devnet's seeding and simulated traders. A V3
/// pool pays out first and then asks its caller for the input in a callback; this router answers that callback only
/// for the pool it is calling right now, paying from the account that called the router.
contract V3SimRouter {
    uint160 private constant MIN_SQRT_RATIO_PLUS_ONE = 4295128740;
    uint160 private constant MAX_SQRT_RATIO_MINUS_ONE = 1461446703485210103287273052203988822378723970341;

    // Transient: the pool being called and who pays it, for the duration of one call.
    address private transient activePool;
    address private transient payer;

    error UnexpectedCallback(address caller);
    error InsufficientOutput(uint256 amountOut, uint256 minOut);

    /// @notice Exact input (amountSpecified > 0) or exact output (< 0), bounded only by the amount unless a price limit
    /// is given (0 = none). Returns the pool's balance changes; the output goes to `to`.
    function swap(
        address pool,
        bool zeroForOne,
        int256 amountSpecified,
        uint160 sqrtPriceLimitX96,
        uint256 minOut,
        address to
    ) external returns (int256 amount0, int256 amount1) {
        if (sqrtPriceLimitX96 == 0) {
            sqrtPriceLimitX96 = zeroForOne ? MIN_SQRT_RATIO_PLUS_ONE : MAX_SQRT_RATIO_MINUS_ONE;
        }
        _enter(pool);
        (amount0, amount1) = IUniswapV3PoolMinimal(pool).swap(to, zeroForOne, amountSpecified, sqrtPriceLimitX96, "");
        _exit();
        uint256 out = uint256(-(zeroForOne ? amount1 : amount0));
        if (out < minOut) revert InsufficientOutput(out, minOut);
    }

    /// @notice Adds `amount` liquidity between two ticks, owned by `owner`, paid by the caller.
    function mint(
        address pool,
        address owner,
        int24 tickLower,
        int24 tickUpper,
        uint128 amount
    ) external returns (uint256 amount0, uint256 amount1) {
        _enter(pool);
        (amount0, amount1) = IUniswapV3PoolMinimal(pool).mint(owner, tickLower, tickUpper, amount, "");
        _exit();
    }

    function uniswapV3SwapCallback(int256 amount0Delta, int256 amount1Delta, bytes calldata) external {
        _pay(amount0Delta > 0 ? uint256(amount0Delta) : 0, amount1Delta > 0 ? uint256(amount1Delta) : 0);
    }

    function uniswapV3MintCallback(uint256 amount0Owed, uint256 amount1Owed, bytes calldata) external {
        _pay(amount0Owed, amount1Owed);
    }

    function _pay(uint256 amount0, uint256 amount1) private {
        if (msg.sender != activePool) revert UnexpectedCallback(msg.sender);
        IUniswapV3PoolMinimal pool = IUniswapV3PoolMinimal(msg.sender);
        if (amount0 > 0) IERC20Minimal(pool.token0()).transferFrom(payer, msg.sender, amount0);
        if (amount1 > 0) IERC20Minimal(pool.token1()).transferFrom(payer, msg.sender, amount1);
    }

    function _enter(address pool) private {
        activePool = pool;
        payer = msg.sender;
    }

    function _exit() private {
        activePool = address(0);
        payer = address(0);
    }
}
