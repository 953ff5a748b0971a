// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

/// @notice The flash-loan entry point of the Balancer V2 vault (@balancer-labs/v2-vault, FlashLoans.sol).
interface IBalancerVaultMinimal {
    function flashLoan(
        address recipient,
        address[] calldata tokens,
        uint256[] calldata amounts,
        bytes calldata userData
    ) external;
}

/// @notice The single-asset flash loan of an Aave V3 pool (@aave/core-v3, IPool.sol).
interface IAavePoolMinimal {
    function flashLoanSimple(
        address receiverAddress,
        address asset,
        uint256 amount,
        bytes calldata params,
        uint16 referralCode
    ) external;
}
