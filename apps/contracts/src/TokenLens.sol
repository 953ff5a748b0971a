// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

/// @notice Never deployed: its creation code runs in an eth_call and returns what each token answers to decimals()
/// and symbol(), raw, so that tokens answering nonsense (no code, a revert, garbage) are judged off-chain and never
/// fail the whole batch. Each call has its own gas cap, so one hostile token cannot starve the others.
contract TokenLens {
    uint256 private constant CALL_GAS = 100_000;

    constructor(address[] memory tokens) {
        uint256 n = tokens.length;
        bytes[] memory decimals = new bytes[](n);
        bytes[] memory symbols = new bytes[](n);
        for (uint256 i = 0; i < n; i++) {
            (bool okD, bytes memory d) = tokens[i].staticcall{gas: CALL_GAS}(abi.encodeWithSignature("decimals()"));
            (bool okS, bytes memory s) = tokens[i].staticcall{gas: CALL_GAS}(abi.encodeWithSignature("symbol()"));
            decimals[i] = okD ? d : bytes("");
            symbols[i] = okS ? s : bytes("");
        }
        bytes memory result = abi.encode(decimals, symbols);
        assembly {
            return(add(result, 32), mload(result))
        }
    }
}
