// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

/// @notice The reads of a Uniswap-V3 pool (v3-core 1.0) a full read of its swap state makes.
interface IUniswapV3PoolState {
    function slot0()
        external
        view
        returns (uint160 sqrtPriceX96, int24 tick, uint16, uint16, uint16, uint8, bool);
    function liquidity() external view returns (uint128);
    function fee() external view returns (uint24);
    function tickSpacing() external view returns (int24);
    function tickBitmap(int16 wordPosition) external view returns (uint256);
    function ticks(int24 tick)
        external
        view
        returns (uint128 liquidityGross, int128 liquidityNet, uint256, uint256, int56, uint160, uint32, bool);
}

/// @notice Never deployed: its creation code runs in an eth_call, and the constructor returns a pool's swap state at
/// one block (slot0, liquidity, fee, tick spacing, and every initialized tick in the bitmap words within `radius` of
/// the price's word). One round trip where reading each word and tick on its own took one per read.
contract V3PoolLens {
    constructor(address pool, uint256 radius) {
        IUniswapV3PoolState p = IUniswapV3PoolState(pool);
        (uint160 sqrtPriceX96, int24 tick, , , , , ) = p.slot0();
        int24 spacing = p.tickSpacing();
        // Compressed tick rounded toward negative infinity, then its bitmap word (as TickBitmap.position does).
        int24 compressed = tick / spacing;
        if (tick < 0 && tick % spacing != 0) compressed--;
        int256 center = int256(compressed) >> 8;
        // int16 word positions: the bitmap holds no words beyond these.
        int256 fromWord = center - int256(radius) < -32768 ? -32768 : center - int256(radius);
        int256 toWord = center + int256(radius) > 32767 ? int256(32767) : center + int256(radius);
        uint256[] memory words = new uint256[](uint256(toWord - fromWord + 1));
        uint256 count = 0;
        for (uint256 k = 0; k < words.length; k++) {
            uint256 w = p.tickBitmap(int16(fromWord + int256(k)));
            words[k] = w;
            for (uint256 bits = w; bits != 0; bits &= bits - 1) count++;
        }
        int256[] memory initialized = new int256[](count * 3);
        uint256 n = 0;
        for (uint256 k = 0; k < words.length; k++) {
            uint256 w = words[k];
            for (uint256 bit = 0; w != 0; bit++) {
                if (w & 1 != 0) {
                    int24 t = int24((((fromWord + int256(k)) * 256) + int256(bit)) * int256(spacing));
                    (uint128 gross, int128 net, , , , , , ) = p.ticks(t);
                    initialized[n++] = t;
                    initialized[n++] = int256(uint256(gross));
                    initialized[n++] = net;
                }
                w >>= 1;
            }
        }
        bytes memory result = abi.encode(
            block.number,
            sqrtPriceX96,
            tick,
            p.liquidity(),
            p.fee(),
            spacing,
            fromWord,
            toWord,
            initialized
        );
        assembly {
            return(add(result, 32), mload(result))
        }
    }
}
