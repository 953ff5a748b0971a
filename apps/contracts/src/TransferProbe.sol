// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

import {IERC20Minimal, IUniswapV2PairMinimal} from "./Interfaces.sol";

/// @notice Never deployed: discovery injects its runtime code with an eth_call state override and asks it to take
/// a little of a token out of a pool by flash swap, pass half to a fresh wallet and the other half back to the pool,
/// measuring what arrives at each step. The callback always reverts with the measurements, so nothing is ever repaid
/// and the call changes nothing. A pool that cannot send the token at all reverts with its own error instead.
contract TransferProbe {
    /// received: what the pool's transfer delivered; forwarded/returned: what arrived of `sent` at the wallet and
    /// back at the pool; ok flags: whether those transfers succeeded.
    error ProbeResult(
        uint256 amountOut,
        uint256 received,
        uint256 forwardSent,
        uint256 forwarded,
        bool forwardOk,
        uint256 returnSent,
        uint256 returned,
        bool returnOk
    );

    address private constant WALLET = address(uint160(uint256(keccak256("orion.transfer-probe.wallet"))));

    function probe(address pair, address token, uint256 amountOut) external {
        bool isToken0 = IUniswapV2PairMinimal(pair).token0() == token;
        IUniswapV2PairMinimal(pair).swap(isToken0 ? amountOut : 0, isToken0 ? 0 : amountOut, address(this), abi.encode(token));
    }

    function uniswapV2Call(address, uint256 amount0, uint256 amount1, bytes calldata data) external {
        address token = abi.decode(data, (address));
        address pair = msg.sender;
        uint256 received = _balance(token, address(this));
        uint256 forwardSent = received / 2;
        uint256 walletBefore = _balance(token, WALLET);
        bool forwardOk = _transfer(token, WALLET, forwardSent);
        uint256 forwarded = _balance(token, WALLET) - walletBefore;
        uint256 returnSent = _balance(token, address(this));
        uint256 pairBefore = _balance(token, pair);
        bool returnOk = _transfer(token, pair, returnSent);
        uint256 returned = _balance(token, pair) - pairBefore;
        revert ProbeResult(amount0 + amount1, received, forwardSent, forwarded, forwardOk, returnSent, returned, returnOk);
    }

    function _balance(address token, address who) private view returns (uint256) {
        (bool ok, bytes memory ret) = token.staticcall(abi.encodeCall(IERC20Minimal.balanceOf, (who)));
        return ok && ret.length >= 32 ? abi.decode(ret, (uint256)) : 0;
    }

    function _transfer(address token, address to, uint256 amount) private returns (bool) {
        (bool ok, bytes memory ret) = token.call(abi.encodeCall(IERC20Minimal.transfer, (to, amount)));
        return ok && (ret.length == 0 || abi.decode(ret, (bool)));
    }
}
