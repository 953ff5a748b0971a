// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

import {IUniswapV2PairMinimal} from "./Interfaces.sol";

/// @notice Never deployed: its creation code runs in an eth_call, and the constructor returns the reserves of every
/// pool at one block. One round trip for a full refresh, on any chain, with nothing to deploy first.
contract ReservesLens {
    constructor(address[] memory pools) {
        uint256[] memory reserves = new uint256[](pools.length * 2);
        for (uint256 i = 0; i < pools.length; i++) {
            (uint112 reserve0, uint112 reserve1, ) = IUniswapV2PairMinimal(pools[i]).getReserves();
            reserves[2 * i] = reserve0;
            reserves[2 * i + 1] = reserve1;
        }
        bytes memory result = abi.encode(block.number, reserves);
        assembly {
            return(add(result, 32), mload(result))
        }
    }
}
