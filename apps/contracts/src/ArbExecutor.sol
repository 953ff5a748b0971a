// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

import {IERC20Minimal, IUniswapV2PairMinimal} from "./Interfaces.sol";
import {IUniswapV3PoolMinimal} from "./InterfacesV3.sol";
import {IAavePoolMinimal, IBalancerVaultMinimal} from "./InterfacesLenders.sol";

/// @notice Atomic arbitrage over a cycle of 2..4 Uniswap-V2 and Uniswap-V3 pools. The capital is borrowed for the
/// length of the call: a flash swap from the first (V2) pool, a V3 pool's `flash`, a Balancer V2 vault flash loan or
/// an Aave V3 `flashLoanSimple`. The route turns the borrowed base token back into more of it, the lender is repaid
/// with its fee, and what is left is the profit, which must reach `minProfit` or everything reverts. Nothing is held
/// between transactions, and no allowance outlives the call that needed it.
///
/// Two keys: the owner (a cold admin: sets the operator and the treasury, sweeps stray tokens) and the operator (the
/// hot key that sends trades). They may be the same account.
contract ArbExecutor {
    enum Protocol {
        UniswapV2,
        UniswapV3
    }

    enum FlashSource {
        V2FlashSwap,
        V3Flash,
        Balancer,
        AaveV3
    }

    struct Hop {
        address pool;
        Protocol protocol;
        /// @dev Uniswap-V2 pools only: the pool's swap fee in basis points (V3 pools charge their own).
        uint16 feeBps;
    }

    struct Flash {
        FlashSource source;
        /// @dev The V3 pool, Balancer vault or Aave pool lending the base token; unused for a V2 flash swap.
        address lender;
    }

    // The sqrt price limits one step inside v3-core's bounds: an exact-input swap limited only by its amount.
    uint160 private constant MIN_SQRT_RATIO_PLUS_ONE = 4295128740;
    uint160 private constant MAX_SQRT_RATIO_MINUS_ONE = 1461446703485210103287273052203988822378723970341;

    address public immutable owner;
    // Slot 0: the simulated executor (apps/executor/simulated-executor.ts) writes it by state override.
    address public treasury;
    // Slot 1: as above.
    address public operator;

    // The one callback this contract will accept next: from whom, and with exactly which data. Set right before the
    // call that leads to it, cleared when it is accepted, so a callback from any other address, outside that call, a
    // second time (re-entry, replay) or with other data is refused. Transient: nothing leaks into another transaction.
    address private transient expectedCaller;
    bytes32 private transient expectedData;

    event Trade(address indexed baseToken, address[] pools, uint256 amountIn, uint256 profit, FlashSource source);
    event TreasuryChanged(address treasury);
    event OperatorChanged(address operator);
    event Swept(address indexed token, address indexed to, uint256 amount);

    error NotOwner();
    error NotOperator();
    error Expired(uint256 deadlineBlock, uint256 blockNumber);
    error ExpiredAt(uint256 deadlineTime, uint256 timestamp);
    error BadRoute();
    error UnexpectedCallback();
    error InsufficientProfit(uint256 profit, uint256 minProfit);
    error TransferFailed(address token);
    error ApproveFailed(address token);

    constructor(address owner_, address operator_, address treasury_) {
        owner = owner_;
        operator = operator_ == address(0) ? owner_ : operator_;
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

    /// @notice Replaces the sending key (a leaked or rotated hot key) without redeploying or touching the owner.
    function setOperator(address operator_) external onlyOwner {
        operator = operator_ == address(0) ? owner : operator_;
        emit OperatorChanged(operator);
    }

    /// @notice Sends tokens that reached this contract outside a trade (airdrops, mistaken transfers) to `to`;
    /// `token` 0 sends ether. A trade never leaves anything here, so this touches no trading capital.
    function sweep(address token, address to, uint256 amount) external onlyOwner {
        if (token == address(0)) {
            (bool ok, ) = to.call{value: amount}("");
            if (!ok) revert TransferFailed(token);
        } else {
            _transfer(token, to, amount);
        }
        emit Swept(token, to, amount);
    }

    /// @param hops the cycle from `baseToken` back to it; each hop's direction follows from the token arriving.
    /// @param flash where `amountIn` comes from. A V2 flash swap needs a V2 first hop; a V3 flash needs a V3 pool of
    /// the base token that is not in the route (the pool is locked while it lends).
    /// @param deadlineBlock the last block the trade may run in, or type(uint256).max for none: on Arbitrum
    /// block.number is an approximate L1 block number, not the L2 block the order was priced on.
    /// @param deadlineTime the last block.timestamp the trade may run at: the deadline that means the same on every
    /// chain, L2s included.
    /// @return profit what the treasury received, after the lender's fee.
    function execute(
        address baseToken,
        Hop[] calldata hops,
        uint256 amountIn,
        uint256 minProfit,
        Flash calldata flash,
        uint256 deadlineBlock,
        uint256 deadlineTime
    ) external returns (uint256 profit) {
        if (msg.sender != operator) revert NotOperator();
        if (block.number > deadlineBlock) revert Expired(deadlineBlock, block.number);
        if (block.timestamp > deadlineTime) revert ExpiredAt(deadlineTime, block.timestamp);
        uint256 n = hops.length;
        if (n < 2 || n > 4 || amountIn == 0) revert BadRoute();

        uint256 balanceBefore = IERC20Minimal(baseToken).balanceOf(address(this));
        bytes memory data = abi.encode(baseToken, hops, amountIn, minProfit);
        _borrow(baseToken, hops, amountIn, minProfit, flash, data);
        // The lender returned without calling back: nothing was borrowed, so there is nothing to count.
        if (expectedCaller != address(0)) revert UnexpectedCallback();

        // Measured, not quoted: the lender's fee is already paid, and the event reports what the treasury received.
        uint256 balanceAfter = IERC20Minimal(baseToken).balanceOf(address(this));
        profit = balanceAfter > balanceBefore ? balanceAfter - balanceBefore : 0;
        if (profit < minProfit || balanceAfter < balanceBefore) revert InsufficientProfit(profit, minProfit);
        _transfer(baseToken, treasury, profit);
        address[] memory pools = new address[](n);
        for (uint256 i = 0; i < n; i++) pools[i] = hops[i].pool;
        emit Trade(baseToken, pools, amountIn, profit, flash.source);
    }

    function _borrow(
        address baseToken,
        Hop[] calldata hops,
        uint256 amountIn,
        uint256 minProfit,
        Flash calldata flash,
        bytes memory data
    ) private {
        if (flash.source == FlashSource.V2FlashSwap) {
            // The first pool pays its output before it is paid: the route runs in its callback, which repays it.
            Hop calldata first = hops[0];
            if (first.protocol != Protocol.UniswapV2) revert BadRoute();
            (bool zeroForOne, uint256 amountOut, ) = _quoteV2(first.pool, baseToken, amountIn, first.feeBps);
            if (amountOut == 0) revert InsufficientProfit(0, minProfit);
            _expect(first.pool, data);
            IUniswapV2PairMinimal(first.pool).swap(
                zeroForOne ? 0 : amountOut,
                zeroForOne ? amountOut : 0,
                address(this),
                data
            );
            return;
        }
        address lender = flash.lender;
        for (uint256 i = 0; i < hops.length; i++) if (hops[i].pool == lender) revert BadRoute();
        _expect(lender, data);
        if (flash.source == FlashSource.V3Flash) {
            bool baseIsToken0 = IUniswapV3PoolMinimal(lender).token0() == baseToken;
            IUniswapV3PoolMinimal(lender).flash(
                address(this),
                baseIsToken0 ? amountIn : 0,
                baseIsToken0 ? 0 : amountIn,
                data
            );
        } else if (flash.source == FlashSource.Balancer) {
            address[] memory tokens = new address[](1);
            uint256[] memory amounts = new uint256[](1);
            tokens[0] = baseToken;
            amounts[0] = amountIn;
            IBalancerVaultMinimal(lender).flashLoan(address(this), tokens, amounts, data);
        } else {
            IAavePoolMinimal(lender).flashLoanSimple(address(this), baseToken, amountIn, data, 0);
            // The pool pulled exactly what it was allowed; reset anyway, so no allowance survives whatever it did.
            _approve(baseToken, lender, 0);
        }
    }

    /// @dev Uniswap-V2 flash swap: hop 0's output has arrived; run the rest of the route, then repay the first pool.
    function uniswapV2Call(address sender, uint256 amount0, uint256 amount1, bytes calldata data) external {
        _accept(data);
        if (sender != address(this)) revert UnexpectedCallback();
        (address baseToken, Hop[] memory hops, uint256 amountIn, uint256 minProfit) = _decode(data);
        IUniswapV2PairMinimal first = IUniswapV2PairMinimal(msg.sender);
        address tokenOut = first.token0() == baseToken ? first.token1() : first.token0();
        _repay(_run(hops, 1, tokenOut, amount0 + amount1, baseToken, minProfit), amountIn, minProfit);
        _transfer(baseToken, msg.sender, amountIn);
    }

    /// @dev Uniswap-V3 `flash`: the base token has arrived; run the route and repay it with the pool's fee.
    function uniswapV3FlashCallback(uint256 fee0, uint256 fee1, bytes calldata data) external {
        _accept(data);
        (address baseToken, Hop[] memory hops, uint256 amountIn, uint256 minProfit) = _decode(data);
        // Only the base token was borrowed, so the other fee is 0.
        uint256 owed = amountIn + fee0 + fee1;
        _repay(_run(hops, 0, baseToken, amountIn, baseToken, minProfit), owed, minProfit);
        _transfer(baseToken, msg.sender, owed);
    }

    /// @dev Balancer V2 vault flash loan: the vault checks its balance after this returns, so repay by transfer.
    function receiveFlashLoan(
        address[] calldata tokens,
        uint256[] calldata amounts,
        uint256[] calldata feeAmounts,
        bytes calldata userData
    ) external {
        _accept(userData);
        (address baseToken, Hop[] memory hops, uint256 amountIn, uint256 minProfit) = _decode(userData);
        if (tokens.length != 1 || tokens[0] != baseToken || amounts[0] != amountIn || feeAmounts.length != 1) {
            revert UnexpectedCallback();
        }
        uint256 owed = amountIn + feeAmounts[0];
        _repay(_run(hops, 0, baseToken, amountIn, baseToken, minProfit), owed, minProfit);
        _transfer(baseToken, msg.sender, owed);
    }

    /// @dev Aave V3 flashLoanSimple: the pool pulls amount + premium after this returns, so allow exactly that.
    function executeOperation(
        address asset,
        uint256 amount,
        uint256 premium,
        address initiator,
        bytes calldata params
    ) external returns (bool) {
        _accept(params);
        (address baseToken, Hop[] memory hops, uint256 amountIn, uint256 minProfit) = _decode(params);
        if (initiator != address(this) || asset != baseToken || amount != amountIn) revert UnexpectedCallback();
        uint256 owed = amount + premium;
        _repay(_run(hops, 0, baseToken, amountIn, baseToken, minProfit), owed, minProfit);
        _approve(baseToken, msg.sender, owed);
        return true;
    }

    /// @dev A V3 pool in the route asks to be paid its input: only the pool being called, inside that call, for at
    /// most the amount it was asked to swap, in the token it was given.
    function uniswapV3SwapCallback(int256 amount0Delta, int256 amount1Delta, bytes calldata data) external {
        _accept(data);
        (address tokenIn, uint256 maxIn) = abi.decode(data, (address, uint256));
        uint256 owed = amount0Delta > 0 ? uint256(amount0Delta) : (amount1Delta > 0 ? uint256(amount1Delta) : 0);
        if (owed > maxIn) revert UnexpectedCallback();
        _transfer(tokenIn, msg.sender, owed);
    }

    /// @dev Runs hops[start..] with `amount` of `token` held here. A V2 pool is paid before its swap, so a pool that
    /// is followed by a V2 pool sends its output straight there: one transfer saved per such hop.
    function _run(
        Hop[] memory hops,
        uint256 start,
        address token,
        uint256 amount,
        address baseToken,
        uint256 minProfit
    ) private returns (uint256) {
        uint256 n = hops.length;
        bool prepaid = false;
        for (uint256 i = start; i < n; i++) {
            Hop memory hop = hops[i];
            bool nextIsV2 = i + 1 < n && hops[i + 1].protocol == Protocol.UniswapV2;
            address to = nextIsV2 ? hops[i + 1].pool : address(this);
            if (hop.protocol == Protocol.UniswapV2) {
                (bool zeroForOne, uint256 amountOut, address tokenOut) = _quoteV2(hop.pool, token, amount, hop.feeBps);
                // The pair would refuse a swap for nothing; the route is simply not worth it at this size.
                if (amountOut == 0) revert InsufficientProfit(0, minProfit);
                if (!prepaid) _transfer(token, hop.pool, amount);
                IUniswapV2PairMinimal(hop.pool).swap(zeroForOne ? 0 : amountOut, zeroForOne ? amountOut : 0, to, "");
                (token, amount) = (tokenOut, amountOut);
            } else {
                (token, amount) = _swapV3(hop.pool, token, amount, to);
            }
            prepaid = nextIsV2;
        }
        // The cycle must close on the base token: anything else could not repay the lender.
        if (token != baseToken) revert BadRoute();
        return amount;
    }

    /// @dev Fails with the reason that matters (too little profit) rather than the token's failed repayment.
    function _repay(uint256 amountOut, uint256 owed, uint256 minProfit) private pure {
        if (amountOut < owed + minProfit) revert InsufficientProfit(amountOut > owed ? amountOut - owed : 0, minProfit);
    }

    function _decode(
        bytes calldata data
    ) private pure returns (address baseToken, Hop[] memory hops, uint256 amountIn, uint256 minProfit) {
        return abi.decode(data, (address, Hop[], uint256, uint256));
    }

    function _swapV3(address pool, address tokenIn, uint256 amountIn, address to) private returns (address, uint256) {
        IUniswapV3PoolMinimal p = IUniswapV3PoolMinimal(pool);
        address token0 = p.token0();
        address token1 = p.token1();
        bool zeroForOne = tokenIn == token0;
        if ((!zeroForOne && tokenIn != token1) || amountIn > uint256(type(int256).max)) revert BadRoute();
        address tokenOut = zeroForOne ? token1 : token0;
        bytes memory data = abi.encode(tokenIn, amountIn);
        _expect(pool, data);
        (int256 amount0, int256 amount1) = p.swap(
            to,
            zeroForOne,
            int256(amountIn),
            zeroForOne ? MIN_SQRT_RATIO_PLUS_ONE : MAX_SQRT_RATIO_MINUS_ONE,
            data
        );
        // A pool that swapped without asking to be paid is no V3 pool.
        if (expectedCaller != address(0)) revert UnexpectedCallback();
        int256 out = zeroForOne ? amount1 : amount0;
        if (out > 0) revert BadRoute();
        return (tokenOut, uint256(-out));
    }

    function _quoteV2(
        address pool,
        address tokenIn,
        uint256 amountIn,
        uint256 feeBps
    ) private view returns (bool zeroForOne, uint256 amountOut, address tokenOut) {
        IUniswapV2PairMinimal pair = IUniswapV2PairMinimal(pool);
        address token0 = pair.token0();
        address token1 = pair.token1();
        zeroForOne = tokenIn == token0;
        if (!zeroForOne && tokenIn != token1) revert BadRoute();
        (uint112 reserve0, uint112 reserve1, ) = pair.getReserves();
        (uint256 reserveIn, uint256 reserveOut) = zeroForOne ? (reserve0, reserve1) : (reserve1, reserve0);
        uint256 amountInWithFee = amountIn * (10_000 - feeBps);
        amountOut = (amountInWithFee * reserveOut) / (reserveIn * 10_000 + amountInWithFee);
        tokenOut = zeroForOne ? token1 : token0;
    }

    function _expect(address caller, bytes memory data) private {
        expectedCaller = caller;
        expectedData = keccak256(data);
    }

    function _accept(bytes calldata data) private {
        if (msg.sender != expectedCaller || keccak256(data) != expectedData) revert UnexpectedCallback();
        expectedCaller = address(0);
    }

    // Tolerates tokens that return nothing from transfer (USDT-style) as well as those returning a bool.
    function _transfer(address token, address to, uint256 amount) private {
        (bool ok, bytes memory ret) = token.call(abi.encodeCall(IERC20Minimal.transfer, (to, amount)));
        if (!ok || (ret.length != 0 && !abi.decode(ret, (bool)))) revert TransferFailed(token);
    }

    function _approve(address token, address spender, uint256 amount) private {
        (bool ok, bytes memory ret) = token.call(abi.encodeCall(IERC20Minimal.approve, (spender, amount)));
        if (!ok || (ret.length != 0 && !abi.decode(ret, (bool)))) revert ApproveFailed(token);
    }
}
