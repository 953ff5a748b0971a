// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

import {IERC20Minimal, IUniswapV2PairMinimal} from "./Interfaces.sol";

/// @notice Atomic arbitrage over a cycle of 2..3 Uniswap-V2 pools, funded by a flash swap from the first pool:
/// the first pool sends its output before being paid, the route turns it back into the base token, the first pool is
/// repaid its input, and what is left is the profit. Nothing is ever held between transactions.
contract ArbExecutor {
    struct Hop {
        address pool;
        address tokenIn;
        bool zeroForOne;
        uint256 amountOut;
    }

    address public immutable owner;
    address public treasury;

    // Set only for the duration of execute(): a callback from any other address, from a pool outside our own
    // execution, or carrying other data than we sent is refused. Transient, so it cannot leak into another call.
    address private transient expectedPool;
    bytes32 private transient expectedData;

    event Trade(address indexed baseToken, address[] pools, uint256 amountIn, uint256 profit);
    event TreasuryChanged(address treasury);

    error NotOwner();
    error Expired(uint256 deadlineBlock, uint256 blockNumber);
    error ExpiredAt(uint256 deadlineTime, uint256 timestamp);
    error BadRoute();
    error UnexpectedCallback();
    error InsufficientProfit(uint256 profit, uint256 minProfit);
    error TransferFailed(address token);

    constructor(address owner_, address treasury_) {
        owner = owner_;
        treasury = treasury_ == address(0) ? owner_ : treasury_;
    }

    modifier onlyOwner() {
        if (msg.sender != owner) revert NotOwner();
        _;
    }

    function setTreasury(address treasury_) external onlyOwner {
        treasury = treasury_ == address(0) ? owner : treasury_;
        emit TreasuryChanged(treasury);
    }

    /// @param feesBps each pool's swap fee in basis points (30 for Uniswap-V2 pairs); a wrong fee makes the pool
    /// refuse the swap, so the route reverts rather than trading at a different price.
    /// @param deadlineBlock the last block the trade may run in, or type(uint256).max for none: on Arbitrum
    /// block.number is an approximate L1 block number, not the L2 block the order was priced on.
    /// @param deadlineTime the last block.timestamp the trade may run at: the deadline that means the same on every
    /// chain, L2s included.
    function execute(
        address baseToken,
        address[] calldata pools,
        uint16[] calldata feesBps,
        uint256 amountIn,
        uint256 minProfit,
        uint256 deadlineBlock,
        uint256 deadlineTime
    ) external onlyOwner returns (uint256 profit) {
        if (block.number > deadlineBlock) revert Expired(deadlineBlock, block.number);
        if (block.timestamp > deadlineTime) revert ExpiredAt(deadlineTime, block.timestamp);
        uint256 n = pools.length;
        if (n < 2 || n > 3 || feesBps.length != n || amountIn == 0) revert BadRoute();

        Hop[] memory hops = new Hop[](n);
        address token = baseToken;
        uint256 amount = amountIn;
        for (uint256 i = 0; i < n; i++) {
            (hops[i], token) = _quote(pools[i], token, amount, feesBps[i]);
            amount = hops[i].amountOut;
        }
        if (token != baseToken) revert BadRoute();
        // Fail before any transfer when the quote already misses the target: cheaper, and the same outcome.
        if (amount < amountIn + minProfit) revert InsufficientProfit(amount > amountIn ? amount - amountIn : 0, minProfit);

        uint256 balanceBefore = IERC20Minimal(baseToken).balanceOf(address(this));
        bytes memory data = abi.encode(hops, amountIn);
        expectedPool = pools[0];
        expectedData = keccak256(data);
        Hop memory first = hops[0];
        IUniswapV2PairMinimal(first.pool).swap(
            first.zeroForOne ? 0 : first.amountOut,
            first.zeroForOne ? first.amountOut : 0,
            address(this),
            data
        );
        if (expectedPool != address(0)) revert UnexpectedCallback();

        // Measured, not quoted: the event reports what the treasury actually received.
        profit = IERC20Minimal(baseToken).balanceOf(address(this)) - balanceBefore;
        if (profit < minProfit) revert InsufficientProfit(profit, minProfit);
        _transfer(baseToken, treasury, profit);
        emit Trade(baseToken, pools, amountIn, profit);
    }

    /// @dev Called by the first pool during its flash swap: run the rest of the route, then repay the first pool.
    function uniswapV2Call(address sender, uint256, uint256, bytes calldata data) external {
        if (msg.sender != expectedPool || sender != address(this) || keccak256(data) != expectedData) {
            revert UnexpectedCallback();
        }
        expectedPool = address(0);
        (Hop[] memory hops, uint256 amountIn) = abi.decode(data, (Hop[], uint256));
        uint256 n = hops.length;
        _transfer(hops[1].tokenIn, hops[1].pool, hops[0].amountOut);
        for (uint256 i = 1; i < n; i++) {
            Hop memory hop = hops[i];
            // Each pool pays the next one directly: one transfer saved per hop, and nothing rests here.
            address to = i + 1 < n ? hops[i + 1].pool : address(this);
            IUniswapV2PairMinimal(hop.pool).swap(
                hop.zeroForOne ? 0 : hop.amountOut,
                hop.zeroForOne ? hop.amountOut : 0,
                to,
                ""
            );
        }
        _transfer(hops[0].tokenIn, msg.sender, amountIn);
    }

    function _quote(
        address pool,
        address tokenIn,
        uint256 amountIn,
        uint256 feeBps
    ) private view returns (Hop memory hop, address tokenOut) {
        IUniswapV2PairMinimal pair = IUniswapV2PairMinimal(pool);
        address token0 = pair.token0();
        address token1 = pair.token1();
        bool zeroForOne = tokenIn == token0;
        if (!zeroForOne && tokenIn != token1) revert BadRoute();
        (uint112 reserve0, uint112 reserve1, ) = pair.getReserves();
        (uint256 reserveIn, uint256 reserveOut) = zeroForOne ? (reserve0, reserve1) : (reserve1, reserve0);
        hop = Hop(pool, tokenIn, zeroForOne, getAmountOut(amountIn, reserveIn, reserveOut, feeBps));
        tokenOut = zeroForOne ? token1 : token0;
    }

    function getAmountOut(
        uint256 amountIn,
        uint256 reserveIn,
        uint256 reserveOut,
        uint256 feeBps
    ) internal pure returns (uint256) {
        uint256 amountInWithFee = amountIn * (10_000 - feeBps);
        return (amountInWithFee * reserveOut) / (reserveIn * 10_000 + amountInWithFee);
    }

    // Tolerates tokens that return nothing from transfer (USDT-style) as well as those returning a bool.
    function _transfer(address token, address to, uint256 amount) private {
        (bool ok, bytes memory ret) = token.call(abi.encodeCall(IERC20Minimal.transfer, (to, amount)));
        if (!ok || (ret.length != 0 && !abi.decode(ret, (bool)))) revert TransferFailed(token);
    }
}
