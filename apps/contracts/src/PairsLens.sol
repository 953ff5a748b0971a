// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

import {IUniswapV2FactoryMinimal, IUniswapV2PairMinimal} from "./Interfaces.sol";

/// @notice Never deployed: its creation code runs in an eth_call and returns a slice [start, end) of a Uniswap-V2
/// factory's pairs with their tokens, plus the factory's pair count, all at one block. Discovery reads a factory of
/// any size in a few round trips this way instead of three calls per pair.
contract PairsLens {
    constructor(address factory, uint256 start, uint256 end) {
        IUniswapV2FactoryMinimal f = IUniswapV2FactoryMinimal(factory);
        uint256 length = f.allPairsLength();
        if (end > length) end = length;
        if (start > end) start = end;
        uint256 n = end - start;
        address[] memory pairs = new address[](n);
        address[] memory token0s = new address[](n);
        address[] memory token1s = new address[](n);
        for (uint256 i = 0; i < n; i++) {
            address pair = f.allPairs(start + i);
            pairs[i] = pair;
            token0s[i] = IUniswapV2PairMinimal(pair).token0();
            token1s[i] = IUniswapV2PairMinimal(pair).token1();
        }
        bytes memory result = abi.encode(block.number, length, pairs, token0s, token1s);
        assembly {
            return(add(result, 32), mload(result))
        }
    }
}
